"""报表: the monthly report and the quarterly table, on screen and as .xlsx for submission.

The table on screen and the workbook are the same rows of one mart (reports.submitted_table):
the units directly under the user's own unit, then the user's own row as 合计."""

from __future__ import annotations

import streamlit as st

from dashboards import data, reports, ui

scope = ui.current_scope()
ui.header("报表", scope)
own = data.own_unit(scope)
labels = ui.glossary_labels("column")
CAPTIONS = {
    reports.MONTHLY: "统计日为当月最后一个上学日。人籍差额 = 请假 + 休学 + 无故缺勤 + 不在考勤名册；小学为1–6年级，初中为7–9年级。",
    reports.QUARTERLY: "期初在办 + 本季新增 − 本季销号 = 期末在办；整改率 = 本季销号 ÷（期初在办 + 本季新增），"
    "没有期初在办和新增时为「—」。当前季度统计到比对日。劝返次数为本季登记的劝返和联合劝返（家访、联系家长不计），"
    "按当天案件所处阶段分列；辍学原因为本季在办案件（期初在办 + 本季新增）截至季末最近登记的原因，"
    "合计为已登记原因的案件数。",
}


def report(layout: reports.Layout, frame, period_label: str, button: str) -> None:
    periods = frame.drop_duplicates(layout.period).sort_values(layout.period, ascending=False)
    names = dict(zip(periods[layout.period], periods[f"{layout.period}_name"], strict=True))
    complete = periods[periods["is_complete"]]  # the default: the last complete month or quarter
    default = list(periods[layout.period]).index(complete[layout.period].iloc[0]) if not complete.empty else 0
    period = st.selectbox(
        period_label, list(names), index=default, format_func=names.get, key=f"report_{layout.period}"
    )
    rows = frame[frame[layout.period] == period]
    table = reports.submitted_table(layout, labels, rows, own)
    st.caption(CAPTIONS[layout])
    shown = table.copy()
    if layout.rate:
        shown[shown.columns[-1]] = shown[shown.columns[-1]].map(reports.rate_text)
    ui.frame(shown, key=f"{layout.table}_table")
    ui.download_xlsx(
        button,
        lambda: reports.submitted_workbook(layout, labels, rows, own),
        reports.file_name(layout, own, period),
        f"{layout.table}_xlsx",
    )


monthly_tab, quarterly_tab = st.tabs(["控辍保学月报（内黄 附件1）", "学期汇总控辍保学排查整改工作情况统计表（卫辉）"])
with monthly_tab:
    report(reports.MONTHLY, data.monthly_report(scope), "月份", "下载月报（.xlsx）")
with quarterly_tab:
    report(reports.QUARTERLY, data.quarterly_rectification(scope), "季度", "下载季度整改表（.xlsx）")
