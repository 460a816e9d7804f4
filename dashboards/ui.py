"""Shared page parts: the signed-in scope, the page header, Chinese labels and tables."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import data
from dashboards.data import Scope

# Column headers shown to users (English column → Chinese label).
LABELS = {
    "level": "层级",
    "unit_code": "单位代码",
    "unit_name": "单位名称",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "school_code": "学校标识码",
    "school_name": "学校",
    "id_number": "身份证号",
    "child_key": "儿童标识",
    "student_no": "全国学籍号",
    "student_name": "姓名",
    "person_name": "姓名",
    "household_no": "户号",
    "village": "村居",
    "age": "年龄",
    "grade": "年级",
    "category": "类别",
    "stage": "阶段",
    "source": "来源",
    "detail": "情况",
    "poverty_type": "脱贫户/监测户类型",
    "household_type": "户类型",
    "is_risk_cleared": "风险已消除",
    "last_status": "最后学籍状态",
    "last_status_date": "最后学籍日期",
    "unexcused_streak_days": "连续无故缺勤天数",
    "last_present_date": "最近在校日期",
    "last_roster_date": "最近在名册日期",
    "is_poverty_household": "脱贫户/监测户",
    "in_household_registry": "户籍在本县",
    "has_student_status": "有学籍",
    "status": "学籍状态",
    "is_migrant": "随迁子女",
    "case_id": "案件编号",
    "kind": "案件类别",
    "trigger": "立案原因",
    "opened_on": "立案日期",
    "escalated_on": "升级辍学日期",
    "closed_on": "销号日期",
    "close_reason": "销号原因",
    "is_open": "在办",
    "as_of_date": "截至日期",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "days": "天数",
    "filing_level": "审批/备案层级",
    "outcome": "结果",
    "grade_7_school_code": "七年级学校",
    "school_year": "学年",
    "month": "月份",
    "snapshot_date": "学籍快照日期",
    "roster_days": "在名册天数",
    "present_days": "在校天数",
    "leave_days": "请假天数",
    "unexcused_days": "无故缺勤天数",
}

STATUS = {"enrolled": "在读", "suspended": "休学", "transferred_out": "转出", "graduated": "毕业", "deceased": "死亡"}
VALUES = {
    "level": {"county": "全县", "township": "乡镇", "school": "学校"},
    "category": {"never_enrolled": "从未有学籍", "left_status": "学籍已消失", "transferred_out": "转出待核实"},
    "stage": {
        "not_on_roster": "不在考勤名册",
        "absent_3d": "连续旷课3天",
        "suspected_dropout": "疑似辍学",
        "dropout": "辍学",
        "primary": "小学",
        "junior": "初中",
        "nine_year": "义务教育",
    },
    "source": {"out_of_school": "适龄失学", "dropout_watch": "疑似辍学监测"},
    "status": STATUS,
    "last_status": STATUS,
    "kind": {"suspected_dropout": "疑似辍学", "out_of_school": "适龄失学"},
    "trigger": {
        "unexcused_absence": "连续无故缺勤",
        "not_on_roster": "不在考勤名册",
        "never_enrolled": "从未有学籍",
        "left_status": "学籍消失",
    },
    "close_reason": {
        "returned": "劝返复学",
        "transferred": "转学",
        "suspended": "休学",
        "deceased": "死亡",
        "over_age": "超龄",
        "graduated": "毕业",
    },
    "filing_level": {"principal": "校长审批", "township": "中心校备案", "county": "县教育局备案"},
    "outcome": {"registered_grade_7": "已注册七年级", "transferred": "转出", "missing": "未注册（需核查）"},
}
BOOL_COLUMNS = ("is_poverty_household", "in_household_registry", "has_student_status", "is_migrant", "is_open")


def glossary_labels(domain: str) -> dict[str, str]:
    """Code → Chinese label of one domain of the glossary (marts.code_labels), in its order."""
    g = data.glossary(current_scope())
    g = g[g["domain"] == domain]
    return dict(zip(g["code"], g["label"], strict=True))


def current_scope() -> Scope:
    return Scope.of(st.session_state["user"])


def scope_label(scope: Scope) -> str:
    if scope.is_county:
        return "范围：全县"
    if scope.role == "township":
        return f"范围：乡镇 {scope.township_code}"
    return f"范围：学校 {scope.school_code}"


def count_text(value: object, scope: Scope) -> str:
    """A count as shown on an aggregate page: 「<5」 for 1..4 below the county role."""
    n = int(value)
    if not scope.is_county and 1 <= n < data.SMALL_COUNT:
        return data.SUPPRESSED
    return f"{n:,}"


def header(title: str, scope: Scope) -> None:
    st.title(title)
    publish = data.last_publish(scope)
    if not publish.empty:
        p = publish.iloc[0]
        st.caption(
            f"数据截至 {p['as_of_date']:%Y年%m月%d日}　·　发布于 {p['published_at']:%Y-%m-%d %H:%M}　·　{scope_label(scope)}"
        )


def chinese(df: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The frame with Chinese values and headers, ready to show."""
    out = df[columns] if columns else df.copy()
    out = out.copy()
    for col, mapping in VALUES.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date
    for col in BOOL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].map({True: "是", False: "否"})
    return out.rename(columns=LABELS)


def table(df: pd.DataFrame, columns: list[str] | None = None, key: str | None = None) -> None:
    """A mart's rows with Chinese values and headers."""
    frame(chinese(df, columns), key=key)


def frame(
    df: pd.DataFrame, labels: dict[str, str] | None = None, key: str | None = None, percent: tuple[str, ...] = ()
) -> None:
    """A table as shown on every page: headers renamed by ``labels``, no index, full width; the
    ``percent`` columns (shares between 0 and 1) shown as percentages."""
    labels = labels or {}
    config = {labels.get(c, c): st.column_config.NumberColumn(format="percent") for c in percent}
    st.dataframe(df.rename(columns=labels), hide_index=True, width="stretch", key=key, column_config=config)


# Charts are built with plotly.graph_objects: plotly.express costs ~50 ms a figure on the server.
def bar_chart(x, y, title: str, target: float | None = None, percent: bool = False, floor: float | None = None) -> None:
    fig = go.Figure(go.Bar(x=list(x), y=list(y), marker_color="#1f6fb2"))
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", annotation_text="目标")
    if percent:
        low = min([*y, target or 1]) - 0.01
        fig.update_yaxes(tickformat=".1%", range=[min(floor or low, low), 1.005])
    _show(fig, title)


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str, percent: bool = False) -> None:
    fig = go.Figure([go.Bar(x=part[x], y=part[y], name=str(name)) for name, part in df.groupby(color)])
    fig.update_layout(barmode="stack")
    if percent:
        fig.update_yaxes(tickformat=".1%")
    _show(fig, title)


def line_chart(df: pd.DataFrame, x: str, series: dict[str, str], title: str) -> None:
    fig = go.Figure([go.Scatter(x=df[x], y=df[col], name=label, mode="lines+markers") for col, label in series.items()])
    _show(fig, title)


def _show(fig: go.Figure, title: str) -> None:
    fig.update_layout(title=title, height=340, margin={"l": 40, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h"})
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
