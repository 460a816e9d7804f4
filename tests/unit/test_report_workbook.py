"""The quarterly table as a workbook laid out for submission."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pandas as pd
from openpyxl import load_workbook

from dashboards import reports


def test_quarterly_workbook_has_title_unit_period_two_header_rows_and_totals():
    rows = pd.DataFrame(
        [
            {"unit_name": "甲校", "unit_code": "1", **dict.fromkeys(reports.counts(reports.QUARTERLY), 1)},
            {"unit_name": "乙校", "unit_code": "2", **dict.fromkeys(reports.counts(reports.QUARTERLY), 2)},
        ]
    ).assign(open_at_start=[2, 0], new_cases=[2, 4], closed_total=[1, 3])
    data = reports.workbook(
        "2026年第1季度疑似辍学排查整改统计表",
        "井店镇",
        "2026-01-01 至 2026-03-31",
        reports.QUARTERLY,
        rows,
        True,
        date(2026, 4, 2),
    )
    ws = load_workbook(BytesIO(data)).active
    assert ws["A1"].value == "2026年第1季度疑似辍学排查整改统计表"
    assert ws["A2"].value == "填报单位：井店镇"
    assert "统计期间：2026-01-01 至 2026-03-31" in [c.value for c in ws[2]]
    assert [ws.cell(3, c).value for c in (1, 2, 3, 4, 5)] == [
        "单位名称",
        "单位代码",
        "期初在办",
        "本季新增",
        "本季销号",
    ]
    assert [ws.cell(4, c).value for c in range(5, 12)] == ["劝返复学", "转学", "休学", "死亡", "超龄", "毕业", "合计"]
    assert ws.cell(3, 14).value == "整改率"
    assert [ws.cell(5, 1).value, ws.cell(6, 1).value, ws.cell(7, 1).value] == ["甲校", "乙校", "合计"]
    assert ws.cell(7, 3).value == 2 and ws.cell(7, 4).value == 6 and ws.cell(7, 11).value == 4
    assert ws.cell(7, 14).value == 4 / 8  # closed ÷ (open at start + new), not a sum of rates
    assert ws.cell(5, 14).value == 1 / 4 and ws.cell(6, 14).value == 3 / 4
    assert ws.cell(9, 1).value.endswith("填报日期：2026年04月02日")
