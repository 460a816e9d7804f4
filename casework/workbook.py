"""The case-work workbook handed out per school or township and taken back.

Out: the unit's open cases, one row per pending duty, prefilled (case number, child, what is due
and by when; grey) with empty columns for the action (white) and drop-down lists for 措施, 结果
and 辍学原因. Back: the filled workbook is an extract of the contract's ``casework/`` folder,
read like any other (the header row is found below the title rows, the extra prefilled columns
are kept in raw but not needed); a row names its case by 案件编号, so the ID number may stay
masked, and a row whose action columns are all empty is not an action.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from casework.vocabulary import vocabulary

SHEET = "劝返工作记录"
PREFILLED = ("案件编号", "姓名", "身份证号", "全国学籍号", "学校", "待办事项", "期限", "状态")
ACTION_COLUMNS = ("日期", "措施", "责任人", "参与部门", "结果", "辍学原因", "备注")
COLUMNS = (*PREFILLED, *ACTION_COLUMNS)
HEADER_ROW = 3
BLANK_ROWS = 200  # rows below the prefilled ones that still carry the drop-down lists
_GREY = PatternFill("solid", fgColor="E7E6E6")
_WIDTHS = {"案件编号": 14, "身份证号": 21, "全国学籍号": 22, "学校": 24, "待办事项": 26, "备注": 30}


def _list_validation(values: Iterable[str], column: str, prompt: str) -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"{column}不在列表中",
        error=f"请从下拉列表中选择{column}（{prompt}）",
    )
    dv.promptTitle, dv.prompt, dv.showInputMessage = column, prompt, True
    return dv


def build(rows: Iterable[Mapping[str, object]], unit_name: str, as_of: date) -> bytes:
    """The workbook as bytes; ``rows`` map the column names in ``COLUMNS`` to values."""
    words = vocabulary()
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([f"{unit_name} 劝返与个案工作记录（截至 {as_of:%Y年%m月%d日}）"])
    ws.append(
        [
            "灰色列为预填，请勿修改。每行登记一次措施：同一案件的多次措施请复制案件编号另起一行。"
            "日期写作 2026-01-05；措施、结果、辍学原因请从下拉列表选择；参与部门用「、」分隔。"
        ]
    )
    ws.append(list(COLUMNS))
    rows = list(rows)
    for row in rows:
        ws.append([row.get(c) for c in COLUMNS])
    n = len(rows)
    last = HEADER_ROW + n + BLANK_ROWS
    ws["A1"].font = Font(bold=True, size=14)
    for i, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.cell(HEADER_ROW, i).font = Font(bold=True)
        ws.cell(HEADER_ROW, i).alignment = Alignment(horizontal="center")
        ws.column_dimensions[letter].width = _WIDTHS.get(name, 12)
        if name in PREFILLED:
            for r in range(HEADER_ROW, HEADER_ROW + n + 1):
                ws.cell(r, i).fill = _GREY
        if name in ("日期", "期限"):
            for r in range(HEADER_ROW + 1, last + 1):
                ws.cell(r, i).number_format = "yyyy-mm-dd"
    for name, values, prompt in (
        ("措施", words.actions, "联系家长、家访、劝返……"),
        ("结果", words.results, "已返校、承诺返校……"),
        ("辍学原因", words.causes, "学习困难、外出打工……"),
    ):
        letter = get_column_letter(COLUMNS.index(name) + 1)
        dv = _list_validation(values, name, prompt)
        dv.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, COLUMNS.index("日期") + 1)
    notes = wb.create_sheet("填写说明")
    for line in (
        ["填写说明"],
        ["每行一次措施：日期、措施、责任人必填；联合劝返请填参与部门；首次查明的辍学原因请填写。"],
        ["已交回的行不会被覆盖或删除；发现填错时请另起一行填写正确内容，并在备注中注明更正哪一行。"],
        [
            "同一工作簿重复交回不会重复计数。不能识别的行（案件编号或身份证号不存在、日期无法识别等）会列入数据质量页的隔离表。"
        ],
        [],
        ["措施", *words.actions],
        ["结果", *words.results],
        ["辍学原因", *words.causes],
        ["参与部门", *words.departments],
    ):
        notes.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows_outside(table: pd.DataFrame, cases: set[str], people: set[str]) -> list[int]:
    """Row numbers of a returned workbook (as the reader parsed it) that record an action for a case
    or child not among ``cases`` (case numbers) and ``people`` (full ID and student numbers):
    an upload is refused when any row is outside the uploader's scope."""
    filled = table[[c for c in ACTION_COLUMNS if c in table.columns]].fillna("").ne("").any(axis=1)

    def known(column: str, values: set[str]) -> pd.Series:
        return table[column].isin(values) if column in table.columns else pd.Series(False, index=table.index)

    ok = known("案件编号", cases) | known("身份证号", people) | known("全国学籍号", people)
    return [int(n) for n in table.loc[filled & ~ok, "_row_number"]]
