"""Every list and ledger the dashboard shows, and the one way a page shows one: its filters
(set from the URL, so 总览's 今日重点 links open a list already filtered), the rows with the
child's name, village, school, grade and key groups and the ID masked as the role allows, a
click on a row to the child's 一生一档, and the same rows as an .xlsx."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from dashboards import case_panel, data, reports, ui

NAME = ("person_name", "id_number", "student_no", "village", "school_name", "grade", "key_groups")


@dataclass(frozen=True)
class ListSpec:
    source: str  # data._LISTS
    title: str
    caption: str
    columns: tuple[str, ...]
    filters: tuple[str, ...]  # filter widgets (data.LIST_FILTERS) besides township and school
    fixed: dict[str, object] = field(default_factory=dict)  # always applied
    counted: str = "人"
    opens_case: bool = False  # a row opens its case (案件 page) instead of the child's 一生一档


SPECS: dict[str, ListSpec] = {
    "out_of_school": ListSpec(
        "out_of_school",
        "户籍比学籍：适龄失学名单",
        "户籍在本县、义务教育年龄、最新学籍快照中没有在读或休学学籍的儿童；最后学籍为转出者需核实是否在外地就读。",
        (
            "person_name",
            "id_number",
            "village",
            "age",
            "category",
            "last_status",
            "last_status_date",
            "school_name",
            "is_poverty_household",
            "poverty_type",
            "key_groups",
        ),
        ("village", "category", "is_poverty_household"),
    ),
    "dropout_watch": ListSpec(
        "dropout_watch",
        "学籍比在校：疑似辍学名单",
        "最新学籍为在读、但截至比对日不在校的学生：不在考勤名册、连续无故缺勤3天、疑似辍学（5天）、辍学（15天）。",
        (*NAME, "stage", "unexcused_streak_days", "last_present_date", "last_roster_date", "is_poverty_household"),
        ("stage", "grade", "is_poverty_household"),
    ),
    "poverty_dropouts": ListSpec(
        "poverty_dropouts",
        "辍学比脱贫户：脱贫户/监测户失学辍学名单",
        "上面两份名单中（适龄失学、不在名册、疑似辍学、辍学）属于脱贫户或监测户的儿童，是第一优先。",
        (*NAME, "source", "detail", "poverty_type", "household_no", "is_risk_cleared"),
        ("source", "village"),
    ),
    "age_eligible": ListSpec(
        "age_eligible",
        "适龄儿童台账",
        "本县负责的每一名义务教育适龄儿童：户籍在本县，或在本县学校有在读、休学学籍（含随迁子女）。",
        (*NAME, "age", "status", "in_household_registry", "has_student_status", "is_migrant", "is_poverty_household"),
        ("village", "status", "has_student_status", "is_migrant", "is_poverty_household"),
    ),
    "cases": ListSpec(
        "cases",
        "疑似辍学台账",
        "每一个案件（疑似辍学，含适龄失学），在办或已销号，销号的保留原因和日期。",
        (
            "case_id",
            *NAME,
            "kind",
            "trigger",
            "opened_on",
            "escalated_on",
            "closed_on",
            "close_reason",
            "is_open",
            "is_poverty_household",
        ),
        ("is_open", "kind", "is_new_today", "is_poverty_household"),
        counted="件",
        opens_case=True,
    ),
    "dropouts": ListSpec(
        "cases",
        "辍学台账",
        "连续无故缺勤达15个上学日、升级为辍学的案件（联合劝返），在办或已销号。",
        ("case_id", *NAME, "opened_on", "escalated_on", "closed_on", "close_reason", "is_open", "is_poverty_household"),
        ("is_open", "escalated_today", "is_poverty_household"),
        fixed={"escalated": True},
        counted="件",
        opens_case=True,
    ),
    "home_teaching": ListSpec(
        "home_teaching",
        "残疾儿童与送教上门名单",
        "最新学籍在读或休学、登记了残疾类型的学生；随班就读一栏为「送教上门」的须每月至少送教2次。",
        (*NAME, "status", "disability_type", "inclusive_placement", "is_poverty_household"),
        ("is_home_teaching", "is_poverty_household"),
    ),
    "handover": ListSpec(
        "handover",
        "小升初移交名单",
        "上一学年最后一次学籍快照中在读的六年级学生，本学年是否已在七年级注册；「未注册（需核查）」的须逐一核实去向。",
        (
            "person_name",
            "id_number",
            "student_no",
            "village",
            "school_name",
            "outcome",
            "grade_7_school_name",
            "school_year",
            "is_poverty_household",
            "key_groups",
        ),
        ("outcome", "is_poverty_household"),
    ),
    "leave_filings": ListSpec(
        "leave_filings",
        "请假报备名单",
        "脱贫户/监测户学生请假超过3天（不含）不超7天的报中心校备案，超过7天的报县教育局基础教育股备案（内黄）。",
        (*NAME, "start_date", "end_date", "days", "filing_level"),
        ("filing_level", "this_month"),
    ),
    "suspended": ListSpec(
        "suspended",
        "休学名单",
        "最新学籍快照中状态为休学的学生（延缓入学尚无数据来源，见说明）。",
        (*NAME, "status", "status_date", "is_poverty_household"),
        ("is_poverty_household",),
    ),
    "transferred_out": ListSpec(
        "out_of_school",
        "转出待核实名单",
        "户籍在本县、义务教育年龄、最后学籍为转出的儿童：核实是否在外地就读，不立案。",
        (
            "person_name",
            "id_number",
            "village",
            "age",
            "last_status_date",
            "school_name",
            "is_poverty_household",
            "poverty_type",
            "key_groups",
        ),
        ("village", "is_poverty_household"),
        fixed={"category": "transferred_out"},
    ),
}
BOOLEAN_FILTERS = {
    "has_student_status",
    "is_migrant",
    "is_open",
    "is_new_today",
    "escalated_today",
    "is_poverty_household",
    "is_home_teaching",
    "this_month",
}
FILTER_LABELS = {"this_month": "本月", "is_new_today": "今日新增", "escalated_today": "今日升级"}


def _from_url(options: list, value: str | None) -> int:
    """The index of the option the URL names (its text form), else 0 (全部)."""
    if value is None:
        return 0
    for i, option in enumerate(options):
        if option is not None and str(option).lower() in (value.lower(), {"1": "true", "0": "false"}.get(value, "")):
            return i
    return 0


def _option_label(names: dict):
    """A filter option as shown: 「全部」 for none, else its Chinese name (or the value itself)."""
    return lambda v: "全部" if v is None else names.get(v, str(v))


def _filters(scope: data.Scope, spec: ListSpec, key: str) -> dict[str, object]:
    """The filter widgets above a list, their defaults from the URL; the filters chosen."""
    params = st.query_params
    chosen: dict[str, object] = {}
    names = ui.labels()
    widgets = ["township_code"] if scope.township_code is None else []
    widgets += ["school_code"] if scope.school_code is None and spec.source != "out_of_school" else []
    widgets += list(spec.filters)
    cols = st.columns(min(4, max(1, len(widgets))))
    units = data.unit_names(scope)
    for i, column in enumerate(widgets):
        if column in BOOLEAN_FILTERS:
            options: list = [None, True, False]
            names_of: dict = ui.YES_NO
        else:
            options = [None, *data.list_values(scope, spec.source, column)]
            names_of = units if column.endswith("_code") else ui.value_labels(column)
        label = _option_label(names_of)
        picked = cols[i % len(cols)].selectbox(
            FILTER_LABELS.get(column, names.get(column, column)).replace("代码", "").replace("标识码", ""),
            options,
            index=_from_url(options, params.get(column)),
            format_func=label,
            key=f"{key}_{column}",
        )
        if picked is not None:
            chosen[column] = picked
    return chosen


def show(scope: data.Scope, name: str, key: str) -> None:
    """One list: caption, filters, count, the rows (a click opens the child's 一生一档), the .xlsx."""
    spec = SPECS[name]
    st.caption(spec.caption)
    filters = {**spec.fixed, **_filters(scope, spec, key)}
    n, rows = data.child_list(scope, spec.source, filters)
    more = f"，显示前 {len(rows):,} {spec.counted}，请用上面的条件缩小范围" if n > len(rows) else ""
    st.markdown(f"共 **{n:,}** {spec.counted}{more}")
    if rows.empty:
        return
    shown = ui.chinese(rows, spec.columns)
    if spec.opens_case:
        ui.linked_table(
            shown,
            list(rows["case_id"]),
            key=f"{key}_table",
            page=case_panel.CASE_PAGE,
            param=case_panel.CASE_PARAM,
            help_text="点击一行，打开案件：查看职责和期限，登记劝返措施。",
        )
    else:
        ui.linked_table(shown, list(rows["token"]), key=f"{key}_table")
    ui.download_xlsx(
        f"下载{spec.title}（.xlsx）", lambda: workbook(scope, name, filters), file_name(scope, name), f"{key}_xlsx"
    )


def workbook(scope: data.Scope, name: str, filters: dict[str, object]) -> bytes:
    """A list as an .xlsx: every row the filters select (not only those on screen), with the
    screen's columns, values and masking."""
    spec = SPECS[name]
    _, rows = data.child_list(scope, spec.source, filters, limit=None)
    as_of = data.last_publish(scope).iloc[0]["as_of_date"]
    unit = data.own_unit(scope)["unit_name"]
    return reports.list_workbook(
        spec.title, f"范围：{unit}", as_of, ui.chinese(rows, spec.columns), spec.title, spec.counted
    )


def file_name(scope: data.Scope, name: str) -> str:
    as_of = data.last_publish(scope).iloc[0]["as_of_date"]
    return f"{SPECS[name].title}_{data.own_unit(scope)['unit_name']}_{pd.Timestamp(as_of):%Y%m%d}.xlsx"


def page(title: str, names: tuple[str, ...], key: str) -> None:
    """A page of lists: the one chosen (by the URL's ?list= first) shown with ``show``."""
    scope = ui.current_scope()
    ui.header(title, scope)
    wanted = st.query_params.get("list")
    choice = st.radio(
        "名单",
        names,
        index=names.index(wanted) if wanted in names else 0,
        format_func=lambda n: SPECS[n].title,
        horizontal=True,
        label_visibility="collapsed",
        key=f"{key}_list",
    )
    if choice == "out_of_school" and scope.role == "school":
        st.info("适龄失学儿童按户籍地管理，不属于任何学校；请向乡镇中心校或县教育局查询。")
        return
    show(scope, choice, f"{key}_{choice}")
