"""数据质量: the last run, its checks, quarantined rows, freshness by extract and township, and
the run's Data Docs shown here (never a path on the server), with nothing fetched from the
internet: their scripts, style sheets and images from elsewhere are left out; for county users,
the dashboard's access log."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from casework.store import LOCAL_TIME
from dashboards import casework_data as cw
from dashboards import data, ui

scope = ui.current_scope()
ui.header("数据质量", scope)

run = data.last_publish(scope).iloc[0]
checks = data.check_results(scope)
failed_critical = int(checks["failed_critical"].sum())
warned = int((checks["failed_warning"] > 0).sum())
quarantined = data.run_facts(scope, "quarantine")
quarantined["source_file"] = quarantined["source_file"].map(lambda f: Path(f).name)  # without the extract's folder
cols = st.columns(4)
cols[0].metric("结果", "已发布" if failed_critical == 0 else "有严重问题", help="只有全部严重检查通过的运行才会发布")
evaluated = int((checks["expectations"] > 0).sum())
cols[1].metric(
    "检查套件通过",
    f"{evaluated - warned} / {len(checks)}",
    help="本次没有新数据可查的套件和没有重跑的 dbt 测试记为「未评估」，不算通过",
)
cols[2].metric("有警告的套件", f"{warned}")
cols[3].metric("隔离行", f"{int(quarantined['row_count'].sum()):,}")
st.caption(
    f"最近一次发布 {run['published_at']:%Y-%m-%d %H:%M}，运行编号 {run['run_id']}，比对截至 {run['as_of_date']:%Y-%m-%d}。"
    "失败的运行不替换本仓库，看板继续显示上一次发布的数据。"
)

st.subheader("检查套件")
if checks.empty:
    st.write("本次发布没有记录检查结果。")
else:
    shown = checks.assign(
        result=checks.apply(
            lambda r: (
                "未通过"
                if r["failed_critical"]
                else "有警告"
                if r["failed_warning"]
                else "通过"
                if r["expectations"]
                else "未评估"
            ),
            axis=1,
        )
    )
    ui.frame(ui.chinese(shown).rename(columns={"result": "结果"}), key="suites")

st.subheader("隔离行（按文件和原因）")
if quarantined.empty:
    st.write("没有被隔离的行。")
else:
    reasons = ui.value_labels("reason")
    ui.stacked_bars(
        quarantined.assign(reason=quarantined["reason"].map(lambda r: reasons.get(r, r))),
        "source_file",
        "row_count",
        "reason",
        "隔离行数（按文件和原因）",
    )
    ui.frame(ui.chinese(quarantined), key="quarantine")

st.subheader("新鲜度")
files = data.run_facts(scope, "load_files")
latest = (
    files.groupby("extract")
    .agg(files=("source_file", "count"), snapshot=("snapshot_date", "max"), loaded=("loaded_at", "max"))
    .reset_index()
)
st.markdown("**按数据来源**")
ui.frame(
    ui.chinese(latest).rename(columns={"files": "文件数", "snapshot": "最新快照日期", "loaded": "最近入库时间"}),
    key="sources",
)
fresh = data.freshness(scope)
names = data.unit_names(scope)
extracts = ui.value_labels("extract")
fresh = fresh.assign(township=fresh["township_code"].map(names), extract=fresh["extract"].map(extracts))
st.markdown("**按乡镇**（最新数据日期落后比对日的天数）")
table = fresh.pivot_table(index="township", columns="extract", values="days_behind", aggfunc="max")
ui.frame(table.reset_index().rename(columns={"township": "乡镇"}), key="freshness")


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
    reasons = ui.glossary_labels("off_calendar")
    ui.frame(
        off.assign(
            school=off["school_code"].map(names).fillna(off["school_code"]),
            township=off["township_code"].map(names),
            reason=off["reason"].map(reasons),
            grades=off["lowest_grade"].astype("Int64").astype(str)
            + "–"
            + off["highest_grade"].astype("Int64").astype(str),
        )[["attendance_date", "school", "township", "reason", "school_day_note", "students", "grades"]].rename(
            columns={
                "attendance_date": "日期",
                "school": "学校",
                "township": "乡镇",
                "reason": "原因",
                "school_day_note": "校历说明",
                "students": "有考勤的学生数",
                "grades": "年级",
            }
        ),
        key="off_calendar",
    )

# ---- Data Docs ---------------------------------------------------------------------------
st.subheader("数据质量报告（Data Docs）")
docs = Path(str(run["data_docs"])).parent
_OUTSIDE = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>|<img[^>]*\bsrc=[\"']https?://[^>]*>",
    re.I,
)
if not scope.is_county:
    st.write("逐条检查的明细（可能含有问题数据的原值）只对县级用户开放；上面是本次运行的汇总。")
elif not docs.is_dir():
    st.write("看板所在的机器上没有本次运行的数据质量报告。")
else:
    pages = ["index.html", *sorted(str(p.relative_to(docs)) for p in docs.rglob("*.html") if p.name != "index.html")]
    suites = ui.value_labels("suite")

    def page_name(path: str) -> str:
        """总表; a suite's page by its Chinese name; a file's page as the suite's 第n个文件."""
        if path == "index.html":
            return "总表"
        suite, _, number = path.removesuffix(".html").partition("/")
        return suites.get(suite, suite) + (f" · 第{int(number) + 1}个文件" if number.isdigit() else "")

    page = st.selectbox("报告页面", pages, format_func=page_name, key="docs_page")
    html = (docs / page).read_text(encoding="utf-8")
    # nothing is fetched from elsewhere; the pages' links lead nowhere inside the frame
    html = _OUTSIDE.sub("", html).replace("<a href=", "<a data-href=")
    for code, label in suites.items():  # the suites by their Chinese names
        html = html.replace(f">{code}</a>", f">{label}</a>").replace(f">{code}：", f">{label}：")
    st.caption("明细页为 Great Expectations 生成的页面（英文），已去掉需要联网加载的样式和脚本。")
    components.html(html, height=640, scrolling=True)

# ---- Access log ---------------------------------------------------------------------------
if scope.is_county:
    st.subheader("看板访问记录")
    st.caption(
        "最近 1,000 条：登录（含失败和锁定）、退出、会话过期、修改密码和每一次导出，记录用户、时间、范围和所做的事，"
        "不记录任何学生信息。记录只增不改，保存在业务库（KCBX_CASEWORK_DB）的 access_log 表。"
    )
    log = cw.store().access_log(limit=1000)
    if log.empty:
        st.write("还没有访问记录。")
    else:
        roles = {"county": "县", "township": "乡镇", "school": "学校"}
        ui.frame(
            pd.DataFrame(
                {
                    "时间": log["logged_at"]
                    .dt.tz_localize("UTC")
                    .dt.tz_convert(LOCAL_TIME)
                    .dt.strftime("%Y-%m-%d %H:%M:%S"),
                    "用户": log["username"],
                    "操作": log["action"].map(ui.glossary_labels("access_action")).fillna(log["action"]),
                    "角色": log["role"].map(roles),
                    "乡镇代码": log["township_code"],
                    "学校代码": log["school_code"],
                    "内容": log["what"],
                    "来源地址": log["address"],
                }
            ),
            key="access_log",
        )
