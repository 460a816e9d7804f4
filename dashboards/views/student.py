"""一生一档: one child's records across the comparisons, cases, leave filings and the 6→7 handover."""

from __future__ import annotations

import streamlit as st

from dashboards import case_panel, data, ui

scope = ui.current_scope()
ui.header("一生一档", scope)
names = data.unit_names(scope)

key = st.text_input(
    "身份证号、全国学籍号或姓名", help="输入完整的18位身份证号、全国学籍号，或姓名（须完全一致）"
).strip()
if not key:
    st.info("输入一名儿童的身份证号、全国学籍号或姓名，查看其在各次比对和台账中的全部记录。")
    st.stop()

found = data.find_children(scope, key)
if found.empty:
    st.warning("本范围的适龄儿童台账中没有找到这名儿童。请核对号码，或确认其户籍或学籍在本范围内。")
    st.stop()

found["township_name"] = found["township_code"].map(names)
found["school_name"] = found["school_code"].map(names)
labels = {
    row.token: f"{row.person_name}　{row.id_number or row.student_no}　{row.school_name or row.township_name or ''}"
    for row in found.itertuples()
}
token = st.selectbox("儿童", list(labels), format_func=labels.get) if len(found) > 1 else found["token"].iloc[0]
child = found[found["token"] == token].iloc[0]
history = data.child_history(scope, token)
history["ledger_cases"] = history["ledger_cases"].sort_values("opened_on")

st.subheader(f"{child['person_name']}　{ui.STATUS.get(child['status'], '无学籍')}")
cols = st.columns(4)
cols[0].markdown(f"**身份证号** {child['id_number'] or '—'}")
cols[1].markdown(f"**全国学籍号** {child['student_no'] or '—'}")
cols[2].markdown(f"**学校** {child['school_name'] or '—'}")
cols[3].markdown(f"**年龄** {child['age']}　**随迁子女** {'是' if child['is_migrant'] else '否'}")

months = history["student_history"].sort_values("month")
st.markdown("#### 学籍与考勤（按月）")
if months.empty:
    st.write("没有学籍快照和考勤记录。")
else:
    ui.line_chart(
        months,
        "month",
        {"present_days": "在校", "leave_days": "请假", "unexcused_days": "无故缺勤"},
        "每月考勤（天）",
    )
    ui.table(
        months.assign(school_name=months["school_code"].map(names)),
        [
            "month",
            "snapshot_date",
            "school_name",
            "grade",
            "status",
            "roster_days",
            "present_days",
            "leave_days",
            "unexcused_days",
        ],
    )

sections = [
    (
        "ledger_cases",
        "案件（疑似辍学台账）",
        ["case_id", "kind", "trigger", "school_name", "opened_on", "escalated_on", "closed_on", "close_reason"],
    ),
    (
        "out_of_school",
        "户籍比学籍（适龄失学名单）",
        ["category", "last_status", "last_status_date", "age", "as_of_date"],
    ),
    (
        "dropout_watch",
        "学籍比在校（疑似辍学监测）",
        ["stage", "grade", "unexcused_streak_days", "last_present_date", "as_of_date"],
    ),
    ("poverty_dropouts", "辍学比脱贫户", ["source", "detail", "poverty_type", "household_no", "as_of_date"]),
    ("leave_filings", "请假报备", ["start_date", "end_date", "days", "filing_level"]),
    ("handover_6_to_7", "小升初移交", ["school_year", "outcome", "grade_7_school_code"]),
]
for name, title, columns in sections:
    rows = history[name]
    st.markdown(f"#### {title}")
    if rows.empty:
        st.write("无记录。")
    else:
        ui.table(rows.assign(school_name=rows["school_code"].map(names)) if "school_code" in rows else rows, columns)
    if name == "ledger_cases":
        case_panel.pick_case(rows["case_id"], "student_cases")
