"""The submitted tables: laid out from mart rows, never summed; as a workbook for submission."""

from __future__ import annotations

import csv
from datetime import date
from io import BytesIO

import pandas as pd
from openpyxl import load_workbook

from dashboards import reports
from tests.conftest import REPO

LABELS = {
    r["code"]: r["label"]
    for r in csv.DictReader((REPO / "dbt" / "seeds" / "glossary.csv").open(encoding="utf-8"))
    if r["domain"] == "column"
}


def _row(level: str, code: str, name: str, parent: tuple[str, str] | None, order: int, value: int, **more) -> dict:
    return {
        "quarter": "2026Q1",
        "quarter_name": "2026年第一季度",
        "quarter_start": date(2026, 1, 1),
        "period_end": date(2026, 3, 20),
        "as_of_date": date(2026, 3, 20),
        "is_complete": False,
        "level": level,
        "unit_code": code,
        "report_unit_name": name,
        "parent_level": parent[0] if parent else None,
        "parent_code": parent[1] if parent else None,
        "unit_order": order,
        **dict.fromkeys(reports.QUARTERLY.columns, value),
        "rectification_rate": None,
        **more,
    }


def _township() -> pd.DataFrame:
    """A township with two schools and its no-school row; the township's own row deliberately is
    not the sum of the three (the layout must take it as it is, never add the rows up)."""
    town = ("township", "410527102")
    return pd.DataFrame(
        [
            _row("township", "410527102", "井店镇中心校", ("county", "410527"), 4, 9, rectification_rate=0.25),
            _row("school", "2410527008", "井店镇初级中学", town, 2, 2, rectification_rate=0.5),
            _row("no_school", "410527102", "未入学（乡镇直管）", town, 3, 3),
            _row("school", "2410527007", "井店镇中心小学", town, 1, 1),
            _row("school", "2410527099", "他乡中学", ("township", "410527101"), 1, 5),
        ]
    )


def test_header_groups_come_from_the_glossary_labels():
    groups = dict(reports.header_groups(reports.QUARTERLY, LABELS))
    assert groups["期初在办"] == ["合计", "疑似辍学", "其中辍学", "适龄失学"]
    assert groups["本季销号"] == ["合计", "劝返复学", "转学", "休学", "死亡", "超龄", "毕业"]
    assert groups["本季升级为辍学"] == [] and groups["整改率"] == []
    assert dict(reports.header_groups(reports.MONTHLY, LABELS))["有学籍学生数"] == [
        "合计",
        "小学",
        "初中",
        "其中脱贫户/监测户",
    ]
    assert groups["劝返次数"] == ["合计", "疑似辍学", "其中辍学", "适龄失学"]
    assert groups["辍学原因"][0] == "合计"
    assert reports.column_label(LABELS, reports.MONTHLY, "new_cases") == "本月新增案件"
    assert reports.column_label(LABELS, reports.QUARTERLY, "new_cases") == "本季新增"


def test_a_township_table_is_its_rows_in_tree_order_then_its_own_row_as_the_total():
    own = pd.Series({"level": "township", "unit_code": "410527102", "report_unit_name": "井店镇中心校"})
    table = reports.submitted_table(reports.QUARTERLY, LABELS, _township(), own)
    assert list(table[reports.UNIT]) == ["井店镇中心小学", "井店镇初级中学", "未入学（乡镇直管）", "合计"]
    assert list(table["期初在办：合计"]) == [1, 2, 3, 9]  # 9 as the mart says, not 1 + 2 + 3
    assert [reports.rate_text(r) for r in table["整改率"]] == ["—", "50.0%", "—", "25.0%"]


def test_a_school_submits_its_own_row_only():
    own = pd.Series({"level": "school", "unit_code": "2410527008", "report_unit_name": "井店镇初级中学"})
    table = reports.submitted_table(reports.QUARTERLY, LABELS, _township(), own)
    assert list(table[reports.UNIT]) == ["井店镇初级中学"]


