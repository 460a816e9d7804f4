"""The frames a suite validates, built from the build warehouse: an extract's rows (with
derived columns such as a valid ID check digit), and small summary frames for volume against
the previous delivery and for attendance freshness per school and township.

Counts and flags only leave this module; values are read from the database by bound queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd

from dagster_project.ingest.landing import quote_ident
from dagster_project.ingest.specs import EXTRACTS

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK = np.array(list("10X98765432"))
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


def id_number_ok(values: pd.Series) -> pd.Series:
    """True where an ID number is usable (18 characters with a right check digit, or the old
    15-digit form), False where it is not, missing where the cell is empty."""
    text = values.fillna("").astype(str).str.translate(_HALF_WIDTH).str.replace(r"\s", "", regex=True).str.upper()
    ok = pd.Series(False, index=values.index, dtype="boolean")
    is18 = text.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(bool)
    if is18.any():
        digits = np.array([list(s[:17]) for s in text[is18]], dtype=np.int64)
        expected = _CHECK[(digits @ _WEIGHTS) % 11]
        ok[is18] = expected == text[is18].str[17].to_numpy()
    ok[text.str.fullmatch(r"\d{15}").fillna(False).to_numpy(bool)] = True
    ok[text == ""] = pd.NA
    return ok


def date_ok(values: pd.Series, earliest: str = "1900-01-01") -> pd.Series:
    """True where a date cell parses in one of the contract's forms and lies between ``earliest``
    and today; missing where the cell is empty."""
    text = values.fillna("").astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(\.0+)?").fillna(False)), errors="coerce")
    parsed = parsed.fillna(pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D"))
    ok = parsed.between(pd.Timestamp(earliest), pd.Timestamp(dt.date.today())).astype("boolean")
    ok[text == ""] = pd.NA
    return ok


_DERIVERS = {"id_number": id_number_ok, "date": date_ok}


def row_batches(
    con: duckdb.DuckDBPyConnection, table: str, derive: dict[str, list[str]]
) -> Iterator[tuple[str, pd.DataFrame]]:
    """The extract's raw rows plus derived columns, one file at a time, for the files that no
    published run has validated yet: a file is validated the night it arrives, and again on every
    run until a run that validated it publishes. Memory follows the largest file, not the
    history."""
    if table not in {spec.name for spec in EXTRACTS}:
        raise ValueError(f"suite names an unknown raw table {table!r}")
    select = f"select * exclude (_extra, _file_hash, _loaded_at) from raw.{quote_ident(table)} where _source_file = ?"
    pending = con.execute(
        "select source_file from raw.load_files where extract = ? and not coalesce(accepted, false) order by 1",
        [table],
    ).fetchall()
    for (source_file,) in pending:
        df = con.execute(select, [source_file]).df()
        for name, (kind, column) in derive.items():
            df[name] = (
                _DERIVERS[kind](df[column]) if column in df else pd.Series(pd.NA, index=df.index, dtype="boolean")
            )
        yield source_file, df


def volume_frame(con: duckdb.DuckDBPyConnection, tolerance: float) -> pd.DataFrame:
    """One row per extract: the latest delivery's rows, the previous delivery's, their ratio
    (1 when there is nothing to compare with), and the extract's name where the ratio is off by
    more than ``tolerance``. Snapshots compare the two latest snapshots; attendance compares the
    last school day with the median of the ten before it."""
    deliveries = con.execute(
        """
        select 'household' as extract, snapshot_date as delivered, count(*) as n_rows
        from staging.stg_household group by all
        union all
        select 'student_status', snapshot_date, count(*) from staging.stg_student_status group by all
        union all
        select 'poverty', snapshot_date, count(*) from staging.stg_poverty group by all
        union all
        select 'attendance', attendance_date, count(*) from intermediate.int_attendance_daily group by all
        """
    ).df()
    rows = []
    for extract, group in deliveries.sort_values("delivered", ascending=False).groupby("extract", sort=True):
        counts = group["n_rows"].to_numpy()
        window = counts[1:11] if extract == "attendance" else counts[1:2]
        previous = float(np.median(window)) if len(window) else float(counts[0])
        rows.append((extract, int(counts[0]), previous, counts[0] / previous if previous else 1.0))
    df = pd.DataFrame(rows, columns=["extract", "latest_rows", "previous_rows", "ratio"])
    df["unusual_extract"] = df["extract"].where((df["ratio"] - 1).abs() > tolerance)
    return df


def freshness_frame(con: duckdb.DuckDBPyConnection, days: int) -> pd.DataFrame:
    """Per school holding 在读 students in the latest status snapshot, and per township: on how
    many of the county's last ``days`` school days it has any attendance, and the unit's code
    where that is fewer than all of them."""
    df = con.execute(
        """
        with recent as (
            select attendance_date from intermediate.int_school_days
            order by attendance_date desc limit ?
        ),
        expected as (
            select distinct school_code, coalesce(township_code, '?') as township_code
            from intermediate.int_student_status
            where is_latest_snapshot and status = 'enrolled'
        ),
        present as (
            select distinct daily.school_code, daily.attendance_date
            from intermediate.int_attendance_daily as daily
            inner join recent on daily.attendance_date = recent.attendance_date
        )
        select 'school' as level, expected.school_code as unit, count(present.attendance_date) as days_present
        from expected left join present on expected.school_code = present.school_code
        group by expected.school_code
        union all
        select 'township', expected.township_code, count(distinct present.attendance_date)
        from expected left join present on expected.school_code = present.school_code
        group by expected.township_code
        """,
        [days],
    ).df()
    df["stale_unit"] = df["unit"].where(df["days_present"] < days)
    return df
