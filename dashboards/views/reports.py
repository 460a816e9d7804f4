"""报表: the monthly report and the quarterly rectification table, on screen and as .xlsx for submission."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, reports, ui

scope = ui.current_scope()
ui.header("报表", scope)
TOP = scope.role  # the submitting unit's level: county, township or school
BELOW = {"county": "township", "township": "school", "school": "school"}[TOP]


def submission(df: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The submitting unit's name and the rows it submits (the units one level below; a school its own row)."""
    top = df[df["level"] == TOP]
    unit = top["unit_name"].iloc[0] if not top.empty else ""
    return unit, df[df["level"] == BELOW].sort_values("unit_code")


def show(df: pd.DataFrame, layout: tuple[reports.Group, ...], extra: dict[str, str] | None = None) -> None:
    cols = ["unit_name", "unit_code", *reports.counts(layout), *(extra or {})]
    ui.frame(df[cols], {**ui.LABELS, **reports.labels(layout), **(extra or {})})


monthly_tab, quarterly_tab = st.tabs(["控辍保学月报（内黄 附件1）", "季度疑似辍学排查整改统计表（卫辉）"])

with monthly_tab:
    monthly = data.monthly_report(scope)
    months = sorted(monthly["month"].unique(), reverse=True)
    month = st.selectbox("月份", months, key="report_month")
    rows = monthly[monthly["month"] == month]
    unit, submitted = submission(rows)
    report_date = rows["report_date"].iloc[0]
    st.caption(
        f"统计日 {report_date:%Y-%m-%d}（当月最后一个上学日）。人籍差额 = 请假 + 休学 + 无故缺勤 + 不在考勤名册。"
    )
    show(rows.sort_values(["level", "unit_code"]), reports.MONTHLY)
    st.download_button(
        "下载月报（.xlsx）",
        reports.workbook(
            f"控辍保学月报（{month[:4]}年{month[5:]}月）",
            unit,
            f"{month[:4]}年{month[5:]}月（统计日 {report_date:%Y-%m-%d}）",
            reports.MONTHLY,
            submitted,
        ),
        file_name=f"控辍保学月报_{unit}_{month}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="monthly_xlsx",
    )

with quarterly_tab:
    quarterly = data.quarterly_rectification(scope)
    quarters = sorted(quarterly["quarter"].unique(), reverse=True)
    quarter = st.selectbox("季度", quarters, key="report_quarter")
    rows = quarterly[quarterly["quarter"] == quarter].copy()
    unit, submitted = submission(rows)
    start, end = rows["quarter_start"].iloc[0], rows["period_end"].iloc[0]
    st.caption(
        "期初在办 + 本季新增 − 本季销号 = 期末在办；整改率 = 本季销号 ÷（期初在办 + 本季新增）。当前季度统计到比对日。"
    )
    rows["rate_text"] = rows["rectification_rate"].map(lambda r: "—" if pd.isna(r) else f"{r:.1%}")
    show(rows.sort_values(["level", "unit_code"]), reports.QUARTERLY, {"rate_text": reports.RATE_LABEL})
    st.download_button(
        "下载季度整改表（.xlsx）",
        reports.workbook(
            f"{quarter[:4]}年第{quarter[-1]}季度疑似辍学排查整改统计表",
            unit,
            f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
            reports.QUARTERLY,
            submitted,
            with_rate=True,
        ),
        file_name=f"季度整改表_{unit}_{quarter}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="quarterly_xlsx",
    )
