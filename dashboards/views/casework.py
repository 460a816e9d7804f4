"""劝返成效: per township (county) or school (township, school) and school year: cases opened and
returned, days to return (median, 90th percentile), duties done on time, relapses within 90 days;
and 送教上门, month by month."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import casework_data as cw
from dashboards import data, disclosure, ui
from dashboards.disclosure import Share, Sum

scope = ui.current_scope()
ui.header("劝返成效", scope)
names = data.unit_names(scope)

eff = cw.effectiveness(scope)
if eff.empty:
    st.info("本范围内还没有案件。")
    st.stop()
years = sorted(eff["school_year"].unique(), reverse=True)
year = st.selectbox("学年", years, format_func=ui.school_year)
eff = eff[eff["school_year"] == year]
COUNTS = ["cases_opened", "cases_returned", "returns_relapsed", "duties_settled", "duties_on_time"]
SUMS = [
    Sum("cases_opened", ("cases_returned",), exact=False),
    Sum("cases_returned", ("returns_relapsed",), exact=False),
    Sum("duties_settled", ("duties_on_time",), exact=False),
]
SHARES = [
    Share("on_time_share", "duties_on_time", "duties_settled", digits=0),
    Share("relapse_share", "returns_relapsed", "cases_returned", digits=0),
]


def days(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.0f} 天"


mine = eff[eff["level"] == scope.role].reset_index(drop=True)
if not mine.empty:
    shown = disclosure.protect(mine, scope.is_county, COUNTS, SUMS, shares=SHARES).text.iloc[0]
    cols = st.columns(5)
    cols[0].metric("立案", shown["cases_opened"])
    cols[1].metric("劝返复学", shown["cases_returned"])
    cols[2].metric("复学天数（中位数）", days(mine.at[0, "median_days_to_return"]))
    cols[3].metric("职责按期完成", shown["on_time_share"])
    cols[4].metric("90天内反弹", shown["returns_relapsed"])
below = eff[eff["parent_level"] == scope.role].reset_index(drop=True) if scope.role != "school" else eff.iloc[:0]
if not below.empty:
    shown = disclosure.protect(below, scope.is_county, COUNTS, SUMS, shares=SHARES).text
    table = below[["unit_name", "median_days_to_return", "p90_days_to_return"]].assign(
        median_days_to_return=below["median_days_to_return"].map(days),
        p90_days_to_return=below["p90_days_to_return"].map(days),
        **{c: shown[c] for c in [*COUNTS, "on_time_share", "relapse_share"]},
    )
    st.markdown("#### " + ("各乡镇" if scope.is_county else "各学校"))
    ui.frame(
        table[
            [
                "unit_name",
                "cases_opened",
                "cases_returned",
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
        text_right=[*COUNTS, "on_time_share", "relapse_share", "median_days_to_return", "p90_days_to_return"],
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
        ].replace({"status": ui.glossary_labels("visit_status")}),
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
