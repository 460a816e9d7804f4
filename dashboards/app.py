"""控辍保学监测看板 — front page: county totals and the same by township."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboards import data

st.set_page_config(page_title="控辍保学监测看板", page_icon="📋", layout="wide")
st.title("控辍保学监测看板")

try:
    county = data.county_summary()
    towns = data.township_summary()
    publish = data.last_publish()
except FileNotFoundError as missing:
    st.warning(
        f"尚未发布数据仓库（{missing}）。请先运行 `make demo`（或在 Dagster 中运行 kcbx_nightly 作业），"
        "检查全部通过后这里会显示数据。"
    )
    st.stop()

if county.empty:
    st.warning("数据仓库中没有全县汇总数据，请检查最近一次运行。")
    st.stop()

c = county.iloc[0]
st.caption(f"数据截至 {c['as_of_date']:%Y年%m月%d日}　·　发布于 {publish.iloc[0]['published_at']:%Y-%m-%d %H:%M}")

cols = st.columns(5)
cols[0].metric("有学籍学生", f"{c['students_with_status']:,}", help="最新学籍快照中在读和休学的学生")
cols[1].metric("实际在校学生", f"{c['students_in_school']:,}", help="比对日考勤为出勤、迟到或早退的在读学生")
cols[2].metric("适龄失学儿童", f"{c['out_of_school']:,}", help="户籍比学籍：适龄、户籍在本县、无在读或休学学籍")
cols[3].metric("疑似辍学", f"{c['suspected_dropouts']:,}", help="学籍比在校：连续无故缺勤5天及以上（含辍学）")
cols[4].metric(
    "脱贫户/监测户失学辍学",
    f"{c['poverty_cases']:,}",
    help="以上两类中属于脱贫户或监测户的儿童，含不在考勤名册者",
)

st.subheader("各乡镇情况")
labels = {
    "unit_name": "乡镇",
    "unit_code": "乡镇代码",
    "students_with_status": "有学籍学生",
    "students_in_school": "实际在校",
    "out_of_school": "适龄失学",
    "suspected_dropouts": "疑似辍学",
    "not_on_roster": "不在考勤名册",
    "poverty_cases": "脱贫户/监测户",
}
table = towns[list(labels)].rename(columns=labels)
st.dataframe(table, hide_index=True, width="stretch")

chart = towns.melt(
    id_vars="unit_name",
    value_vars=["out_of_school", "suspected_dropouts", "not_on_roster"],
    var_name="类别",
    value_name="人数",
)
chart["类别"] = chart["类别"].map(labels)
fig = px.bar(chart, x="unit_name", y="人数", color="类别", barmode="group", labels={"unit_name": "乡镇"})
st.plotly_chart(fig, width="stretch")
