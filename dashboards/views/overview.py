"""总览: consolidation and enrollment rates against their targets, the monthly trend, key counts."""

from __future__ import annotations

import os

import streamlit as st

from dashboards import data, reports, ui

# Targets from the county plans: consolidation ≥ 99% (霍邱), enrollment 100%; counties may change them.
CONSOLIDATION_TARGET = float(os.environ.get("KCBX_TARGET_CONSOLIDATION", "0.99"))
ENROLLMENT_TARGET = float(os.environ.get("KCBX_TARGET_ENROLLMENT", "1.0"))

scope = ui.current_scope()
ui.header("总览", scope)

monthly = data.monthly_report(scope)
if monthly.empty:
    st.info("本范围内没有月报数据。")
    st.stop()

top_level = scope.role  # the user's own unit: county, township or school
sub_level = "township" if scope.is_county else "school"  # the units shown below it
top = monthly[monthly["level"] == top_level].sort_values("month")
latest, previous = top.iloc[-1], (top.iloc[-2] if len(top) > 1 else None)
counts = data.list_counts(scope).iloc[0]


def metric(column: str, label: str, help_text: str, value: object | None = None, col=None) -> None:
    value = latest[column] if value is None else value
    delta = None
    if previous is not None and column in latest.index:
        delta = int(latest[column] - previous[column])
    shown = ui.count_text(value, scope)
    if shown == data.SUPPRESSED:
        delta = None
    (col or st).metric(
        label, shown, delta=delta, delta_color="inverse" if column != "students_in_school" else "normal", help=help_text
    )


st.subheader(f"关键数字（{latest['month']}，与上月比）")
row1 = st.columns(4)
metric("students_with_status", "有学籍学生", "在读 + 休学", col=row1[0])
metric("students_in_school", "实际在校学生", "统计日出勤、迟到、早退", col=row1[1])
metric("gap", "人籍差额", "有学籍 − 实际在校", col=row1[2])
metric("new_cases", "本月新增案件", "当月新立案（疑似辍学、适龄失学）", col=row1[3])
row2 = st.columns(4)
metric("open_suspected_dropouts", "在办疑似辍学", "统计日在办疑似辍学案件", col=row2[0])
metric("open_out_of_school", "在办适龄失学", "统计日在办失学案件", col=row2[1])
metric("returned_cases", "本月劝返复学", "当月劝返复学销号", col=row2[2])
row2[3].metric(
    "脱贫户/监测户失学辍学",
    ui.count_text(counts["poverty_dropouts"], scope),
    help="三比对名单中属于脱贫户或监测户的儿童（截至比对日）",
)
row3 = st.columns(4)
row3[0].metric("适龄失学儿童", ui.count_text(counts["out_of_school"], scope), help="户籍比学籍（截至比对日）")
row3[1].metric(
    "疑似辍学（含辍学）", ui.count_text(counts["suspected_dropouts"], scope), help="学籍比在校，连续无故缺勤5天及以上"
)

# ---- rates -------------------------------------------------------------------------------
st.subheader("巩固率与入学率")
cons = data.consolidation_rate(scope)
annual = cons[cons["method"] == "annual"]
if not annual.empty:
    year = annual["school_year"].max()
    annual = annual[annual["school_year"] == year]
    head = annual[(annual["level"] == top_level) & (annual["stage"] == "nine_year")]
    enroll = data.enrollment_rate(scope)
    enroll_top = enroll[enroll["level"] == top_level]
    cols = st.columns(3)
    if not head.empty:
        r = head.iloc[0]
        cols[0].metric(
            f"巩固率（{year}学年，年度口径）",
            f"{r['rate']:.2%}",
            delta=f"{r['rate'] - CONSOLIDATION_TARGET:+.2%} 对目标 {CONSOLIDATION_TARGET:.0%}",
            help="学年末在籍 ÷（学年初在籍 + 转入 − 转出 − 死亡）",
        )
        if r["is_over_100"]:
            cols[0].warning("巩固率超过100%，是数据问题，需核查转入转出记录。")
    cohort = cons[(cons["method"] == "cohort") & (cons["level"] == top_level)]
    if not cohort.empty:
        c = cohort.sort_values("school_year").iloc[-1]
        cols[1].metric(
            f"巩固率（{c['school_year']}学年，届别口径）", f"{c['rate']:.2%}", help="九年级在籍 ÷ 八年前一年级入学"
        )
    if not enroll_top.empty:
        e = enroll_top.iloc[0]
        cols[2].metric(
            "入学率",
            f"{e['rate']:.2%}",
            delta=f"{e['rate'] - ENROLLMENT_TARGET:+.2%} 对目标 {ENROLLMENT_TARGET:.0%}",
            help="户籍适龄儿童中有在读学籍者的比例",
        )
    by_stage = annual[annual["level"] == top_level].set_index("stage")["rate"]
    stage_cols = st.columns(3)
    for col, stage in zip(stage_cols, ("primary", "junior", "nine_year"), strict=True):
        if stage in by_stage.index:
            col.metric(f"巩固率·{ui.VALUES['stage'][stage]}", f"{by_stage[stage]:.2%}")
    by_unit = annual[(annual["level"] == sub_level) & (annual["stage"] == "nine_year")]
    towns = enroll[enroll["level"] == "township"]
    left, right = st.columns(2)
    if not by_unit.empty:
        with left:
            ui.bar_chart(
                by_unit["unit_name"], by_unit["rate"], "分单位巩固率（义务教育）", CONSOLIDATION_TARGET, percent=True
            )
    if scope.is_county and not towns.empty:
        with right:
            ui.bar_chart(towns["unit_name"], towns["rate"], "各乡镇入学率", ENROLLMENT_TARGET, percent=True)
    small = annual[annual["is_small_denominator"]]
    if not small.empty:
        st.caption(f"分母过小、比率不宜采信的单位：{'、'.join(sorted(set(small['unit_name'].dropna())))}")

# ---- monthly trend -----------------------------------------------------------------------
st.subheader("月度趋势")
left, right = st.columns(2)
with left:
    ui.line_chart(top, "month", {"students_with_status": "有学籍", "students_in_school": "实际在校"}, "在籍与在校人数")
with right:
    ui.line_chart(
        top,
        "month",
        {
            "open_suspected_dropouts": "在办疑似辍学",
            "open_out_of_school": "在办适龄失学",
            "new_cases": "新增",
            "returned_cases": "劝返复学",
        },
        "案件（件）",
    )

# ---- by unit -----------------------------------------------------------------------------
own = data.own_unit(scope)
rows = monthly[monthly["month"] == latest["month"]]
if own["level"] != "school":
    mine, below = reports.submission(rows, own["level"], own["unit_code"])
    st.subheader(f"{'各乡镇中心校和局属学校' if scope.is_county else '各学校'}（{latest['month']}）")
    count_cols = list(reports.MONTHLY.columns)
    shown = data.suppress(below, scope, count_cols)[["report_unit_name", *count_cols]]
    labels = ui.glossary_labels("column")
    headers = dict(zip(count_cols, reports.flat_labels(reports.MONTHLY, labels), strict=True))
    ui.frame(shown, {"report_unit_name": "单位", **headers})
