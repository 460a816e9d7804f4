"""台账: the three ledgers — age-eligible children, suspected-dropout cases, dropout cases."""

from __future__ import annotations

import streamlit as st

from dashboards import case_panel, data, ui

scope = ui.current_scope()
ui.header("台账", scope)
names = data.unit_names(scope)
CASE_COLUMNS = [
    "case_id",
    "id_number",
    "kind",
    "trigger",
    "township_name",
    "school_name",
    "opened_on",
    "escalated_on",
    "closed_on",
    "close_reason",
    "is_poverty_household",
]

tabs = st.tabs(["适龄儿童台账", "疑似辍学台账", "辍学台账"])

with tabs[0]:
    st.caption("本县负责的每一名义务教育适龄儿童：户籍在本县，或在本县学校有在读、休学学籍（含随迁子女）。")
    summary = data.age_eligible_summary(scope)
    summary["township_name"] = summary["township_code"].map(names)
    summary["status_name"] = summary["status"].map({**ui.STATUS, "none": "无学籍"})
    cols = st.columns(3)
    cols[0].metric("适龄儿童", f"{summary['children'].sum():,}")
    cols[1].metric("其中有在读学籍", f"{summary.loc[summary['status'] == 'enrolled', 'children'].sum():,}")
    cols[2].metric("其中随迁子女", f"{summary['migrants'].sum():,}")
    left, right = st.columns(2)
    towns = sorted(summary["township_code"].dropna().unique())
    town = left.selectbox("乡镇", [None, *towns], format_func=lambda c: "全部" if c is None else names.get(c, c))
    status = right.selectbox(
        "学籍状态", [None, *ui.STATUS], format_func=lambda s: "全部" if s is None else ui.STATUS[s]
    )
    n, rows = data.age_eligible(scope, town, status)
    rows["township_name"] = rows["township_code"].map(names)
    rows["school_name"] = rows["school_code"].map(names)
    st.markdown(
        f"共 **{n:,}** 人" + (f"，显示前 {data.LEDGER_ROW_LIMIT:,} 人，请用上面的条件缩小范围" if n > len(rows) else "")
    )
    ui.table(
        rows,
        [
            "person_name",
            "id_number",
            "student_no",
            "age",
            "township_name",
            "school_name",
            "status",
            "in_household_registry",
            "has_student_status",
            "is_migrant",
        ],
    )

cases = data.ledger_cases(scope)
cases["township_name"] = cases["township_code"].map(names)
cases["school_name"] = cases["school_code"].map(names)

with tabs[1]:
    st.caption("每一个案件（疑似辍学、适龄失学），在办或已销号，销号的保留原因和日期。")
    cols = st.columns(3)
    cols[0].metric("案件总数", f"{len(cases):,}")
    cols[1].metric("在办", f"{int(cases['is_open'].sum()):,}")
    cols[2].metric("已销号", f"{int((~cases['is_open']).sum()):,}")
    state = st.radio("案件状态", ["全部", "在办", "已销号"], horizontal=True)
    shown = cases if state == "全部" else cases[cases["is_open"] == (state == "在办")]
    reasons = cases.loc[~cases["is_open"], "close_reason"].map(ui.VALUES["close_reason"]).value_counts()
    if not reasons.empty:
        ui.bar_chart(reasons.index, reasons.to_numpy(), "已销号案件的销号原因（件）")
    ui.table(shown, CASE_COLUMNS)
    case_panel.pick_case(shown["case_id"], "ledger_cases")

with tabs[2]:
    st.caption("连续无故缺勤达15个上学日、升级为辍学的案件（联合劝返）。")
    dropouts = cases[cases["escalated_on"].notna()]
    cols = st.columns(2)
    cols[0].metric("辍学案件", f"{len(dropouts):,}")
    cols[1].metric("其中在办", f"{int(dropouts['is_open'].sum()):,}")
    ui.table(dropouts, CASE_COLUMNS)
    case_panel.pick_case(dropouts["case_id"], "ledger_dropouts")
