"""School calendar of the sample county: its terms on the national working days (the State
Council's public holidays off, its make-up working days on: the dbt seed public_holidays, read
here so that the sample and the warehouse share one list), the county calendar file it keeps,
snapshot dates and school years."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import cache
from itertools import groupby
from pathlib import Path

import numpy as np

# The sample county's terms: (name, first day, last day) as (month, day); months before
# September belong to the school year's second calendar year.
TERMS = (("第一学期", (9, 1), (1, 16)), ("第二学期", (2, 24), (7, 3)))
PUBLIC_HOLIDAYS = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "public_holidays.csv"


def school_year(d: date) -> int:
    """School year Y runs from 1 September Y to 31 August Y+1."""
    return d.year if d.month >= 9 else d.year - 1


@cache
def public_holidays() -> dict[date, tuple[str, str]]:
    """Date -> (holiday | workday, name); empty if the seed is not there (weekdays only then)."""
    if not PUBLIC_HOLIDAYS.exists():
        return {}
    with PUBLIC_HOLIDAYS.open(encoding="utf-8") as f:
        return {date.fromisoformat(r["calendar_date"]): (r["day_kind"], r["holiday_name"]) for r in csv.DictReader(f)}


def terms(year: int) -> list[tuple[str, date, date]]:
    """The terms of school year ``year``."""

    def on(month_day: tuple[int, int]) -> date:
        month, day = month_day
        return date(year if month >= 9 else year + 1, month, day)

    return [(name, on(start), on(end)) for name, start, end in TERMS]


def in_term(d: date) -> bool:
    return any(start <= d <= end for _, start, end in terms(school_year(d)))


def is_working_day(d: date) -> bool:
    kind = public_holidays().get(d, (None, None))[0]
    if kind is not None:
        return kind == "workday"
    return d.weekday() < 5


def is_school_day(d: date) -> bool:
    return in_term(d) and is_working_day(d)


def school_days(start: date, end: date) -> np.ndarray:
    days = []
    d = start
    while d <= end:
        if is_school_day(d):
            days.append(d)
        d += timedelta(days=1)
    return np.array(days, dtype="datetime64[D]")


def calendar_rows(year: int) -> list[tuple[str, str, str, str]]:
    """The county's school calendar of school year ``year`` as its file lists it: (类型, 开始日期,
    结束日期, 名称) for each term, each holiday inside a term (consecutive days as one row) and
    each make-up class day on a weekend (调休上课)."""
    rows = []
    for name, start, end in terms(year):
        rows.append(("学期", start.isoformat(), end.isoformat(), f"{year}-{year + 1}学年{name}"))
    holidays = sorted(
        (d, name)
        for d, (kind, name) in public_holidays().items()
        if kind == "holiday" and in_term(d) and school_year(d) == year
    )
    # consecutive days of one holiday make one row
    runs = groupby(enumerate(holidays), key=lambda item: (item[1][1], item[1][0] - timedelta(days=item[0])))
    for (name, _), items in runs:
        days = [d for _, (d, _) in items]
        rows.append(("放假", days[0].isoformat(), days[-1].isoformat(), name))
    for d, (kind, name) in sorted(public_holidays().items()):
        if kind == "workday" and d.weekday() >= 5 and in_term(d) and school_year(d) == year:
            rows.append(("上课", d.isoformat(), "", f"调休上课（{name}）"))
    return rows


def snapshot_dates(start: date, end: date) -> list[date]:
    """The 15th of every month in term (not February, July or August) within the range."""
    out = []
    y, m = start.year, start.month
    while date(y, m, 1) <= end:
        d = date(y, m, 15)
        if start <= d <= end and m not in (2, 7, 8):
            out.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
