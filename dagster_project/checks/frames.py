"""The frames a suite validates, built from the build warehouse: an extract's rows (with
derived columns such as a valid ID check digit), and small summary frames for volume against
the previous delivery and for attendance freshness per school and township.

Counts and flags only leave this module; values are read from the database by bound queries.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd

from dagster_project.ingest.specs import EXTRACTS, quote_ident

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


def _id_number_ok(column: str) -> str:
    """SQL: true where an ID number is usable (18 characters with a right check digit, or the old
    15-digit form), false where it is not, null where the cell is empty. Full-width digits and X,
    lower-case x and spaces are forgiven, as staging forgives them."""
    id_ = f"upper(regexp_replace(translate({column}, '０１２３４５６７８９Ｘｘ', '0123456789XX'), '[\\s　]', '', 'g'))"
    weighted = " + ".join(f"{w} * cast(substr({id_}, {i}, 1) as integer)" for i, w in enumerate(_WEIGHTS, start=1))
    return f"""case
        when coalesce({id_}, '') = '' then null
        when regexp_full_match({id_}, '[0-9]{{17}}[0-9X]')
            then substr({id_}, 18, 1) = substr('10X98765432', ({weighted}) % 11 + 1, 1)
        else regexp_full_match({id_}, '[0-9]{{15}}')
    end"""


def _date_ok(column: str) -> str:
    """SQL: true where a date cell parses in one of the contract's forms (or is an Excel serial
    number) and lies between the bound earliest date and today; null where the cell is empty."""
    text = f"trim({column})"
    formats = ", ".join(f"'{f}'" for f in _DATE_FORMATS)
    return f"""case
        when coalesce({text}, '') = '' then null
        else coalesce(coalesce(
            try_strptime({text}, [{formats}]),
            case when regexp_full_match({text}, '[0-9]{{5}}(\\.0+)?')
                then timestamp '1899-12-30' + to_days(cast(cast({text} as double) as integer)) end
        ) between cast(? as timestamp) and current_date, false)
    end"""


_DERIVERS = {"id_number": _id_number_ok, "date": _date_ok}
EARLIEST_DATE = "1900-01-01"


def suite_columns(spec: dict) -> list[str]:
    """The columns a suite's expectations name, in order of first mention."""
    names: list[str] = []
    for e in spec["expectations"]:
        for name in [e["kwargs"].get("column"), *e["kwargs"].get("column_list", [])]:
            if name and name not in names:
                names.append(name)
    return names


def row_batches(con: duckdb.DuckDBPyConnection, spec: dict) -> Iterator[tuple[str, pd.DataFrame]]:
    """The extract's raw rows, one file at a time, for the files that no published run has
    validated yet: a file is validated the night it arrives, and again on every run until a run
    that validated it publishes. Memory follows the largest file, not the history.

    Only the columns the suite names are read, with empty cells as nulls, plus the file and row
    number (for the failing rows' addresses) and the derived check columns (``derive``: name →
    [kind, column]), which DuckDB computes."""
    table = spec["table"]
    if table not in {s.name for s in EXTRACTS}:
        raise ValueError(f"suite names an unknown raw table {table!r}")
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns where table_schema = 'raw' and table_name = ?",
            [table],
        ).fetchall()
    )
    derive: dict[str, list[str]] = spec.get("derive", {})
    selected = ["_row_number"]
    for c in suite_columns(spec):
        if c in types and c not in ("_source_file", "_row_number"):
            selected.append(
                f"nullif({quote_ident(c)}, '') as {quote_ident(c)}" if types[c] == "VARCHAR" else quote_ident(c)
            )
    params: list[object] = []
    for name, (kind, column) in derive.items():
        if column in types:
            selected.append(f"{_DERIVERS[kind](quote_ident(column))} as {quote_ident(name)}")
            params += [EARLIEST_DATE] if kind == "date" else []
        else:
            selected.append(f"cast(null as boolean) as {quote_ident(name)}")
    select = f"select {', '.join(selected)} from raw.{quote_ident(table)} where _source_file = ?"
    pending = con.execute(
        "select source_file from raw.load_files where extract = ? and not coalesce(accepted, false) order by 1",
        [table],
    ).fetchall()
    for (source_file,) in pending:
        # through Arrow: several times faster than .df() for string columns
        df = con.execute(select, [*params, source_file]).fetch_arrow_table().to_pandas()
        # one value, kept once: codes all 0 into a one-category column
        df.insert(0, "_source_file", pd.Categorical.from_codes(np.zeros(len(df), dtype=np.int8), [source_file]))
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
