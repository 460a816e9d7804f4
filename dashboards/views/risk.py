"""风险: case and absence rates by key group, grade and area against the county, the student risk list, the back-test."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui

scope = ui.current_scope()
ui.header("风险", scope)

if not data.risk_published(scope):
    st.info(
        "风险指标尚未发布：重点群体、重点学段、重点地区的风险指标和学生风险名单（marts.risk_by_group 等）"
        "还没有进入数据仓库。发布后本页自动显示，无需重启看板。"
    )
    st.stop()

MEASURES = {
    "case_rate": "案件率",
    "absence_rate": "缺勤率",
    "chronic_absence_rate": "长期缺勤率",
    "ratio_to_county": "案件率与全县之比",
}
COUNTS = ["students", "cases", "chronic_absent"]
RATES = ("case_rate", "absence_rate", "chronic_absence_rate")  # shares, shown as percentages
level = "county" if scope.is_county else "township"
measure = st.radio("指标", list(MEASURES), format_func=MEASURES.get, horizontal=True)


def chart(table: str, x: str, title: str) -> None:
    df = data.risk_measures(scope, table)
    df = df[df["level"] == level]
    if df.empty:
        st.write("本范围没有数据。")
        return
    st.caption(f"截至 {df['as_of_date'].max():%Y-%m-%d}；与全县之比 1 即与全县持平；「分母过小」的比率不宜采信。")
    df = df.assign(sample=df["small_denominator"].map({True: "分母过小", False: "可采信"}))
    ui.stacked_bars(df, x, measure, "sample", f"{title}：{MEASURES[measure]}", percent=measure in RATES)
    shown = data.suppress(df, scope, COUNTS)
    ui.frame(
        shown[[x, *COUNTS, *MEASURES]],
        {x: "", "students": "学生数", "cases": "案件数", "chronic_absent": "长期缺勤人数", **MEASURES},
        percent=RATES,
    )


tabs = st.tabs(["重点群体", "重点学段", "重点地区", "学生风险名单", "回测"])
with tabs[0]:
    chart("risk_by_group", "group_name", "各重点群体")
with tabs[1]:
    chart("risk_by_grade", "grade_name", "各年级")
with tabs[2]:
    chart("risk_by_area", "area_name", "各地区")
with tabs[3]:
    risk = data.student_risk(scope)
    tiers = st.multiselect(
        "风险等级",
        ["high", "medium", "low"],
        default=["high"],
        format_func={"high": "高", "medium": "中", "low": "低"}.get,
    )
    risk = risk[risk["tier"].isin(tiers)]
    st.markdown(f"共 **{len(risk):,}** 人")
    ui.frame(
        risk[["student_no", "id_number", "school_name", "grade", "score", "tier_name", "reasons"]],
        {**ui.LABELS, "score": "风险分", "tier_name": "等级", "reasons": "主要原因"},
    )
with tabs[4]:
    backtest = data.risk_backtest(scope)
    st.caption(
        "用历史数据回测：在评估期内被标为高风险的学生中后来立案的比例（精确率）、立案学生中事先被标出的比例（召回率）。"
    )
    ui.frame(
        backtest.rename(
            columns={
                "group_name": "群体",
                "evaluation_days": "评估天数",
                "student_days": "学生日数",
                "positives": "立案数",
                "flagged": "标出数",
                "true_positives": "标出且立案",
                "precision": "精确率",
                "recall": "召回率",
                "auc": "AUC",
                "flag_rate": "标出率",
                "flag_rate_ratio": "标出率与全县之比",
                "positive_rate": "立案率",
            }
        ).drop(columns=["group_code", "as_of_date"], errors="ignore"),
        percent=("精确率", "召回率", "标出率", "立案率"),
    )
