"""案件: one case file, found by its case number (typed, read out on the phone, or from a link
on another page), with its duties, its timeline and the action form (dashboards/case_panel.py)."""

from __future__ import annotations

import streamlit as st

from casework.case_ids import normalise
from dashboards import case_panel, ui

scope = ui.current_scope()
ui.header("案件", scope)

given = st.query_params.get(case_panel.CASE_PARAM, "")
typed = st.text_input(
    "案件编号", value=given, help="如 7K3MQ-9XDT4：大小写、短横线均可；字母 O、I、L 按 0、1、1 识别"
).strip()
if not typed:
    st.info("输入案件编号，或从「今日待办」「台账」「一生一档」点选一个案件，查看其职责和期限并登记劝返措施。")
    st.stop()
case_id = normalise(typed)
if case_id != given:
    st.query_params[case_panel.CASE_PARAM] = case_id
if not case_panel.show(case_id):
    st.warning(f"本范围内没有案件 {case_id}。请核对编号，或确认该案件属于您的学校或乡镇。")
