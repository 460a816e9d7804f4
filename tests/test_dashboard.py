"""Every dashboard page for every role, run by AppTest against the warehouse the real pipeline published."""

from __future__ import annotations

import json
import os
import re
import shutil
from io import BytesIO

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboards import data, lists, reports
from dashboards.users import User
from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")
PAGES = {
    "总览": "views/overview.py",
    "三比对": "views/compare.py",
    "一生一档": "views/student.py",
    "台账": "views/ledgers.py",
    "名单": "views/lists.py",
    "报表": "views/reports.py",
    "风险": "views/risk.py",
    "数据质量": "views/quality.py",
}
TOWNSHIP, TOWNSHIP_NAME = "410527102", "井店镇"
SCHOOL = "2410527001"
USERS = {
    "county": User("county", "县教育局", "county"),
    "township": User("jingdian", "井店镇中心校", "township", township_code=TOWNSHIP),
    "school": User("fanyang01", "繁阳街道中心小学", "school", school_code=SCHOOL),
}


@pytest.fixture
def app_env(small_county, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(small_county.warehouse))
    return small_county


def sql(county, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def page(name: str, user: User, **params: str) -> AppTest:
    """A page as ``user`` sees it, opened with ``params`` in the URL."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["user"] = user
    at.run()
    at.switch_page(PAGES[name])
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest, first_column: str) -> pd.DataFrame:
    """The table on the page whose first column has this header."""
    found = [d.value for d in at.dataframe if len(d.value.columns) and d.value.columns[0] == first_column]
    assert found, [list(d.value.columns[:3]) for d in at.dataframe]
    return found[0]


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_for_every_role(app_env, name, role, caplog):
    at = page(name, USERS[role])
    assert at.title[0].value == name
    assert "数据截至 2026年07月03日" in at.caption[0].value
    # no table reached Streamlit with a column Arrow cannot convert (「<5」 beside numbers)
    assert "Arrow" not in caplog.text


def test_login_rejects_a_wrong_password_and_admits_the_demo_user(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("jingdian")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert "用户名或密码不正确" in at.error[0].value
    assert "user" not in at.session_state
    at.text_input[1].input("kcbx-township")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["user"].township_code == TOWNSHIP
    assert at.title[0].value == "今日待办"  # the landing page of every role


def test_scope_is_named_by_the_unit(app_env):
    assert "范围：内黄县" in page("总览", USERS["county"]).caption[0].value
    assert "范围：井店镇" in page("总览", USERS["township"]).caption[0].value
    assert "范围：内黄县繁阳街道中心小学" in page("总览", USERS["school"]).caption[0].value


def test_overview_key_counts_come_from_the_monthly_report(app_env):
    (county_status, county_new), (town_status, town_new) = (
        sql(
            app_env,
            "select students_with_status, new_cases from marts.monthly_report "
            "where level = ? and unit_code like ? order by month desc limit 1",
            [level, code],
        )[0]
        for level, code in (("county", "%"), ("township", TOWNSHIP))
    )
    metrics = {m.label: m.value for m in page("总览", USERS["county"]).metric}
    assert metrics["有学籍学生"] == f"{county_status:,}"
    assert metrics["本月新增案件"] == f"{county_new:,}"
    metrics = {m.label: m.value for m in page("总览", USERS["township"]).metric}
    assert metrics["有学籍学生"] in (f"{town_status:,}", "<5")
    assert metrics["本月新增案件"] == (f"{town_new:,}" if town_new == 0 or town_new >= 5 else "<5") or (
        metrics["本月新增案件"] == "<5"
    )


NOT_COUNTS = {
    "年级",
    "年龄",
    "风险分",
    "连续无故缺勤天数",
    "学年",
    "天数",
}  # numbers of one child, not counts of children


def _numbers_in(value: object) -> list[float]:
    return [float(v) for v in re.findall(r"(?<![\d.])\d[\d,]*(?![\d.%])", str(value).replace(",", ""))]


@pytest.mark.parametrize("role", ["township", "school"])
def test_no_small_count_reaches_an_aggregate_page_below_the_county(app_env, role):
    """Below the county, 总览 and 风险 show no count of 1–4 — in a table, a key figure, a change
    or a chart — and a figure shown as 「<5」 has no change beside it."""
    for name in ("总览", "风险"):
        at = page(name, USERS[role])
        for m in at.metric:
            shown = str(m.value)
            assert not any(1 <= n < 5 for n in _numbers_in(shown) if "%" not in shown), (name, m.label, shown)
            if shown == "<5":
                assert m.delta in (None, ""), (name, m.label, "a change beside a hidden count")
        for frame in at.dataframe:
            for column in frame.value.columns:
                if column in NOT_COUNTS:
                    continue
                cells = frame.value[column].astype(str)
                if cells.str.fullmatch(r"<5|\d[\d,]*|—").all():  # a count column
                    assert not cells.isin(["1", "2", "3", "4"]).any(), (name, column)
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            for trace in spec["data"]:
                ys = [y for y in trace.get("y", []) if y is not None]
                if ys and max(ys) > 1:  # counts, not shares
                    assert not any(1 <= y < 5 for y in ys), (name, trace.get("name"), ys)


def test_a_county_user_drills_down_to_a_township_and_a_school(app_env):
    at = page("总览", USERS["county"], town=TOWNSHIP)
    assert "范围：井店镇" in at.caption[0].value
    units = table(at, "单位")
    below = sql(
        app_env,
        "select report_unit_name from marts.report_units where parent_level = 'township' and parent_code = ? "
        "order by unit_order",
        [TOWNSHIP],
    )
    assert list(units["单位"]) == [n for (n,) in below]
    school = sql(
        app_env,
        "select unit_code, unit_name from marts.report_units where parent_code = ? and level = 'school'",
        [TOWNSHIP],
    )[0]
    at = page("总览", USERS["county"], school=school[0])
    assert f"范围：{school[1]}" in at.caption[0].value


def test_a_township_user_cannot_drill_outside_its_township(app_env):
    other_school = sql(
        app_env,
        "select unit_code from marts.report_units where level = 'school' and township_code != ? limit 1",
        [TOWNSHIP],
    )[0][0]
    at = page("总览", USERS["township"], school=other_school)
    assert "范围：井店镇" in at.caption[0].value  # the narrowing was refused


def test_county_run_schools_are_the_countys_not_their_townships(app_env):
    school, township = sql(
        app_env, "select unit_code, township_code from marts.report_units where is_county_run order by 1 limit 1"
    )[0]
    expected = sql(app_env, "select count(*) from marts.ledger_age_eligible where school_code = ?", [school])[0][0]
    assert expected > 0
    county = data.narrowed(data.Scope.of(USERS["county"]), "school", school)
    assert data.child_list(county, "age_eligible")[0] == expected
    town = data.Scope("township", township_code=township)
    _, rows = data.child_list(town, "age_eligible", limit=None)
    assert school not in set(rows["school_code"])  # the township's scope leaves the county's school out
    assert data.narrowed(town, "school", school) is None


def _list(at: AppTest, key: str, name: str) -> AppTest:
    at.radio(key=f"{key}_list").set_value(name).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_township_user_sees_only_its_township_with_names_and_masked_ids(app_env):
    at = _list(page("三比对", USERS["township"]), "compare", "dropout_watch")
    watch = table(at, "姓名")
    expected = sql(app_env, "select count(*) from marts.dropout_watch where township_code = ?", [TOWNSHIP])[0][0]
    assert f"共 **{expected:,}** 人" in [m.value for m in at.markdown]
    assert len(watch) == expected
    assert watch["身份证号"].replace("", pd.NA).dropna().str.fullmatch(r"\d{6}\*{8}[\dX]{4}").all()
    assert {"姓名", "村", "学校", "年级", "重点群体"} <= set(watch.columns)


def test_school_user_sees_only_its_school(app_env):
    at = page("三比对", USERS["school"])
    assert "不属于任何学校" in at.info[0].value
    at = _list(at, "compare", "dropout_watch")
    expected = sql(app_env, "select count(*) from marts.dropout_watch where school_code = ?", [SCHOOL])[0][0]
    assert f"共 **{expected:,}** 人" in [m.value for m in at.markdown]
    if expected:
        assert set(table(at, "姓名")["学校"]) <= {"内黄县繁阳街道中心小学"}


def test_county_with_full_id_flag_sees_full_numbers(app_env):
    user = User("analyst", "分析", "county", full_id=True)
    watch = table(_list(page("三比对", user), "compare", "dropout_watch"), "姓名")
    ids = watch["身份证号"].replace("", pd.NA).dropna()
    assert len(ids) > 0 and ids.str.fullmatch(r"\d{17}[\dX]").all()


def test_lists_open_filtered_from_the_url(app_env):
    expected = sql(app_env, "select count(*) from marts.dropout_watch where stage = 'absent_3d'")[0][0]
    at = page("三比对", USERS["county"], list="dropout_watch", stage="absent_3d")
    assert f"共 **{expected:,}** 人" in [m.value for m in at.markdown]
    escalated = sql(app_env, "select count(*) from marts.ledger_cases where escalated_on is not null")[0][0]
    at = page("台账", USERS["county"], list="dropouts")
    assert f"共 **{escalated:,}** 件" in [m.value for m in at.markdown]
    open_cases = sql(app_env, "select count(*) from marts.ledger_cases where is_open")[0][0]
    at = page("台账", USERS["county"], list="cases", is_open="1")
    assert f"共 **{open_cases:,}** 件" in [m.value for m in at.markdown]


LIST_PAGES = {
    "三比对": ("out_of_school", "dropout_watch", "poverty_dropouts"),
    "台账": ("age_eligible", "cases", "dropouts"),
    "名单": ("home_teaching", "handover", "leave_filings", "suspended", "transferred_out"),
}


@pytest.mark.parametrize("role", ["county", "township"])
def test_every_list_as_xlsx_is_the_screens_rows_masked_and_scoped(app_env, role):
    """Each list's workbook holds exactly the rows, columns and masked numbers of the screen."""
    user = USERS[role]
    scope = data.Scope.of(user)
    for title, names in LIST_PAGES.items():
        for name in names:
            at = page(title, user, list=name)
            spec = lists.SPECS[name]
            n, rows = data.child_list(scope, spec.source, dict(spec.fixed), limit=None)
            assert f"共 **{n:,}** {spec.counted}" in "".join(m.value for m in at.markdown), (name, n)
            ws = load_workbook(BytesIO(lists.workbook(scope, name, dict(spec.fixed)))).active
            assert ws["A1"].value == spec.title
            header = [c.value for c in ws[3]]
            body = [["" if c.value is None else str(c.value) for c in r] for r in ws.iter_rows(min_row=4)]
            assert len(body) == n, name
            if not n:
                continue
            screen = table(at, header[0])
            assert list(screen.columns) == header, name
            assert body[: len(screen)] == [[str(v) for v in r] for r in screen.itertuples(index=False)], name
            if "身份证号" in header:
                ids = [r[header.index("身份证号")] for r in body if r[header.index("身份证号")]]
                assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", i) for i in ids), name
            assert "姓名" in header and "重点群体" in header, name
            if role == "township":
                assert set(rows["township_code"].dropna()) <= {TOWNSHIP}, name


def test_student_page_finds_a_child_by_name_id_student_number_or_masked_form(app_env):
    case_id, id_number, student_no, name, township = sql(
        app_env,
        "select l.case_id, l.id_number, c.student_no, c.person_name, l.township_code from marts.ledger_cases as l "
        "join marts.children as c using (child_key) where l.kind = 'suspected_dropout' and l.id_number is not null "
        "order by case_id limit 1",
    )[0]
    user = User("t", "乡镇", "township", township_code=township)
    masked = id_number[:6] + "********" + id_number[-4:]
    for key in (id_number, student_no, masked):
        at = page("一生一档", user)
        at.text_input(key="student_search").input(key).run()
        assert not at.exception
        if at.query_params.get("c") is None:  # the masked form may match several: pick the child
            continue
        assert masked in "".join(m.value for m in at.markdown)
        assert case_id in set(table(at, "案件编号")["案件编号"])
        months = sql(app_env, "select count(*) from marts.student_history where id_number = ?", [id_number])[0][0]
        assert len(table(at, "月份")) == months
        # the URL names the child by an opaque token only
        token = at.query_params["c"]
        assert id_number not in token and name not in token and student_no not in token
    other = "410527101" if township != "410527101" else "410527102"
    at = page("一生一档", User("o", "他乡", "township", township_code=other))
    at.text_input(key="student_search").input(id_number).run()
    assert "没有找到" in at.warning[0].value


CODE_COLUMNS = (  # (table, column, glossary domain) of every code value a page shows
    ("marts.ledger_cases", "kind", "kind"),
    ("marts.ledger_cases", "trigger", "trigger"),
    ("marts.ledger_cases", "close_reason", "close_reason"),
    ("marts.dropout_watch", "stage", "watch_stage"),
    ("marts.out_of_school", "category", "category"),
    ("marts.out_of_school", "last_status", "status"),
    ("marts.poverty_dropouts", "source", "source"),
    ("marts.poverty_dropouts", "household_type", "household_type"),
    ("marts.leave_filings", "filing_level", "filing_level"),
    ("marts.handover_6_to_7", "outcome", "outcome"),
    ("marts.student_risk", "tier", "tier"),
    ("marts.ledger_age_eligible", "status", "status"),
    ("marts.children", "status", "status"),
    ("marts.consolidation_rate", "stage", "stage"),
    ("marts.consolidation_rate", "method", "method"),
    ("marts.risk_by_area", "area_code", "area"),
    ("marts.risk_by_group", "group_code", "key_group"),
    ("marts.report_units", "level", "level"),
    ("audit.quarantine", "reason", "quarantine_reason"),
    ("meta.check_results", "suite", "suite"),
    ("raw.load_files", "extract", "extract"),
    ("marts.case_deadlines", "duty", "duty"),
    ("marts.case_deadlines", "status", "duty_status"),
    ("marts.case_deadlines", "file_kind", "file_kind"),
    ("marts.home_teaching", "status", "visit_status"),
    ("audit.off_calendar_attendance", "reason", "off_calendar"),
)


def test_one_glossary_labels_every_code_and_heads_every_column_comment(app_env):
    labels = {(d, c): label for d, c, label in sql(app_env, "select domain, code, label from marts.code_labels")}
    for table, column, domain in CODE_COLUMNS:
        values = {v for (v,) in sql(app_env, f"select distinct {column} from {table} where {column} is not null")}
        missing = {v for v in values if (domain, v) not in labels}
        assert not missing, (table, column, missing)
    detail = {v for (v,) in sql(app_env, "select distinct detail from marts.poverty_dropouts")}
    assert all(("category", v) in labels or ("watch_stage", v) in labels for v in detail)
    # the marts' Chinese comments start with the header the glossary gives their column
    columns = sql(app_env, "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'")
    for table, column, comment in columns:
        header = labels.get(("column", f"{table}.{column}")) or labels.get(("column", column))
        if header:
            assert (comment or "").startswith(header), (table, column, comment, header)
    assert labels[("county", "410527")] == "内黄县"


# ---- the submitted tables agree across levels ------------------------------------------------

REPORTS = ((reports.MONTHLY, "report_month", 0), (reports.QUARTERLY, "report_quarter", 1))


def _report_users(county) -> list[tuple[str, str, str, User]]:
    """(level, unit code, 填报单位 name, user) for the county, every township and every school."""
    units = sql(
        county,
        "select level, unit_code, report_unit_name from marts.report_units where level != 'no_school' "
        "order by level, unit_code",
    )
    users = []
    for level, code, name in units:
        if level == "county":
            users.append((level, code, name, USERS["county"]))
        elif level == "township":
            users.append((level, code, name, User(f"t{code}", name, "township", township_code=code)))
        else:
            users.append((level, code, name, User(f"s{code}", name, "school", school_code=code)))
    return users


def _children(county, layout: reports.Layout, period: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(level, code) → the (level, 填报单位 name) of the units directly under it in one period's
    table, in order (the county's row for what belongs to no township only when it has any)."""
    rows = sql(
        county,
        f"select parent_level, parent_code, level, report_unit_name from marts.{layout.table} "
        f"where {layout.period} = ? and parent_code is not null order by parent_level, parent_code, unit_order",
        [period],
    )
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for parent_level, parent_code, level, name in rows:
        out.setdefault((parent_level, parent_code), []).append((level, name))
    return out


def _check_levels_agree(tables: dict, users: list, children: dict, layout: reports.Layout, period: str) -> None:
    """Every unit's own total is its row in its parent's table; its rows add up to its total."""
    counts = [c for c in next(iter(tables.values())).columns[1:]]
    counts = counts[:-1] if layout.rate else counts
    for level, code, name, _ in users:
        table = tables[(level, code)].set_index(reports.UNIT)
        below = children.get((level, code), [])
        if below:  # a table of the rows under the unit, then its own row as 合计
            assert list(table.index) == [n for _, n in below] + [reports.TOTAL], (level, code, period)
            own = table.loc[reports.TOTAL]
            body = table.drop(index=reports.TOTAL)[counts].astype(int)
            assert (body.sum() == own[counts].astype(int)).all(), (name, period, body.sum() - own[counts])
        else:  # a school submits its own row
            assert list(table.index) == [name], (level, code, period)
            own = table.loc[name]
        for (parent_level, parent_code), units in children.items():
            if (level, name) in units and (parent_level, parent_code) in tables:
                parent_row = tables[(parent_level, parent_code)].set_index(reports.UNIT).loc[name]
                assert list(parent_row) == list(own), (name, period, "differs from its row in", parent_code)


def _screen_periods(county, layout: reports.Layout) -> tuple[list[str], set[str]]:
    """Every period of a report, and the ones every unit's screen is read for: the latest (what a
    county submits) and the one with the most non-zero cells (the most that could disagree)."""
    rows = pd.DataFrame(
        sql(county, f"select {layout.period}, {', '.join(layout.columns)} from marts.{layout.table}"),
        columns=[layout.period, *layout.columns],
    )
    filled = rows.set_index(layout.period).ne(0).sum(axis=1).groupby(level=0).sum()
    periods = sorted(filled.index)
    return periods, {periods[-1], filled.idxmax()}


def _every_period_units(county, users: list) -> set[tuple[str, str]]:
    """The county, 井店镇 and its first school: read for every period on screen and as workbooks."""
    (school,) = sql(
        county,
        "select min(unit_code) from marts.report_units where level = 'school' and parent_code = ?",
        [TOWNSHIP],
    )[0]
    return {("county", users[0][1]), ("township", TOWNSHIP), ("school", school)}


def test_every_units_table_on_screen_agrees_with_its_row_above_it(app_env):
    """As the county, every township and every school see them on 报表: a township's 合计 is its
    row in the county's table, cell for cell; a school's row is its row in its township's (or,
    county-run, the county's) table; every table's rows add up to its 合计. Every unit's screen is
    read for the latest and the busiest month and quarter, the county's, one township's and one of
    its schools' for every period (the table every unit submits, for every period, is checked
    below: it is what the screen and the workbook lay out)."""
    users = _report_users(app_env)
    every_period = _every_period_units(app_env, users)
    for layout, key, index in REPORTS:
        periods, everyone = _screen_periods(app_env, layout)
        screens: dict[str, dict] = {p: {} for p in periods}
        for level, code, _, user in users:
            at = page("报表", user)
            for p in periods if (level, code) in every_period else sorted(everyone):
                at.selectbox(key=key).set_value(p).run()
                assert not at.exception, [e.message for e in at.exception]
                screens[p][(level, code)] = at.dataframe[index].value
        for p in periods:
            shown = [u for u in users if (u[0], u[1]) in screens[p]]
            _check_levels_agree(screens[p], shown, _children(app_env, layout, p), layout, p)
        # and the county's 合计 is the mart's county row
        county = sql(
            app_env,
            f"select {', '.join(layout.columns)} from marts.{layout.table} where level = 'county' "
            f"and {layout.period} = ?",
            [periods[-1]],
        )[0]
        shown = screens[periods[-1]][("county", users[0][1])].set_index(reports.UNIT).loc[reports.TOTAL]
        assert list(shown.iloc[: len(layout.columns)].astype(int)) == list(county)


def _workbook_table(content: bytes) -> pd.DataFrame:
    """The body of a submitted workbook: from the row under the two header rows to the last unit row."""
    ws = load_workbook(BytesIO(content)).active
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == reports.UNIT)
    width = ws.max_column
    rows = []
    r = header + 2
    while ws.cell(r, 1).value not in (None, ""):
        rows.append([ws.cell(r, c).value for c in range(1, width + 1)])
        if rows[-1][0] == reports.TOTAL:
            break
        r += 1
    return pd.DataFrame(rows, columns=[reports.UNIT, *range(1, width)])


def _labels(county) -> dict[str, str]:
    return {
        code: label
        for domain, code, label in sql(county, "select domain, code, label from marts.code_labels")
        if domain == "column"
    }


def _as_shown(layout: reports.Layout, table: pd.DataFrame) -> pd.DataFrame:
    """A submitted table with its rate as the screen shows it (a share, or 「—」 without a base)."""
    if layout.rate:
        table[table.columns[-1]] = table[table.columns[-1]].map(reports.rate_text)
    return table


def _scoped_reports(users: list, layout: reports.Layout) -> dict[tuple[str, str], tuple[data.Scope, pd.DataFrame]]:
    """Each unit's report rows, as the dashboard reads them in the unit's scope."""
    loader = data.monthly_report if layout is reports.MONTHLY else data.quarterly_rectification
    return {(level, code): (data.Scope.of(user), loader(data.Scope.of(user))) for level, code, _, user in users}


def test_every_units_submitted_table_agrees_with_its_row_above_it_in_every_period(app_env):
    """For every month and quarter and every unit (the county, every township, every school), the
    table the unit submits — what its screen and its workbook lay out (reports.submitted_table) —
    agrees with its row above it and adds up to its 合计."""
    users, labels = _report_users(app_env), _labels(app_env)
    for layout, _, _ in REPORTS:
        scoped = _scoped_reports(users, layout)
        for p in sorted(next(iter(scoped.values()))[1][layout.period].unique()):
            tables = {
                unit: _as_shown(
                    layout,
                    reports.submitted_table(layout, labels, rows[rows[layout.period] == p], data.own_unit(scope)),
                )
                for unit, (scope, rows) in scoped.items()
            }
            _check_levels_agree(tables, users, _children(app_env, layout, p), layout, p)


def test_every_units_workbook_is_its_submitted_table_cell_for_cell(app_env):
    """The workbook a unit downloads holds the table it submits, cell for cell: every unit's for
    the latest and the busiest month and quarter; the county's, one township's and one of its
    schools' for every one."""
    users, labels = _report_users(app_env), _labels(app_env)
    every_period = _every_period_units(app_env, users)
    for layout, _, _ in REPORTS:
        periods, everyone = _screen_periods(app_env, layout)
        for unit, (scope, rows) in _scoped_reports(users, layout).items():
            own = data.own_unit(scope)
            for p in periods if unit in every_period else sorted(everyone):
                period_rows = rows[rows[layout.period] == p]
                book = _workbook_table(reports.submitted_workbook(layout, labels, period_rows, own))
                table = _as_shown(layout, reports.submitted_table(layout, labels, period_rows, own))
                if layout.rate:  # a share, or 「—」 where it has no base
                    book[book.columns[-1]] = book[book.columns[-1]].map(
                        lambda v: v if isinstance(v, str) else reports.rate_text(v)
                    )
                assert book.values.tolist() == table.values.tolist(), (unit, p)


RISK_MARTS = ("risk_by_group", "risk_by_grade", "risk_by_area", "student_risk", "risk_backtest", "risk_backtest_days")


def test_risk_page_says_plainly_until_the_risk_marts_are_published(app_env, tmp_path, monkeypatch):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(app_env.warehouse, copy)
    con = duckdb.connect(str(copy))
    for table in RISK_MARTS:
        con.execute("drop table marts." + table)
    con.close()
    monkeypatch.setenv("KCBX_WAREHOUSE", str(copy))
    at = page("风险", USERS["county"])
    assert at.info[0].value.startswith("风险指标尚未发布")


def test_risk_page_shows_the_township_its_students_groups_and_the_backtest_in_words(app_env):
    at = page("风险", USERS["township"])
    assert not at.info
    watch = sql(
        app_env,
        "select count(*) from marts.student_risk as r where township_code = ? and tier in ('high', 'medium') "
        "and coalesce(r.id_number, r.student_no) not in (select child_key from marts.ledger_cases where is_open)",
        [TOWNSHIP],
    )[0][0]
    assert f"共 **{watch:,}** 人（未立案）" in "".join(m.value for m in at.markdown)
    if watch:
        students = table(at, "姓名")
        assert len(students) == watch
        assert students["身份证号"].replace("", pd.NA).dropna().str.fullmatch(r"\d{6}\*{8}[\dX]{4}").all()
        assert students["主要原因"].str.len().gt(0).all()
    groups = sql(
        app_env,
        "select group_name, cases from marts.risk_by_group where level = 'township' and unit_code = ? "
        "and group_code != 'all' order by sort_order",
        [TOWNSHIP],
    )
    group_table = table(at, "")
    assert list(group_table[""])[: len(groups)] == [name for name, _ in groups]
    for (name, n), shown in zip(groups, group_table["个案数"], strict=False):
        assert shown == "<5" if 1 <= n < 5 else shown in (f"{n:,}", "<5"), (name, n, shown)
    words = "".join(m.value for m in at.markdown)
    assert "列为**高风险**的学生中" in words and "成" in words
    assert not [e for e in at.expander if "技术指标" in e.label]  # AUC is for the county's data staff
    county = page("风险", USERS["county"])
    assert [e for e in county.expander if "技术指标" in e.label]
    assert "AUC（曲线下面积）" in table(county, "群体").columns


def test_quality_page_shows_checks_quarantine_freshness_and_the_data_docs(app_env):
    suites = sql(
        app_env,
        "select count(*), count(case when failed_critical > 0 then 1 end) from meta.check_results "
        "where run_id = (select run_id from meta.publish_log order by published_at desc limit 1)",
    )[0]
    quarantined = sql(app_env, "select count(*) from audit.quarantine")[0][0]
    at = page("数据质量", USERS["county"])
    metrics = {m.label: m.value for m in at.metric}
    assert suites[0] >= 7 and suites[1] == 0
    assert metrics["结果"] == "已发布"
    assert metrics["隔离行"] == f"{quarantined:,}"
    assert metrics["检查套件通过"].endswith(f"/ {suites[0]}")
    assert table(at, "数据来源")["行数"].sum() == quarantined
    assert len(table(at, "乡镇")) == 17
    # the Data Docs are shown in the page, with nothing fetched from elsewhere
    assert at.selectbox(key="docs_page").value == "index.html"
    html = at.get("iframe")[0].proto.srcdoc if at.get("iframe") else ""
    assert "数据质量检查" in html and "https://" not in html
    assert "只对县级用户开放" in "".join(m.value for m in page("数据质量", USERS["township"]).markdown)


def test_a_newly_published_warehouse_is_picked_up_without_a_restart(app_env, tmp_path, monkeypatch):
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(app_env.warehouse, published)
    monkeypatch.setenv("KCBX_WAREHOUSE", str(published))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = USERS["county"]
    at.run()
    at.switch_page(PAGES["总览"]).run()  # the landing page is 今日待办
    before = {m.label: m.value for m in at.metric}["有学籍学生"]

    staged = tmp_path / ".warehouse.new"
    shutil.copyfile(app_env.warehouse, staged)
    con = duckdb.connect(str(staged))
    con.execute("update marts.monthly_report set students_with_status = 123456 where level = 'county'")
    con.close()
    os.replace(staged, published)  # as the publisher does
    at.run()
    assert not at.exception
    assert before != "123,456"
    assert {m.label: m.value for m in at.metric}["有学籍学生"] == "123,456"


def test_without_a_published_warehouse_the_app_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = USERS["county"]
    at.run()
    assert not at.exception
    assert "尚未发布数据仓库" in at.warning[0].value
    assert "make demo" in at.warning[0].value