def test_quarterly_workbook_is_ready_to_submit():
    own = pd.Series({"level": "township", "unit_code": "410527102", "report_unit_name": "井店镇中心校"})
    content = reports.submitted_workbook(reports.QUARTERLY, LABELS, _township(), own, today=date(2026, 3, 23))
    wb = load_workbook(BytesIO(content))
    assert wb.sheetnames == ["季度整改表"]  # one sheet, one table
    ws = wb.active
    assert ws["A1"].value == "学期汇总控辍保学排查整改工作情况统计表（2026年第一季度）"
    assert ws["A2"].value == "填报单位（盖章）：井店镇中心校"
    period = next(c.value for c in ws[2] if c.value and str(c.value).startswith("统计期间"))
    assert period == "统计期间：2026年第一季度（2026-01-01 至 2026-03-20）　数据截至 2026-03-20（本期未完）"
    assert [ws.cell(3, c).value for c in (1, 2, 6)] == ["单位", "期初在办", "本季新增"]
    assert [ws.cell(4, c).value for c in range(2, 6)] == ["合计", "疑似辍学", "其中辍学", "适龄失学"]
    width = 2 + len(reports.QUARTERLY.columns)
    assert ws.cell(3, width).value == "整改率"
    assert [ws.cell(r, 1).value for r in range(5, 9)] == [
        "井店镇中心小学",
        "井店镇初级中学",
        "未入学（乡镇直管）",
        "合计",
    ]
    assert [ws.cell(8, c).value for c in range(2, 6)] == [9, 9, 9, 9]
    assert ws.cell(5, width).value == "—"  # a rate with no base
    assert ws.cell(6, width).value == 0.5 and ws.cell(6, width).number_format == "0.0%"
    signatures = ws.cell(10, 1).value
    assert all(w in signatures for w in ("单位负责人", "审核人", "填表人", "联系电话", "填报日期：2026年03月23日"))
    # A4 landscape, one page wide, the two header rows on every page
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$4"
    assert reports.file_name(reports.QUARTERLY, own, "2026Q1") == "季度整改表_井店镇中心校_2026Q1.xlsx"


def test_a_list_workbook_is_the_table_as_given_with_its_header_on_every_page():
    table = pd.DataFrame({"姓名": ["甲", "乙"], "身份证号": ["410527********0011", ""], "年级": [8, 9]})
    ws = load_workbook(
        BytesIO(
            reports.list_workbook(
                "疑似辍学台账", "范围：井店镇", date(2026, 7, 3), table, "辍学比脱贫户：脱贫户/监测户"
            )
        )
    ).active
    assert ws.title == "辍学比脱贫户：脱贫户、监测户"  # no character a sheet name cannot hold
    assert ws["A1"].value == "疑似辍学台账" and ws["A2"].value == "范围：井店镇　截至 2026年07月03日　共 2 人"
    assert [c.value for c in ws[3]] == ["姓名", "身份证号", "年级"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=4)] == [["甲", "410527********0011", 8], ["乙", None, 9]]
    assert ws.print_title_rows == "$3:$3" and ws.auto_filter.ref == "A3:C5" and ws.freeze_panes == "A4"


def test_the_quarterly_table_has_one_cause_column_per_cause_of_the_glossary():
    """A cause added to the glossary (domain cause) needs its column in the mart, in its
    adds-up test and in the layout, or cases with that cause would drop out of 辍学原因."""
    import yaml

    glossary = list(csv.DictReader((REPO / "dbt" / "seeds" / "glossary.csv").open(encoding="utf-8")))
    causes = sorted((r for r in glossary if r["domain"] == "cause"), key=lambda r: int(r["sort_order"]))
    assert tuple(r["code"] for r in causes) == reports.CAUSES
    for r in causes:
        assert LABELS[f"cause_{r['code']}"] == f"辍学原因：{r['label']}"
    spec = yaml.safe_load((REPO / "dbt" / "models" / "marts" / "quarterly_rectification.yml").read_text("utf-8"))
    model = spec["models"][0]
    declared = [c["name"] for c in model["columns"]]
    adds_up = next(t["adds_up_to_parent"] for t in model["data_tests"] if "adds_up_to_parent" in t)
    for column in reports.QUARTERLY.columns:
        assert column in declared and column in adds_up["arguments"]["count_columns"], column
    sql = (REPO / "dbt" / "models" / "marts" / "quarterly_rectification.sql").read_text("utf-8")
    assert all(f"'{code}'" in sql for code in reports.CAUSES)
