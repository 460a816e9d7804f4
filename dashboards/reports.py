"""The monthly report (内黄 附件1) and the quarterly table (卫辉) as submitted upward.

Every number comes from one mart row: a submitting unit's table is the rows directly under it in
the reporting tree (marts.report_units: a township's schools and its no-school row; the county's
townships and county-run schools) followed by its own row as 合计. Nothing is summed or divided
here, so a township's 合计 is, cell for cell, its row in the county's table. The same rows make
the table on screen (``sheet``) and the workbook (``workbook``); headers are the glossary's column
labels (marts.code_labels), 「组：子」 labels sharing a group's upper header cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboards.disclosure import Sum

UNIT = "单位"
TOTAL = "合计"
NO_BASE = "—"  # a rate with no base: shown, never left blank


@dataclass(frozen=True)
class Layout:
    table: str  # the mart
    period: str  # its period column
    title: str  # the table's title after the period's name
    file_stem: str  # the workbook's file name starts with it
    columns: tuple[str, ...]  # count columns, in order
    rate: str | None = None  # a share column shown as a percentage after the counts


MONTHLY = Layout(
    "monthly_report",
    "month",
    "控辍保学月报",
    "控辍保学月报",
    (
        "students_with_status",
        "students_with_status_primary",
        "students_with_status_junior",
        "students_with_status_poverty",
        "students_in_school",
        "students_in_school_primary",
        "students_in_school_junior",
        "gap",
        "gap_primary",
        "gap_junior",
        "gap_on_leave",
        "gap_suspended",
        "gap_unexcused",
        "gap_not_on_roster",
        "open_suspected_dropouts",
        "open_dropouts",
        "open_suspected_dropouts_junior",
        "open_suspected_dropouts_poverty",
        "open_out_of_school",
        "open_out_of_school_poverty",
        "new_cases",
        "returned_cases",
    ),
)
# the glossary's causes (domain cause) in its order: one 辍学原因 column each in the quarterly table
CAUSES = (
    "learning_difficulty",
    "migrant_work",
    "guardian_neglect",
    "disability",
    "early_marriage",
    "religion",
    "missing",
    "other",
)
QUARTERLY = Layout(
    "quarterly_rectification",
    "quarter",
    "学期汇总控辍保学排查整改工作情况统计表",
    "季度整改表",
    (
        "open_at_start",
        "open_at_start_suspected",
        "open_at_start_dropout",
        "open_at_start_out_of_school",
        "new_cases",
        "new_suspected",
        "new_out_of_school",
        "escalated_cases",
        "closed_total",
        "closed_returned",
        "closed_transferred",
        "closed_suspended",
        "closed_deceased",
        "closed_over_age",
        "closed_graduated",
        "open_at_end",
        "open_at_end_suspected",
        "open_at_end_dropout",
        "open_at_end_out_of_school",
        "poverty_open_at_end",
        "persuasion_attempts",
        "persuasion_attempts_suspected",
        "persuasion_attempts_dropout",
        "persuasion_attempts_out_of_school",
        "cases_with_cause",
        *(f"cause_{cause}" for cause in CAUSES),
    ),
    rate="rectification_rate",
)


# The sums that hold between the monthly report's columns in every row (small-count suppression
# must not let one be worked out from the others; dashboards.disclosure).
MONTHLY_SUMS = (
    Sum("students_with_status", ("students_with_status_primary", "students_with_status_junior")),
    Sum("students_in_school", ("students_in_school_primary", "students_in_school_junior")),
    Sum("gap", ("gap_primary", "gap_junior")),
    Sum("gap", ("gap_on_leave", "gap_suspended", "gap_unexcused", "gap_not_on_roster")),
    Sum("students_with_status", ("students_in_school", "gap")),
    Sum("students_with_status_primary", ("students_in_school_primary", "gap_primary")),
    Sum("students_with_status_junior", ("students_in_school_junior", "gap_junior")),
    Sum("students_with_status", ("students_with_status_poverty",), exact=False),
    Sum("open_suspected_dropouts", ("open_dropouts",), exact=False),
    Sum("open_suspected_dropouts", ("open_suspected_dropouts_junior",), exact=False),
    Sum("open_suspected_dropouts", ("open_suspected_dropouts_poverty",), exact=False),
    Sum("open_out_of_school", ("open_out_of_school_poverty",), exact=False),
)


def column_label(labels: dict[str, str], layout: Layout, column: str) -> str:
    """The glossary label of a mart column (a table-specific entry first)."""
    return labels.get(f"{layout.table}.{column}") or labels[column]


def header_groups(layout: Layout, labels: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The two header rows: (upper label, lower labels) per group of adjacent columns. A label
    「组：子」 goes under 组; a column labelled just 组 next to them is the group's 合计; a
    column alone keeps one cell spanning both rows (an empty lower list)."""
    columns = [*layout.columns, *([layout.rate] if layout.rate else [])]
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for head, sep, sub in (column_label(labels, layout, c).partition("：") for c in columns):
        if groups and groups[-1][0] == head:
            groups[-1][1].append((sep, sub))
        else:
            groups.append((head, [(sep, sub)]))
    return [
        (head, [] if len(parts) == 1 and not parts[0][0] else [sub if sep else TOTAL for sep, sub in parts])
        for head, parts in groups
    ]


