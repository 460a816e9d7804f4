"""一生一档: one child's records across the comparisons, cases, leave filings and the 6→7
handover, month by month. Opened from any list row (?c=<token>: an opaque token, never an ID
number, name or student number) or found here by name, full ID number, student number or the
masked form the lists show."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import case_panel, data, ui

scope = ui.current_scope()
ui.header("一生一档", scope)

key = st.text_input(
    "姓名、身份证号或全国学籍号",
    help="输入姓名（须完全一致）、完整的身份证号或全国学籍号，或名单中显示的打码号码（前6位和后4位）。",
    key="student_search",
).strip()
if key:
    found = data.find_children(scope, key)
    if found.empty:
        st.warning("本范围内没有找到这名儿童。请核对姓名或号码，或确认其户籍或学籍在本范围内。")
        st.stop()
    if len(found) == 1:
        st.query_params["c"] = found["token"].iloc[0]
    elif st.query_params.get("c") not in set(found["token"]):
        st.markdown(f"找到 **{len(found)}** 名儿童，请选择：")
        ui.linked_table(
            ui.chinese(
                found, ["person_name", "id_number", "student_no", "school_name", "grade", "village", "key_groups"]
            ),
            list(found["token"]),
            key="matches",
        )
        st.stop()

token = st.query_params.get("c")
child = data.child_profile(scope, token) if token else None
if child is None:
    if token:
        st.warning("链接中的儿童不在本范围内，或数据已更新。请重新查找。")
    else:
        st.info(
            "输入一名儿童的姓名、身份证号或全国学籍号，或在任一名单中点击一行，查看其在各次比对和台账中的全部记录。"
        )
    st.stop()


def shown(value: object, empty: str = "—") -> str:
    return empty if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "" else str(value)


status = ui.value_labels("status")
st.subheader(
    f"{child['person_name']}　{status.get(child['status'], '无学籍') if shown(child['status'], '') else '无学籍'}"
)
cols = st.columns(4)
cols[0].markdown(f"**身份证号** {shown(child['id_number'])}")
cols[1].markdown(f"**全国学籍号** {shown(child['student_no'])}")
cols[2].markdown(f"**学校** {shown(child['school_name'])}　**年级** {shown(child['grade'])}")
cols[3].markdown(f"**年龄** {shown(child['age'])}　**随迁子女** {ui.YES_NO[bool(child['is_migrant'])]}")
cols = st.columns(4)
cols[0].markdown(f"**户籍** {shown(child['village'])}")
cols[1].markdown(f"**重点群体** {shown(child['key_groups'], '无')}")
cols[2].markdown(f"**脱贫户/监测户** {shown(child['poverty_type'], '否')}")
cols[3].markdown(
    f"**残疾** {shown(child['disability_type'], '无')}" + ("（送教上门）" if child["is_home_teaching"] else "")
)

history = data.child_history(scope, token)
months = history["student_history"].sort_values("month")
st.markdown("#### 学籍与考勤（按月）")
if months.empty:
    st.write("没有学籍快照和考勤记录。")
else:
    months = months.assign(
        month_name=months["month"].str[:4] + "年" + months["month"].str[5:].astype(int).astype(str) + "月"
    )
    ui.line_chart(
        list(months["month_name"]),
        {
            label: (list(months[col]), [f"{v}天" for v in months[col]])
            for col, label in (("present_days", "在校"), ("leave_days", "请假"), ("unexcused_days", "无故缺勤"))
        },
        "每月考勤（天）",
    )
    names = data.unit_names(scope)
    ui.frame(
        ui.chinese(
            months.assign(school_name=months["school_code"].map(names), month=months["month_name"]),
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
        ),
        key="history",
    )

SECTIONS = (
    (
        "cases",
        "案件（疑似辍学台账）",
        ["case_id", "kind", "trigger", "school_name", "opened_on", "escalated_on", "closed_on", "close_reason"],
    ),
    ("out_of_school", "户籍比学籍（适龄失学名单）", ["category", "last_status", "last_status_date", "age"]),
    (
        "dropout_watch",
        "学籍比在校（疑似辍学名单）",
        ["stage", "school_name", "grade", "unexcused_streak_days", "last_present_date"],
    ),
    ("poverty_dropouts", "辍学比脱贫户", ["source", "detail", "poverty_type", "household_no"]),
    ("leave_filings", "请假报备", ["start_date", "end_date", "days", "filing_level"]),
    ("handover", "小升初移交", ["school_year", "school_name", "outcome", "grade_7_school_name"]),
)
for name, title, columns in SECTIONS:
    rows = history[name]
    st.markdown(f"#### {title}")
    if rows.empty:
        st.write("无记录。")
    else:
        ui.frame(ui.chinese(rows, columns), key=f"section_{name}")
    if name == "cases":
        case_panel.pick_case(rows["case_id"], "student_cases")
