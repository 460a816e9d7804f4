"""劝返成效: per township (county) or school (township, school) and school year: cases opened and
returned, days to return (median, 90th percentile), duties done on time, relapses within 90 days;
and 送教上门, month by month."""

from __future__ import annotations

import streamlit as st

from dashboards import casework_data as cw
from dashboards import data, ui

scope = ui.current_scope()
ui.header("劝返成效", scope)
names = data.unit_names(scope)

eff = cw.effectiveness(scope)
if eff.empty:
    st.info("本范围内还没有案件。")
    st.stop()
years = sorted(eff["school_year"].unique(), reverse=True)
year = st.selectbox("学年", years, format_func=lambda y: f"{y}—{y + 1} 学年")
eff = eff[eff["school_year"] == year]
top = eff[eff["level"] == scope.role].iloc[0] if (eff["level"] == scope.role).any() else None
counts = ["cases_opened", "cases_returned", "returns_relapsed"]
if top is not None:
    cols = st.columns(5)
    cols[0].metric("立案", ui.count_text(top["cases_opened"], scope))
    cols[1].metric("劝返复学", ui.count_text(top["cases_returned"], scope))
    cols[2].metric(
        "复学天数（中位数）",
        "—"
        if top["median_days_to_return"] != top["median_days_to_return"]
        else f"{top['median_days_to_return']:.0f} 天",
    )
    cols[3].metric(
        "职责按期完成", "—" if top["on_time_share"] != top["on_time_share"] else f"{top['on_time_share']:.0%}"
    )
    cols[4].metric("90天内反弹", ui.count_text(top["returns_relapsed"], scope))
below = eff[eff["level"] == ("township" if scope.is_county else "school")].copy()
if not below.empty:
    below = data.suppress(below, scope, counts)
    st.markdown("#### " + ("各乡镇" if scope.is_county else "各学校"))
    ui.frame(
        below[
            [
                "unit_name",
                *counts[:2],
                "median_days_to_return",
                "p90_days_to_return",
                "duties_settled",
                "duties_on_time",
                "on_time_share",
                "returns_relapsed",
                "relapse_share",
            ]
        ],
        {
            "unit_name": "单位名称",
            "cases_opened": "立案",
            "cases_returned": "劝返复学",
            "median_days_to_return": "复学天数·中位数",
            "p90_days_to_return": "复学天数·90%",
            "duties_settled": "已到期职责",
            "duties_on_time": "按期完成",
            "on_time_share": "按期完成率",
            "returns_relapsed": "90天内反弹",
            "relapse_share": "反弹率",
        },
        percent=("on_time_share", "relapse_share"),
    )
st.caption("案件按立案日所在学年计；职责按起算日所在学年计，未到期的不计入按期完成率。")

st.markdown("#### 送教上门（每月至少2次）")
teaching = cw.home_teaching(scope)
if teaching.empty:
    st.write("本范围内没有送教上门的儿童。")
else:
    short = teaching[teaching["is_short"] & (teaching["status"] == "overdue")]
    st.markdown(f"送教儿童 **{teaching['case_id'].nunique()}** 人，已结束的月份中送教不足 **{len(short)}** 人次。")
    ui.frame(
        teaching.assign(school_name=teaching["school_code"].map(names))[
            ["month", "person_name", "id_number", "school_name", "visits", "required_visits", "status", "case_id"]
        ].replace({"status": {"done": "已达标", "due": "本月进行中", "overdue": "不足"}}),
        {
            "month": "月份",
            "person_name": "姓名",
            "id_number": "身份证号",
            "school_name": "学校",
            "visits": "送教次数",
            "required_visits": "要求次数",
            "status": "情况",
            "case_id": "送教档案",
        },
    )
