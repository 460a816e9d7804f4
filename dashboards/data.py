"""The one way the dashboards read data: scoped, short-lived, read-only queries on the published file.

A connection lives for one query, so the dashboard never holds the file open; the nightly run
writes a separate build file and atomically replaces the published one, so it is never
blocked and never seen half-built. Cached results are keyed by the published file's identity
(inode, mtime, size), so a newly published warehouse is picked up on the next page view without
a restart, and by the user's scope, so one user's rows never serve another.

Every query takes a ``Scope`` (role + township or school) and filters with bound parameters
only; ID numbers are masked here (first 6, last 4) unless the scope allows full numbers, and
small counts are suppressed here for roles below the county.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.users import User

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"
# student_no too: a G student number is "G" + the ID number.
ID_COLUMNS = ("id_number", "child_key", "student_no")
SMALL_COUNT = 5  # counts 1..4 are shown as 「<5」 on aggregate pages below the county role
SUPPRESSED = "<5"

# Row-level marts carry township_code and school_code. A township user sees its township's
# children except those of county-run schools (局属学校 report to the county, marts.report_units);
# a school user its school's.
_COUNTY_RUN = "(select unit_code from marts.report_units where level = 'school' and is_county_run)"
_ROW_SCOPE = (
    "((? or (township_code = ? and coalesce(school_code not in " + _COUNTY_RUN + ", true))) and (? or school_code = ?))"
)
# Unit-level marts (level, unit_code, parent_code): the county row only for the county, the
# township row for its township, the rows under a township (its schools, its no-school row) for
# that township, a school's row for the school itself.
_UNIT_SCOPE = (
    "((level = 'county' and ?) or (level = 'township' and (? or unit_code = ?))"
    " or (level in ('school', 'no_school') and (? or parent_code = ? or (level = 'school' and unit_code = ?))))"
)

# Out-of-school children belong to no school: a school scope sees none of them.
_OUT_OF_SCHOOL = "(select *, cast(null as varchar) as school_code from marts.out_of_school)"


@dataclass(frozen=True)
class Scope:
    role: str  # county | township | school
    township_code: str | None = None
    school_code: str | None = None
    full_id: bool = False

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(user.role, user.township_code, user.school_code, user.full_id)

    @property
    def is_county(self) -> bool:
        return self.role == "county"

    def row_params(self) -> tuple:
        all_towns = self.township_code is None
        all_schools = self.school_code is None
        return (all_towns, self.township_code, all_schools, self.school_code)

    def unit_params(self) -> tuple:
        return (
            self.is_county,
            self.is_county,
            self.township_code,
            self.is_county,
            self.township_code,
            self.school_code,
        )


def warehouse_path() -> Path:
    return Path(os.environ.get("KCBX_WAREHOUSE", DEFAULT_WAREHOUSE))


def warehouse_version(path: Path) -> tuple[int, int, int] | None:
    try:
        s = path.stat()
    except FileNotFoundError:
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


def mask_id(value: object) -> object:
    if not isinstance(value, str) or len(value) < 11:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: tuple[int, int, int], scope: Scope, sql: str, params: tuple) -> pd.DataFrame:
    con = duckdb.connect(path, read_only=True, config={"python_enable_replacements": False})
    try:
        df = con.execute(sql, list(params)).df()
    finally:
        con.close()
    if not scope.full_id:
        for col in ID_COLUMNS:
            if col in df.columns:
                df[col] = df[col].map(mask_id)
    return df


def query(scope: Scope, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a SELECT with bound parameters on the published warehouse, cached per file version and scope."""
    path = warehouse_path()
    version = warehouse_version(path)
    if version is None:
        raise FileNotFoundError(path)
    return _cached_query(str(path), version, scope, sql, params)


def suppress(df: pd.DataFrame, scope: Scope, columns: list[str]) -> pd.DataFrame:
    """Counts 1..4 shown as 「<5」 for roles below the county (aggregate pages only)."""
    if scope.is_county:
        return df
    out = df.copy()
    for col in columns:
        small = out[col].between(1, SMALL_COUNT - 1)
        out[col] = out[col].astype(object).where(~small, SUPPRESSED)
    return out


def table_exists(scope: Scope, schema: str, table: str) -> bool:
    found = query(
        scope,
        "select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?",
        (schema, table),
    )
    return bool(found["n"].iloc[0])


def _rows(scope: Scope, source: str, order: str) -> pd.DataFrame:
    """Rows of a child-level mart (township_code, school_code) in scope."""
    return query(scope, "select * from " + source + " where " + _ROW_SCOPE + " order by " + order, scope.row_params())


def _units(scope: Scope, source: str, order: str) -> pd.DataFrame:
    """Rows of a unit-level mart (level, unit_code, township_code) in scope."""
    return query(scope, "select * from " + source + " where " + _UNIT_SCOPE + " order by " + order, scope.unit_params())


# ---------------------------------------------------------------------------------------------
# Publication


