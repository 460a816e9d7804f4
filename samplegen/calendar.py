"""School calendar of the sample county: school days, snapshot dates, school years."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

# (month, day) ranges that are holidays inside a term, inclusive.
_HOLIDAYS = (((10, 1), (10, 7)), ((1, 1), (1, 1)), ((4, 4), (4, 6)), ((5, 1), (5, 5)))
_AUTUMN = ((9, 1), (1, 16))
_SPRING = ((2, 24), (7, 3))


def school_year(d: date) -> int:
    """School year Y runs from 1 September Y to 31 August Y+1."""
    return d.year if d.month >= 9 else d.year - 1


def _in_range(d: date, lo: tuple[int, int], hi: tuple[int, int]) -> bool:
    md = (d.month, d.day)
    if lo <= hi:
        return lo <= md <= hi
    return md >= lo or md <= hi


def is_school_day(d: date) -> bool:
    if d.weekday() >= 5:
        return False
    if not (_in_range(d, *_AUTUMN) or _in_range(d, *_SPRING)):
        return False
    return not any(_in_range(d, lo, hi) for lo, hi in _HOLIDAYS)


def school_days(start: date, end: date) -> np.ndarray:
    days = []
    d = start
    while d <= end:
        if is_school_day(d):
            days.append(d)
        d += timedelta(days=1)
    return np.array(days, dtype="datetime64[D]")


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
