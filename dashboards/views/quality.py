"""数据质量: the last run, its checks, quarantined rows, freshness by extract and township, Data Docs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import data, ui

scope = ui.current_scope()
ui.header("数据质量", scope)
EXTRACTS = {
    "household": "户籍",
    "student_status": "学籍",
    "attendance": "考勤",
    "poverty": "脱贫户",
    "schools": "学校名录",
    "townships": "乡镇名录",
    "enrollment_history": "历年在校生数",
    "calendar": "校历",
    "township_aliases": "乡镇曾用名",
}
OFF_CALENDAR = {
    "weekend": "周末",
    "public_holiday": "法定节假日",
    "county_holiday": "校历放假",
    "outside_term": "学期外",
    "not_held": "全县到校不足",
    "outside_calendar_span": "日历范围外",
}

run = data.last_publish(scope).iloc[0]
checks = data.check_results(scope)
failed_critical = int(checks["failed_critical"].sum())
warned = int((checks["failed_warning"] > 0).sum())
quarantined = data.run_facts(scope, "quarantine")
cols = st.columns(4)
cols[0].metric("结果", "已发布" if failed_critical == 0 else "有严重问题", help="只有全部严重检查通过的运行才会发布")
cols[1].metric("检查套件通过", f"{len(checks) - warned} / {len(checks)}")
cols[2].metric("有警告的套件", f"{warned}")
cols[3].metric("隔离行", f"{int(quarantined['row_count'].sum()):,}")
st.caption(
    f"最近一次发布 {run['published_at']:%Y-%m-%d %H:%M}，运行编号 {run['run_id']}，比对截至 {run['as_of_date']:%Y-%m-%d}。"
    "失败的运行不替换本仓库，看板继续显示上一次发布的数据。"
)
docs = Path(str(run["data_docs"]))
if docs.exists():
    st.markdown(f"[打开本次运行的数据质量报告（Data Docs）]({docs.as_uri()})　`{docs}`")
else:
    st.caption(f"数据质量报告（Data Docs）：`{docs}`（看板所在机器上找不到该文件）")

st.subheader("检查套件")
if checks.empty:
    st.write("本次发布没有记录检查结果。")
else:
    shown = checks.assign(
        result=checks.apply(
            lambda r: "未通过" if r["failed_critical"] else ("有警告" if r["failed_warning"] else "通过"), axis=1
        )
    )
    ui.frame(
        shown,
        {
            "suite": "套件",
            "expectations": "期望数",
            "failed_critical": "严重失败",
            "failed_warning": "警告",
            "result": "结果",
        },
    )

st.subheader("隔离行（按文件和原因）")
quarantine = quarantined
if quarantine.empty:
    st.write("没有被隔离的行。")
else:
    ui.stacked_bars(quarantine, "source_file", "row_count", "reason", "隔离行数（按文件和原因）")
    ui.frame(
        quarantine.assign(extract=quarantine["extract"].map(EXTRACTS)),
        {
            "extract": "类别",
            "source_file": "文件",
            "column_name": "列",
            "reason": "原因",
            "row_count": "行数",
        },
    )

st.subheader("新鲜度")
files = data.run_facts(scope, "load_files")
latest = files.groupby("extract").agg(
    files=("source_file", "count"), snapshot=("snapshot_date", "max"), loaded=("loaded_at", "max")
)
latest = latest.reset_index().assign(extract=lambda d: d["extract"].map(EXTRACTS))
st.markdown("**按数据来源**")
ui.frame(latest, {"extract": "来源", "files": "文件数", "snapshot": "最新快照日期", "loaded": "最近入库时间"})
fresh = data.freshness(scope)
names = data.unit_names(scope)
fresh = fresh.assign(township=fresh["township_code"].map(names), extract=fresh["extract"].map(EXTRACTS))
st.markdown("**按乡镇**（最新数据日期，落后比对日的天数）")
table = fresh.pivot_table(index="township", columns="extract", values="days_behind", aggfunc="max")
st.dataframe(table.rename_axis(index="乡镇", columns="落后天数"), width="stretch")

st.subheader("非上学日的考勤")
off = data.off_calendar_attendance(scope)
st.caption(
    "这些日期不是县校历上的上学日（周末、节假日、校历放假、学期外），或校历为上学日但全县到校学生不足一半。"
    "考勤照常保存，但这些日期不算上学日：不计入连续缺勤、在册判定和月报。确属全县上学日的（如调休上课、补课日），"
    "请在 reference/校历 中补充「上课」行。"
)
if off.empty:
    st.write("没有非上学日的考勤。")
else:
    ui.frame(
        off.assign(
            school=off["school_code"].map(names).fillna(off["school_code"]),
            township=off["township_code"].map(names),
            reason=off["reason"].map(OFF_CALENDAR),
            grades=off["lowest_grade"].astype("Int64").astype(str)
            + "–"
            + off["highest_grade"].astype("Int64").astype(str),
        )[["attendance_date", "school", "township", "reason", "school_day_note", "students", "grades"]],
        {
            "attendance_date": "日期",
            "school": "学校",
            "township": "乡镇",
            "reason": "原因",
            "school_day_note": "校历说明",
            "students": "有考勤的学生数",
            "grades": "年级",
        },
    )