def flat_labels(layout: Layout, labels: dict[str, str]) -> list[str]:
    """One header per column, 「组：子」 (the table on screen)."""
    out = []
    for head, subs in header_groups(layout, labels):
        out.extend([f"{head}：{sub}" for sub in subs] if subs else [head])
    return out


def rate_text(value: object) -> str:
    return NO_BASE if value is None or pd.isna(value) else f"{value:.1%}"


def submission(rows: pd.DataFrame, level: str, unit_code: str) -> tuple[pd.Series, pd.DataFrame]:
    """One period's rows in scope → (the submitting unit's own row, the rows directly under it in
    the order of the reporting tree). A school has no rows under it."""
    own = rows[(rows["level"] == level) & (rows["unit_code"] == unit_code)]
    if own.empty:
        raise LookupError(f"no {level} row {unit_code} in the report")
    below = rows[(rows["parent_level"] == level) & (rows["parent_code"] == unit_code)]
    return own.iloc[0], below.sort_values("unit_order")


def sheet(layout: Layout, labels: dict[str, str], own: pd.Series, below: pd.DataFrame) -> pd.DataFrame:
    """The table as submitted: one row per unit under the submitting unit, then its own row as
    合计 (a school submits its own row only). Counts as integers, the rate as a share or None."""
    body = below if not below.empty else own.to_frame().T
    records = [_record(layout, r) for _, r in body.iterrows()]
    if not below.empty:
        records.append(_record(layout, own, TOTAL))
    frame = pd.DataFrame.from_records(records)
    frame.columns = [UNIT, *flat_labels(layout, labels)]
    return frame


def _record(layout: Layout, row: pd.Series, name: str | None = None) -> list[object]:
    values: list[object] = [name or row["report_unit_name"], *(int(row[c]) for c in layout.columns)]
    if layout.rate:
        rate = row[layout.rate]
        values.append(None if pd.isna(rate) else float(rate))
    return values


def period_text(layout: Layout, row: pd.Series) -> str:
    """The period as the table states it, and 数据截至 when the period is not over yet."""
    if layout is MONTHLY:
        text = f"{row['month_name']}（统计日 {row['report_date']:%Y-%m-%d}）"
    else:
        text = f"{row['quarter_name']}（{row['quarter_start']:%Y-%m-%d} 至 {row['period_end']:%Y-%m-%d}）"
    if not row["is_complete"]:
        text += f"　数据截至 {row['as_of_date']:%Y-%m-%d}（本期未完）"
    return text


def period_name(layout: Layout, row: pd.Series) -> str:
    return row["month_name"] if layout is MONTHLY else row["quarter_name"]


def file_name(layout: Layout, own: pd.Series, period: str) -> str:
    return f"{layout.file_stem}_{own['report_unit_name']}_{period}.xlsx"


def submitted_table(layout: Layout, labels: dict[str, str], rows: pd.DataFrame, own: pd.Series) -> pd.DataFrame:
    """One period's rows in scope → the table the user's own unit submits."""
    mine, below = submission(rows, own["level"], own["unit_code"])
    return sheet(layout, labels, mine, below)


