"""今日待办: what is overdue, due today and due soon, duty by duty, for the user's scope; each row
leads to its case with the action form; counts per township (county) or school (township); the
workbook of the unit's open cases to take away, and the filled one to bring back."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
import streamlit as st

from casework import config, workbook
from casework.store import LOCAL_TIME, EntryError
from dagster_project.ingest.readers import IngestError, read_file
from dagster_project.ingest.specs import load_specs
from dashboards import case_panel, data, ui
from dashboards import casework_data as cw

scope = ui.current_scope()
ui.header("今日待办", scope)
names = data.unit_names(scope)
publish = data.last_publish(scope)
as_of = publish["as_of_date"].iloc[0].date() if not publish.empty else None

todo = cw.pending(scope)
todo["when"] = [
    "已逾期" if s == "overdue" else "今日到期" if d.date() == as_of else "未到期"
    for s, d in zip(todo["status"], todo["due_on"], strict=True)
]
cols = st.columns(3)
for col, label in zip(cols, ("已逾期", "今日到期", "未到期"), strict=True):
    col.metric(label, f"{int((todo['when'] == label).sum()):,}")

if scope.role != "school" and not todo.empty:
    unit = "township_code" if scope.is_county else "school_code"
    counts = (
        todo.assign(
            unit=todo[unit].map(names).fillna("（无学校：适龄失学）" if unit == "school_code" else "（乡镇不明）")
        )
        .pivot_table(index="unit", columns="when", values="case_id", aggfunc="count", fill_value=0)
        .reindex(columns=["已逾期", "今日到期", "未到期"], fill_value=0)
        .reset_index()
        .rename(columns={"unit": "乡镇" if scope.is_county else "学校"})
        .sort_values("已逾期", ascending=False)
    )
    st.markdown("#### " + ("各乡镇" if scope.is_county else "各学校") + "待办数")
    ui.frame(counts)

st.markdown("#### 待办事项")
if todo.empty:
    st.success("本范围内没有到期或逾期的个案工作。")
else:
    shown = pd.DataFrame(
        {
            "情况": todo["when"],
            "期限": todo["due_on"].dt.date,
            "职责": todo["duty"].map(ui.glossary_labels("duty")),
            "已登记/需要": todo["done_count"].astype(str) + " / " + todo["required_count"].astype(str),
            "姓名": todo["person_name"],
            "身份证号": todo["id_number"],
            "类别": todo["file_kind"].map(ui.glossary_labels("file_kind")),
            "学校": todo["school_code"].map(names),
            "乡镇": todo["township_code"].map(names),
            "案件编号": todo["case_id"],
        }
    )
    st.caption("点选一行，进入该案件登记措施。")
    # a new key after each pick, so that coming back here does not pick the same row again
    nonce = st.session_state.setdefault("today_list_nonce", 0)
    picked = st.dataframe(
        shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key=f"today_{nonce}"
    )
    if picked.selection.rows:
        st.session_state["today_list_nonce"] = nonce + 1
        case_panel.open_case(shown["案件编号"].iloc[picked.selection.rows[0]])

st.markdown("#### 离线填写：工作簿")
left, right = st.columns(2)
with left:
    towns = sorted({c for c in todo["township_code"].dropna()})
    if scope.is_county:
        town = st.selectbox("乡镇", towns, format_func=lambda c: names.get(c, c), key="workbook_town")
        rows = todo[todo["township_code"] == town]
        unit_name = names.get(town, town)
    else:
        rows = todo
        unit_name = names.get(scope.school_code or scope.township_code, "")
    duties = ui.glossary_labels("duty")
    prefilled = [
        {
            "案件编号": r.case_id,
            "姓名": r.person_name,
            "身份证号": r.id_number,
            "全国学籍号": r.student_no,
            "学校": names.get(r.school_code),
            "待办事项": f"{duties[r.duty]}（需要{r.required_count}次，已登记{r.done_count}次）",
            "期限": r.due_on.date(),
            "状态": r.when,
        }
        for r in rows.itertuples()
    ]
    if as_of:
        ui.download_xlsx(
            "下载待办工作簿（.xlsx）",
            lambda: workbook.build(prefilled, unit_name, as_of),
            f"劝返工作记录_{unit_name}_{as_of:%Y%m%d}.xlsx",
            "workbook_xlsx",
        )
    st.caption("每行一项待办；填好日期、措施、责任人等后在右边上传，或交县教育局放入劝返记录收件目录（夜间运行入库）。")
with right:
    uploaded = st.file_uploader("上传填好的工作簿", type=["xlsx"], key="workbook_upload")
    if uploaded is not None and st.button("确认上传", key="workbook_confirm"):
        content = uploaded.getvalue()
        digest = hashlib.sha256(content).hexdigest()
        user = st.session_state["user"]
        with TemporaryDirectory() as tmp:
            path = Path(tmp) / "upload.xlsx"
            path.write_bytes(content)
            try:
                parsed = read_file(path, load_specs(config.REPO_ROOT / "dbt")["casework"])
            except IngestError as e:
                parsed = None
                st.error(f"无法读取该工作簿：{e.problem}。请使用本页下载的工作簿填写。")
        if parsed is not None:
            table = parsed.table.to_pandas()
            outside = workbook.rows_outside(table, *cw.known_in_scope(scope))
            if outside:
                st.error(
                    f"第 {'、'.join(map(str, outside[:20]))} 行的案件不在您的管理范围内（或案件编号、身份证号无法识别），"
                    "整份工作簿未上传。请只登记本范围的案件。"
                )
            else:
                stamp = datetime.now(LOCAL_TIME).strftime("%Y%m%d%H%M%S")
                name = f"上传_{user.username}_{stamp}_{digest[:8]}.xlsx"
                try:
                    cw.store().record_upload(cw.actor(user), name, digest, len(table))
                except EntryError as e:
                    st.error(str(e))
                else:
                    target = config.raw_dir() / "casework"
                    target.mkdir(parents=True, exist_ok=True)
                    partial = target / f".{name}.part"  # the landing skips dot files: never read half written
                    partial.write_bytes(content)
                    partial.replace(target / name)
                    st.success(
                        f"已上传 {len(table)} 行（{name}）。夜间运行入库后计入期限；不能识别的行列入数据质量页的隔离表。"
                    )