def last_publish(scope: Scope) -> pd.DataFrame:
    return query(scope, "select * from meta.publish_log order by published_at desc limit 1")


def glossary(scope: Scope) -> pd.DataFrame:
    """Every code value's and column's Chinese label (marts.code_labels: domain, code, label, sort_order)."""
    return query(
        scope, "select domain, code, label, sort_order from marts.code_labels order by domain, sort_order, code"
    )


def own_unit(scope: Scope) -> pd.Series:
    """The user's own unit in the reporting tree (marts.report_units: level, unit_code, unit_name,
    report_unit_name …): the county, the township or the school."""
    level = scope.role
    code = {"county": None, "township": scope.township_code, "school": scope.school_code}[level]
    found = query(
        scope, "select * from marts.report_units where level = ? and (? or unit_code = ?)", (level, code is None, code)
    )
    if found.empty:
        raise LookupError(f"{level} {code} is not in marts.report_units: check the user's code in the users file")
    return found.iloc[0]


# ---------------------------------------------------------------------------------------------
# 总览: rates and key counts


def monthly_report(scope: Scope) -> pd.DataFrame:
    return _units(scope, "marts.monthly_report", "month, level, unit_code")


def consolidation_rate(scope: Scope) -> pd.DataFrame:
    """Consolidation rates in scope (school rows placed in the reporting tree by marts.report_units)."""
    return _units(
        scope,
        "(select rate.*, units.parent_code from marts.consolidation_rate as rate "
        "left join marts.report_units as units on rate.level = units.level and rate.unit_code = units.unit_code)",
        "school_year, level, unit_code, stage",
    )


def enrollment_rate(scope: Scope) -> pd.DataFrame:
    return _units(
        scope, "(select *, cast(null as varchar) as parent_code from marts.enrollment_rate)", "level, unit_code"
    )


def list_counts(scope: Scope) -> pd.DataFrame:
    """Current sizes of the three comparison lists in scope (one row)."""
    return query(
        scope,
        "select (select count(*) from "
        + _OUT_OF_SCHOOL
        + " where "
        + _ROW_SCOPE
        + ") as out_of_school, (select count(*) from marts.dropout_watch where stage in ('suspected_dropout', 'dropout') and "
        + _ROW_SCOPE
        + ") as suspected_dropouts, (select count(*) from marts.poverty_dropouts where "
        + _ROW_SCOPE
        + ") as poverty_dropouts",
        scope.row_params() * 3,
    )


# ---------------------------------------------------------------------------------------------
# 三比对 and 一生一档


def unit_names(scope: Scope) -> dict[str, str]:
    """Code → name of the county, every township and school (names are not restricted)."""
    names = query(scope, "select unit_code, unit_name from marts.report_units where level != 'no_school'")
    return dict(zip(names["unit_code"], names["unit_name"], strict=True))


def out_of_school(scope: Scope) -> pd.DataFrame:
    return _rows(scope, _OUT_OF_SCHOOL, "township_code, id_number")


def dropout_watch(scope: Scope) -> pd.DataFrame:
    return _rows(scope, "marts.dropout_watch", "township_code, school_code, student_no")


def poverty_dropouts(scope: Scope) -> pd.DataFrame:
    return _rows(scope, "marts.poverty_dropouts", "township_code, id_number")


# One child's records in each published mart (id_number, student_no, township_code, school_code).
_CHILD_TABLES = {
    "out_of_school": "(select *, cast(null as varchar) as student_no from " + _OUT_OF_SCHOOL + ")",
    "dropout_watch": "marts.dropout_watch",
    "poverty_dropouts": "(select *, cast(null as varchar) as student_no from marts.poverty_dropouts)",
    "ledger_cases": "marts.ledger_cases",
    "leave_filings": "(select filings.*, schools.township_code from marts.leave_filings as filings "
    "left join marts.report_units as schools on schools.level = 'school' and filings.school_code = schools.unit_code)",
    "handover_6_to_7": "marts.handover_6_to_7",
    "student_history": "marts.student_history",
}
# A child picked from the search results is named by a salted hash of its key, never by the
# (masked) ID number itself; the salt lives as long as the server process.
_CHILD = "(select id_number, student_no from marts.ledger_age_eligible where sha256(? || child_key) = ?)"


@st.cache_resource
def _token_salt() -> str:
    return secrets.token_hex(16)


def find_children(scope: Scope, key: str) -> pd.DataFrame:
    """Children of the age-eligible ledger in scope whose full ID number, student number or name is ``key``."""
    return query(
        scope,
        "select sha256(? || child_key) as token, person_name, id_number, student_no, age, status, township_code, "
        "school_code, is_migrant from marts.ledger_age_eligible "
        "where (id_number = ? or student_no = ? or person_name = ?) and " + _ROW_SCOPE + " order by child_key",
        (_token_salt(), key, key, key, *scope.row_params()),
    )


