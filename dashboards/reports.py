"""The monthly report (内黄 附件1) and the quarterly rectification table (卫辉) as submitted upward:
their column layout, and the .xlsx workbook (title, unit, period, two Chinese header rows, a
totals row, signature line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Group:
    label: str  # upper header row
    columns: tuple[tuple[str, str], ...]  # (mart column, lower header row label; "" = the group label spans both rows)


MONTHLY = (
    Group("有学籍学生数", (("students_with_status", ""),)),
    Group("实际在校学生数", (("students_in_school", ""),)),
    Group(
        "人籍差额",
        (
            ("gap", "合计"),
            ("gap_on_leave", "请假"),
            ("gap_suspended", "休学"),
            ("gap_unexcused", "无故缺勤"),
            ("gap_not_on_roster", "不在考勤名册"),
        ),
    ),
    Group(
        "控辍情况",
        (
            ("open_suspected_dropouts", "在办疑似辍学"),
            ("open_out_of_school", "在办适龄失学"),
            ("new_cases", "本月新增"),
            ("returned_cases", "本月劝返复学"),
        ),
    ),
)
QUARTERLY = (
    Group("期初在办", (("open_at_start", ""),)),
    Group("本季新增", (("new_cases", ""),)),
    Group(
        "本季销号",
        (
            ("closed_returned", "劝返复学"),
            ("closed_transferred", "转学"),
            ("closed_suspended", "休学"),
            ("closed_deceased", "死亡"),
            ("closed_over_age", "超龄"),
            ("closed_graduated", "毕业"),
            ("closed_total", "合计"),
        ),
    ),
    Group("期末在办", (("open_at_end", ""),)),
    Group("其中脱贫户/监测户", (("poverty_open_at_end", ""),)),
)
UNIT_COLUMNS = (("unit_name", "单位名称"), ("unit_code", "单位代码"))
RATE_LABEL = "整改率"


def labels(layout: tuple[Group, ...]) -> dict[str, str]:
    """Mart column → one-line Chinese label (for tables on screen)."""
    return {col: f"{g.label}·{sub}" if sub else g.label for g in layout for col, sub in g.columns}


def counts(layout: tuple[Group, ...]) -> list[str]:
    return [col for g in layout for col, _ in g.columns]


def rectification_rate(closed: int, open_at_start: int, new: int) -> float | None:
    base = open_at_start + new
    return closed / base if base else None


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def workbook(
    title: str,
    unit: str,
    period: str,
    layout: tuple[Group, ...],
    rows: pd.DataFrame,
    with_rate: bool = False,
    today: date | None = None,
) -> bytes:
    """The report as an .xlsx: rows are the units below the submitting unit; the totals row sums them."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    count_cols = counts(layout)
    width = len(UNIT_COLUMNS) + len(count_cols) + (1 if with_rate else 0)
    last = get_column_letter(width)

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = _CENTER
    half = max(1, width // 2)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, 1, f"填报单位：{unit}")
    ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    ws.cell(2, half + 1, f"统计期间：{period}").alignment = Alignment(horizontal="right")

    # Two header rows: a group spans its columns on row 3; a one-column group spans rows 3–4.
    col = 1
    for _, label in UNIT_COLUMNS:
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        ws.cell(3, col, label)
        col += 1
    for group in layout:
        if len(group.columns) == 1 and not group.columns[0][1]:
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            ws.cell(3, col, group.label)
            col += 1
            continue
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + len(group.columns) - 1)
        ws.cell(3, col, group.label)
        for _, sub in group.columns:
            ws.cell(4, col, sub)
            col += 1
    if with_rate:
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
        ws.cell(3, col, RATE_LABEL)

    r = 5
    for row in rows.itertuples(index=False):
        values = [getattr(row, c) for c, _ in UNIT_COLUMNS] + [int(getattr(row, c)) for c in count_cols]
        if with_rate:
            values.append(rectification_rate(row.closed_total, row.open_at_start, row.new_cases))
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
        r += 1
    totals = {c: int(rows[c].sum()) for c in count_cols}
    values = ["合计", ""] + [totals[c] for c in count_cols]
    if with_rate:
        values.append(rectification_rate(totals["closed_total"], totals["open_at_start"], totals["new_cases"]))
    for c, v in enumerate(values, start=1):
        ws.cell(r, c, v).font = Font(bold=True)

    for row_cells in ws.iter_rows(min_row=3, max_row=r, max_col=width):
        for cell in row_cells:
            cell.border = _BOX
            if cell.row <= 4:
                cell.alignment = _CENTER
                cell.font = Font(bold=True)
    if with_rate:
        for rr in range(5, r + 1):
            ws.cell(rr, width).number_format = "0.0%"
    ws.cell(r + 2, 1, f"填表人：　　　　　审核人：　　　　　填报日期：{(today or date.today()):%Y年%m月%d日}")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 13
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 10
    ws.freeze_panes = "C5"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