def submitted_workbook(
    layout: Layout, labels: dict[str, str], rows: pd.DataFrame, own: pd.Series, today: date | None = None
) -> bytes:
    """One period's rows in scope → the workbook the user's own unit submits."""
    mine, _ = submission(rows, own["level"], own["unit_code"])
    title = f"{layout.title}（{period_name(layout, mine)}）"
    table = submitted_table(layout, labels, rows, own)
    return workbook(layout, labels, title, own["report_unit_name"], period_text(layout, mine), table, today)


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FONT = Font(name="宋体", size=10)
_BOLD = Font(name="宋体", size=10, bold=True)
_TITLE = Font(name="宋体", size=16, bold=True)
SIGNATURES = (
    "单位负责人：　　　　　　审核人：　　　　　　填表人：　　　　　　联系电话：　　　　　　填报日期：{day:%Y年%m月%d日}"
)


def _print_setup(ws, header_rows: str) -> None:
    """A4 landscape, one page wide, the header rows repeated on every page, page numbers."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = header_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def workbook(
    layout: Layout,
    labels: dict[str, str],
    title: str,
    unit: str,
    period: str,
    table: pd.DataFrame,
    today: date | None = None,
) -> bytes:
    """The table (``sheet``) as an .xlsx laid out for submission: title; 填报单位（盖章） and the
    period; two header rows (repeated on every printed page); the rows, the last one 合计 as
    given; the signature line. A4 landscape, one sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = layout.file_stem
    groups = header_groups(layout, labels)
    width = len(table.columns)
    last = get_column_letter(width)

    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = _TITLE
    ws["A1"].alignment = _CENTER
    ws.row_dimensions[1].height = 30
    half = max(1, width // 3)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, 1, f"填报单位（盖章）：{unit}").font = _FONT
    ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=width)
    ws.cell(2, half + 1, f"统计期间：{period}").alignment = Alignment(horizontal="right")
    ws.cell(2, half + 1).font = _FONT

    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    ws.cell(3, 1, UNIT)
    col = 2
    for head, subs in groups:
        if not subs:
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            ws.cell(3, col, head)
            col += 1
            continue
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + len(subs) - 1)
        ws.cell(3, col, head)
        for sub in subs:
            ws.cell(4, col, sub)
            col += 1

    r = 5
    for values in table.itertuples(index=False):
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c, NO_BASE if layout.rate and c == width and pd.isna(v) else v)
            cell.font = _FONT
            if layout.rate and c == width:
                cell.number_format = "0.0%"
                cell.alignment = Alignment(horizontal="right")
        if values[0] == TOTAL:
            for c in range(1, width + 1):
                ws.cell(r, c).font = _BOLD
        r += 1

    for row_cells in ws.iter_rows(min_row=3, max_row=r - 1, max_col=width):
        for cell in row_cells:
            cell.border = _BOX
            if cell.row <= 4:
                cell.alignment = _CENTER
                cell.font = _BOLD
    ws.row_dimensions[4].height = 42
    ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=width)
    ws.cell(r + 1, 1, SIGNATURES.format(day=today or date.today())).font = _FONT
    ws.column_dimensions["A"].width = 24
    for c in range(2, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 7.5
    ws.freeze_panes = "B5"
    _print_setup(ws, "3:4")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def list_workbook(
    title: str, scope: str, as_of: date, table: pd.DataFrame, sheet_name: str, counted: str = "人"
) -> bytes:
    """A list or ledger as shown on screen (the same rows, columns and masking) as an .xlsx: title,
    scope and 截至 date, one header row repeated on every printed page, filters on the header."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[][:*?/\\\\]", "、", sheet_name)[:31])
    width = max(1, len(table.columns))
    ws.column_dimensions["A"].width = 10
    for c, name in enumerate(table.columns, start=1):
        longest = max([len(str(name)), *(len(str(v)) for v in table[name].head(200))])
        ws.column_dimensions[get_column_letter(c)].width = min(40, max(6, longest * 1.6 + 2))
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = f"A3:{get_column_letter(width)}{3 + len(table)}"
    _print_setup(ws, "3:3")

    def cell(value: object, **style) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        for key, v in style.items():
            setattr(c, key, v)
        return c

    ws.append([cell(title, font=_TITLE)])
    ws.append([cell(f"{scope}　截至 {as_of:%Y年%m月%d日}　共 {len(table):,} {counted}", font=_FONT)])
    ws.append([cell(str(name), font=_BOLD, border=_BOX, alignment=_CENTER) for name in table.columns])
    for values in table.itertuples(index=False):
        ws.append([cell(v, border=_BOX, font=_FONT) for v in values])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