def child_history(scope: Scope, token: str) -> dict[str, pd.DataFrame]:
    """Every published record of one child (一生一档) in scope, by the token ``find_children`` gave."""
    child = (_token_salt(), token)
    return {
        name: query(
            scope,
            "select * from "
            + source
            + " where (id_number in (select id_number from "
            + _CHILD
            + ") or student_no in (select student_no from "
            + _CHILD
            + ")) and "
            + _ROW_SCOPE,
            (*child, *child, *scope.row_params()),
        )
        for name, source in _CHILD_TABLES.items()
    }


# ---------------------------------------------------------------------------------------------
# 台账

LEDGER_ROW_LIMIT = 2000  # rows shown at once; the count above the table is always the full count


def age_eligible_summary(scope: Scope) -> pd.DataFrame:
    """The age-eligible ledger counted by township and status (aggregated in SQL)."""
    return query(
        scope,
        "select township_code, coalesce(status, 'none') as status, count(*) as children, "
        "count(case when is_migrant then 1 end) as migrants from marts.ledger_age_eligible where "
        + _ROW_SCOPE
        + " group by all order by township_code, status",
        scope.row_params(),
    )


def age_eligible(scope: Scope, township_code: str | None, status: str | None) -> tuple[int, pd.DataFrame]:
    """(full count, first LEDGER_ROW_LIMIT rows) of the age-eligible ledger, optionally filtered."""
    where = "(? or township_code = ?) and (? or status = ?) and " + _ROW_SCOPE
    params = (township_code is None, township_code, status is None, status, *scope.row_params())
    n = query(scope, "select count(*) as n from marts.ledger_age_eligible where " + where, params)["n"].iloc[0]
    rows = query(
        scope,
        "select * from marts.ledger_age_eligible where " + where + " order by township_code, child_key limit ?",
        (*params, LEDGER_ROW_LIMIT),
    )
    return int(n), rows


def ledger_cases(scope: Scope) -> pd.DataFrame:
    return _rows(scope, "marts.ledger_cases", "opened_on desc, case_id")


def quarterly_rectification(scope: Scope) -> pd.DataFrame:
    return _units(scope, "marts.quarterly_rectification", "quarter, level, unit_code")


# ---------------------------------------------------------------------------------------------
# 风险 (marts of the risk issue; the page says so plainly while they are not published)

RISK_MARTS = ("risk_by_group", "risk_by_grade", "risk_by_area", "student_risk", "risk_backtest")


def risk_published(scope: Scope) -> bool:
    found = query(
        scope,
        "select count(*) as n from information_schema.tables where table_schema = 'marts' and table_name in (?, ?, ?, ?, ?)",
        RISK_MARTS,
    )
    return int(found["n"].iloc[0]) == len(RISK_MARTS)


def risk_measures(scope: Scope, table: str) -> pd.DataFrame:
    """risk_by_group / risk_by_grade / risk_by_area rows in scope: the county rows and the scope's township."""
    if table not in RISK_MARTS[:3]:
        raise ValueError(f"not a risk measure mart: {table}")
    return query(
        scope,
        "select * from marts." + table + " where level = 'county' or (level = 'township' and (? or unit_code = ?))",
        (scope.is_county, scope.township_code),
    )


def student_risk(scope: Scope) -> pd.DataFrame:
    return _rows(scope, "marts.student_risk", "score desc, student_no")


def risk_backtest(scope: Scope) -> pd.DataFrame:
    return query(scope, "select * from marts.risk_backtest order by group_code")


# ---------------------------------------------------------------------------------------------
# 数据质量 (meta and audit tables; file-level counts, no personal data)


def check_results(scope: Scope) -> pd.DataFrame:
    """The last published run's quality suites (empty for a warehouse published before they were recorded)."""
    if not table_exists(scope, "meta", "check_results"):
        return pd.DataFrame(columns=["suite", "expectations", "failed_critical", "failed_warning"])
    return query(
        scope,
        "select suite, expectations, failed_critical, failed_warning from meta.check_results "
        "where run_id = (select run_id from meta.publish_log order by published_at desc limit 1) order by suite",
    )


# File-level facts of the published run, the same for every role.
_RUN_FACTS = {
    "quarantine": "select extract, source_file, column_name, reason, count(*) as row_count from audit.quarantine "
    "group by all order by row_count desc, source_file",
    "load_files": "select extract, source_file, snapshot_date, rows_loaded, rows_quarantined, loaded_at "
    "from raw.load_files order by extract, source_file",
}


def run_facts(scope: Scope, name: str) -> pd.DataFrame:
    """``quarantine``: quarantined rows by file, column and reason; ``load_files``: the files loaded."""
    return query(scope, _RUN_FACTS[name])


def freshness(scope: Scope) -> pd.DataFrame:
    return query(
        scope,
        "select * from audit.freshness where (? or township_code = ?) order by extract, township_code",
        (scope.township_code is None, scope.township_code),
    )
