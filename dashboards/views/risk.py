"""风险: who is at risk and where — case and absence rates by key group, grade and area against
all children (全体), the students to watch (high and medium risk, not yet a case, with names and
reasons), and in words how well the score found past dropouts. Below the county role the
indicators pass small-count suppression (dashboards.disclosure)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, disclosure, ui
from dashboards.disclosure import Share, Sum

scope = ui.current_scope()
ui.header("风险", scope)

if not data.risk_published(scope):
    st.info(
        "风险指标尚未发布：重点群体、重点学段、重点地区的风险指标和学生风险名单（marts.risk_by_group 等）"
        "还没有进入数据仓库。发布后本页自动显示，无需重启看板。"
    )
    st.stop()

MEASURES = {"case_rate": "个案率", "absence_rate": "缺勤率", "chronic_absence_rate": "长期缺勤率"}
COUNTS = ["students", "out_of_school", "children", "cases", "chronic_eligible", "chronic_absent"]
SUMS = [Sum("children", ("students", "out_of_school")), Sum("children", ("cases",), exact=False)]
SHARES = [
    Share("case_rate", "cases", "children", ratios=("ratio_to_county",)),
    Share("absence_rate", population="students", ratios=("absence_ratio_to_county",)),
    Share("chronic_absence_rate", "chronic_absent", "chronic_eligible", ratios=("chronic_ratio_to_county",)),
]
level, code = ("county", None) if scope.is_county else ("township", scope.township_code)
if scope.role == "school":
    st.info("风险指标按全县和乡镇统计；学校用户请看下面的本校学生风险名单。")


def mine(table: str) -> pd.DataFrame:
    rows = data.risk_measures(scope, table)
    return rows[(rows["level"] == level) & ((code is None) | (rows["unit_code"] == code))]


def protected(rows: pd.DataFrame):
    return disclosure.protect(rows.reset_index(drop=True), scope.is_county, COUNTS, SUMS, shares=SHARES)


measure = st.radio("指标", list(MEASURES), format_func=MEASURES.get, horizontal=True, key="risk_measure")
groups = mine("risk_by_group").sort_values("sort_order")
everyone = protected(groups[groups["group_code"] == "all"])
reference = everyone.values[measure].iloc[0] if not everyone.values.empty else None
reference_text = f"全体 {everyone.text[measure].iloc[0]}" if not everyone.values.empty else ""
as_of = groups["as_of_date"].max() if not groups.empty else None
if as_of is not None:
    st.caption(
        f"截至 {as_of:%Y-%m-%d}。个案率 = 个案（不在名册、疑似辍学、辍学、适龄失学）÷ 儿童数；"
        "缺勤率 = 缺勤上学日 ÷ 在籍上学日；长期缺勤 = 缺勤达在籍上学日的10%（至少20个在籍上学日）。"
        "虚线为全体儿童的比率；儿童数不足30人的比率不宜采信。"
    )
HEADERS = {
    "students": "学生数",
    "out_of_school": "失学儿童数",
    "children": "儿童数",
    "cases": "个案数",
    "chronic_absent": "长期缺勤人数",
    "case_rate": "个案率",
    "absence_rate": "缺勤率",
    "chronic_absence_rate": "长期缺勤率",
    "ratio_to_county": "个案率与全县之比",
}


def indicator(table: str, name_column: str, title: str, key_flag: str | None = None) -> None:
    rows = mine(table)
    if name_column == "group_name":
        rows = rows[rows["group_code"] != "all"]
    rows = rows.sort_values("sort_order" if "sort_order" in rows else "grade").reset_index(drop=True)
    if rows.empty:
        st.write("本范围没有数据。")
        return
    shown = protected(rows)
    names = list(rows[name_column])
    ui.bar_chart(
        names,
        shown.values[measure],
        f"{title}：{MEASURES[measure]}" + ("（红色为重点年级八、九年级）" if key_flag else ""),
        percent=True,
        hover=list(shown.text[measure]),
        reference=reference,
        reference_label=reference_text,
        highlight=list(rows[key_flag]) if key_flag else None,
    )
    table_rows = shown.text[["children", "cases", "chronic_absent", *MEASURES, "ratio_to_county"]].copy()
    table_rows.insert(0, name_column, names)
    small = rows["small_denominator"].map({True: "儿童数不足30人", False: ""})
    table_rows["note"] = small
    ui.frame(
        table_rows,
        {name_column: "", **HEADERS, "note": "说明"},
        text_right=["children", "cases", "chronic_absent", *MEASURES, "ratio_to_county"],
        key=f"{table}_table",
    )


tabs = st.tabs(["需关注的学生", "重点群体", "重点学段", "重点地区", "风险分回测"])
with tabs[0]:
    risk = data.student_risk(scope)
    tiers = ui.value_labels("tier")
    picked = st.multiselect(
        "风险等级", list(tiers), default=["high", "medium"], format_func=tiers.get, key="risk_tiers", select_all=False
    )
    cases_too = st.checkbox("包括已立案的学生", value=False, key="risk_cases")
    shown = risk[risk["tier"].isin(picked) & (cases_too | ~risk["is_case"])]
    st.markdown(
        f"共 **{len(shown):,}** 人"
        + ("（未立案）" if not cases_too else "")
        + "。风险分按近期无故缺勤、连续缺勤、缺勤趋势、长假、重点年级、乡村学校和重点群体计分（满分100）。"
    )
    if not shown.empty:
        ui.linked_table(
            ui.chinese(
                shown,
                [
                    "person_name",
                    "id_number",
                    "school_name",
                    "grade",
                    "village",
                    "score",
                    "tier",
                    "reasons",
                    "key_groups",
                    "is_case",
                ],
            ),
            list(shown["token"]),
            key="risk_students",
        )
with tabs[1]:
    indicator("risk_by_group", "group_name", "各重点群体")
with tabs[2]:
    indicator("risk_by_grade", "grade_name", "各年级", key_flag="is_key_grade")
    grade7 = mine("risk_by_grade")
    grade7 = grade7[grade7["grade"] == 7]
    if not grade7.empty and grade7["handover_students"].iloc[0]:
        g = disclosure.protect(
            grade7.reset_index(drop=True),
            scope.is_county,
            ["handover_students", "handover_missing"],
            [Sum("handover_students", ("handover_missing",), exact=False)],
        ).text.iloc[0]
        st.markdown(
            f"小升初移交：上一学年六年级学生 **{g['handover_students']}** 人，其中未在七年级注册 **{g['handover_missing']}** 人"
            "（见「名单 › 小升初移交名单」）。"
        )
with tabs[3]:
    indicator("risk_by_area", "area_name", "各地区")
with tabs[4]:
    backtest = data.risk_backtest(scope)
    all_row = backtest[backtest["group_code"] == "all"]
    if all_row.empty or pd.isna(all_row["precision"].iloc[0]):
        st.write("回测的历史数据还不够（需要评估日前后各20个上学日）。")
    else:
        b = all_row.iloc[0]

        def share_words(share: float) -> str:
            tenths = round(share * 10)
            return (
                "不到一成" if tenths == 0 else "几乎全部" if tenths >= 10 else f"约{'一二三四五六七八九'[tenths - 1]}成"
            )

        st.markdown(
            f"用过去 **{int(b['evaluation_days'])}** 个上学日检验：当天列为**高风险**的学生中，"
            f"**{share_words(b['precision'])}**在之后{int(b['horizon_days'])}个上学日内出现疑似辍学；"
            f"后来出现疑似辍学的学生中，**{share_words(b['recall'])}**事先已在高风险名单上，"
            f"算上中风险则为**{share_words(b['recall_medium_or_high'])}**。"
        )
        st.caption("风险分是提醒，不是结论：名单上的学生多数不会辍学，也有学生没有预兆就辍学。")
        if scope.is_county:
            with st.expander("技术指标（供县级数据人员）"):
                ui.frame(
                    ui.chinese(
                        backtest,
                        [
                            "group_name",
                            "student_days",
                            "positives",
                            "flagged",
                            "precision",
                            "recall",
                            "auc",
                            "flag_rate",
                            "flag_rate_ratio",
                            "positive_rate",
                        ],
                    ),
                    key="backtest",
                )
