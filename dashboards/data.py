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
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.users import User

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"
# student_no too: a G student number is "G" + the ID number.
ID_COLUMNS = ("id_number", "child_key", "student_no")
REPLACED_RETRIES = 3  # reads retried when the published file is replaced while it is opened

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
    role: str  # county | township | school: what the user may see
    township_code: str | None = None
    school_code: str | None = None
    full_id: bool = False
    level: str | None = None  # narrowed to a township or school within the role (a drill-down; ``narrowed``)

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(user.role, user.township_code, user.school_code, user.full_id)

    @property
    def is_county(self) -> bool:
        """The county role (sees every number); a county user looking at one township still is."""
        return self.role == "county"

    @property
    def unit(self) -> tuple[str, str | None]:
        """(level, unit code) of the unit this scope looks at (the county's code is looked up)."""
        level = self.level or self.role
        return level, {"county": None, "township": self.township_code, "school": self.school_code}[level]

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
    """The published file's identity (inode, modification time, size); None when there is none."""
    try:
        s = path.stat()
    except FileNotFoundError:
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


def mask_id(value: object) -> object:
    if not isinstance(value, str) or len(value) < 11:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


class _Replaced(Exception):
    """The published file was replaced between reading its version and opening it."""


def _open(path: str, version: tuple[int, int, int]) -> duckdb.DuckDBPyConnection:
    """A connection reading exactly the file of ``version``. DuckDB keeps one database instance
    per path in a process and hands it to every later connect of that path, even after the file
    was replaced: the file is therefore attached to a fresh in-memory database instead, which
    opens whatever the path names now. Raises _Replaced when that is no longer ``version``."""
    con = duckdb.connect(":memory:", config={"python_enable_replacements": False})
    try:
        # ATTACH takes no bound parameters; the path is our own setting, quoted as a literal
        con.execute("attach '" + path.replace("'", "''") + "' as warehouse (read_only)")
        con.execute("use warehouse")
        if warehouse_version(Path(path)) != version:
            raise _Replaced(path)
    except BaseException:
        con.close()
        raise
    return con


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: tuple[int, int, int], scope: Scope, sql: str, params: tuple) -> pd.DataFrame:
    """Cached under the version of the file actually read: a read that finds another file
    raises instead of returning (and st.cache_data keeps nothing for it)."""
    con = _open(path, version)
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
    for _ in range(REPLACED_RETRIES):
        version = warehouse_version(path)
        if version is None:
            raise FileNotFoundError(path)
        try:
            return _cached_query(str(path), version, scope, sql, params)
        except _Replaced:
            continue  # published again meanwhile: read the newer file
    raise RuntimeError(f"{path} 在读取时被连续替换了 {REPLACED_RETRIES} 次，请稍后刷新页面")


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
    """Rows of a unit-level mart (level, unit_code, parent_code) in scope."""
    return query(scope, "select * from " + source + " where " + _UNIT_SCOPE + " order by " + order, scope.unit_params())


# ---------------------------------------------------------------------------------------------
# Publication, the glossary, the reporting tree


def last_publish(scope: Scope) -> pd.DataFrame:
    return query(scope, "select * from meta.publish_log order by published_at desc limit 1")


def glossary(scope: Scope) -> pd.DataFrame:
    """Every code value's and column's Chinese label (marts.code_labels: domain, code, label, sort_order)."""
    return query(
        scope, "select domain, code, label, sort_order from marts.code_labels order by domain, sort_order, code"
    )


def report_units(scope: Scope) -> pd.DataFrame:
    """The reporting tree (marts.report_units), every unit: names are not restricted."""
    return query(scope, "select * from marts.report_units order by parent_level, parent_code, unit_order")


def unit_names(scope: Scope) -> dict[str, str]:
    """Unit code (township, school) → its name in the reporting tree."""
    units = report_units(scope).drop_duplicates("unit_code")
    return dict(zip(units["unit_code"], units["unit_name"], strict=True))


def own_unit(scope: Scope) -> pd.Series:
    """The scope's own unit in the reporting tree (level, unit_code, unit_name, report_unit_name …):
    the county, the township or the school (for a narrowed scope, the unit it was narrowed to)."""
    level, code = scope.unit
    units = report_units(scope)
    found = units[(units["level"] == level) & ((code is None) | (units["unit_code"] == code))]
    if found.empty:
        raise LookupError(f"{level} {code} is not in marts.report_units: check the user's code in the users file")
    return found.iloc[0]


def narrowed(scope: Scope, level: str, code: str) -> Scope | None:
    """The scope narrowed to a township or school within it (a drill-down), or None when that
    unit is not in the scope: a user can narrow, never widen."""
    units = report_units(scope).set_index(["level", "unit_code"])
    if (level, code) not in units.index or level not in ("township", "school"):
        return None
    unit = units.loc[(level, code)]
    # a county-run school is no township's: its rows are found by the school alone
    township = code if level == "township" else None if bool(unit["is_county_run"]) else unit["township_code"]
    school = code if level == "school" else None
    if scope.role == "school" and school != scope.school_code:
        return None
    if scope.role == "township" and (township != scope.township_code or bool(unit["is_county_run"])):
        return None
    return replace(scope, township_code=township, school_code=school, level=level)


# ---------------------------------------------------------------------------------------------
# 总览: the reports' rows, rates, today's priorities


def monthly_report(scope: Scope) -> pd.DataFrame:
    return _units(scope, "marts.monthly_report", "month, level, unit_code")


def quarterly_rectification(scope: Scope) -> pd.DataFrame:
    return _units(scope, "marts.quarterly_rectification", "quarter, level, unit_code")


def consolidation_rate(scope: Scope) -> pd.DataFrame:
    """Consolidation rates in scope (placed in the reporting tree by marts.report_units)."""
    return _units(
        scope,
        "(select rate.*, units.parent_code from marts.consolidation_rate as rate "
        "left join marts.report_units as units on rate.level = units.level and rate.unit_code = units.unit_code)",
        "school_year, level, unit_code, stage",
    )


def enrollment_rate(scope: Scope) -> pd.DataFrame:
    return _units(
        scope,
        "(select rate.*, units.parent_code from marts.enrollment_rate as rate "
        "left join marts.report_units as units on rate.level = units.level and rate.unit_code = units.unit_code)",
        "level, unit_code",
    )


# Counts of today's priorities (今日重点) and of the lists that look alike, each over one list
# in scope; the list names are those of LISTS below.
_COUNTS = {
    "new_today": ("cases", "is_new_today"),
    "escalated_today": ("cases", "escalated_today"),
    "open_cases": ("cases", "is_open"),
    "open_unexcused": ("cases", "is_open and kind = 'suspected_dropout' and trigger = 'unexcused_absence'"),
    "open_not_on_roster": ("cases", "is_open and kind = 'suspected_dropout' and trigger = 'not_on_roster'"),
    "open_escalated": ("cases", "is_open and escalated_on is not null"),
    "all_escalated": ("cases", "escalated_on is not null"),
    "open_out_of_school_cases": ("cases", "is_open and kind = 'out_of_school'"),
    "open_poverty_cases": ("cases", "is_open and is_poverty_household"),
    "absent_3d": ("dropout_watch", "stage = 'absent_3d'"),
    "not_on_roster": ("dropout_watch", "stage = 'not_on_roster'"),
    "suspected_dropout": ("dropout_watch", "stage = 'suspected_dropout'"),
    "dropout": ("dropout_watch", "stage = 'dropout'"),
    "out_of_school_list": ("out_of_school", "true"),
    "never_enrolled": ("out_of_school", "category = 'never_enrolled'"),
    "left_status": ("out_of_school", "category = 'left_status'"),
    "transferred_out": ("out_of_school", "category = 'transferred_out'"),
    "poverty_list": ("poverty_dropouts", "true"),
    "poverty_out_of_school": ("poverty_dropouts", "source = 'out_of_school'"),
    "poverty_not_on_roster": ("poverty_dropouts", "detail = 'not_on_roster'"),
    "poverty_suspected": ("poverty_dropouts", "detail = 'suspected_dropout'"),
    "poverty_dropout": ("poverty_dropouts", "detail = 'dropout'"),
    "county_filings": ("leave_filings", "filing_level = 'county' and this_month"),
    "township_filings": ("leave_filings", "filing_level = 'township' and this_month"),
}


def key_counts(scope: Scope) -> pd.Series:
    """Today's priorities and the parts of the lists that look alike, counted in scope (one row)."""
    parts = [
        "(select count(*) from ("
        + _LISTS[source][0]
        + ") as list where "
        + condition
        + " and "
        + _ROW_SCOPE
        + ") as "
        + name
        for name, (source, condition) in _COUNTS.items()
    ]
    return query(scope, "select " + ", ".join(parts), scope.row_params() * len(_COUNTS)).iloc[0]


# ---------------------------------------------------------------------------------------------
# Lists and ledgers: one row per child (or case), with the child's name, village, school, grade
# and key groups from marts.children, and a token naming the child for 一生一档

_SCHOOLS = "(select unit_code, unit_name, township_code from marts.report_units where level = 'school')"
_LISTS: dict[str, tuple[str, str]] = {
    # name: (select with child_key, township_code, school_code and the list's columns; order)
    "age_eligible": (
        "select l.child_key, l.id_number, l.student_no, c.person_name, l.age, c.village, l.township_code, "
        "l.school_code, s.unit_name as school_name, c.grade, coalesce(l.status, 'none') as status, "
        "l.in_household_registry, l.has_student_status, l.is_migrant, c.is_poverty_household, c.key_groups "
        "from marts.ledger_age_eligible as l left join marts.children as c on l.child_key = c.child_key "
        "left join " + _SCHOOLS + " as s on l.school_code = s.unit_code",
        "township_code, village, person_name, child_key",
    ),
    "cases": (
        "select l.case_id, l.child_key, l.id_number, l.student_no, c.person_name, c.village, l.township_code, "
        "l.school_code, s.unit_name as school_name, c.grade, l.kind, l.trigger, l.opened_on, l.escalated_on, "
        "l.closed_on, l.close_reason, l.is_open, l.is_poverty_household, c.key_groups, "
        "l.opened_on = l.as_of_date as is_new_today, coalesce(l.escalated_on = l.as_of_date, false) as escalated_today "
        "from marts.ledger_cases as l left join marts.children as c on l.child_key = c.child_key "
        "left join " + _SCHOOLS + " as s on l.school_code = s.unit_code",
        "opened_on desc, case_id",
    ),
    "out_of_school": (
        "select o.id_number as child_key, o.id_number, c.student_no, o.person_name, o.village, o.township_code, "
        "cast(null as varchar) as school_code, c.school_name, c.grade, o.age, o.category, o.last_status, "
        "o.last_status_date, o.is_poverty_household, o.poverty_type, c.key_groups "
        "from marts.out_of_school as o left join marts.children as c on o.id_number = c.child_key",
        "township_code, village, person_name, child_key",
    ),
    "dropout_watch": (
        "select coalesce(w.id_number, w.student_no) as child_key, w.id_number, w.student_no, "
        "coalesce(c.person_name, w.student_name) as person_name, c.village, w.township_code, w.school_code, "
        "s.unit_name as school_name, w.grade, w.stage, w.unexcused_streak_days, w.last_present_date, "
        "w.last_roster_date, w.is_poverty_household, c.key_groups "
        "from marts.dropout_watch as w left join marts.children as c on coalesce(w.id_number, w.student_no) = c.child_key "
        "left join " + _SCHOOLS + " as s on w.school_code = s.unit_code",
        "township_code, school_code, grade, person_name, child_key",
    ),
    "poverty_dropouts": (
        "select p.id_number as child_key, p.id_number, c.student_no, c.person_name, c.village, p.township_code, "
        "p.school_code, coalesce(s.unit_name, c.school_name) as school_name, c.grade, p.source, p.detail, "
        "p.poverty_type, p.household_no, p.household_type, p.is_risk_cleared, c.key_groups "
        "from marts.poverty_dropouts as p left join marts.children as c on p.id_number = c.child_key "
        "left join " + _SCHOOLS + " as s on p.school_code = s.unit_code",
        "township_code, village, person_name, child_key",
    ),
    "home_teaching": (
        "select c.child_key, c.id_number, c.student_no, c.person_name, c.village, c.township_code, c.school_code, "
        "c.school_name, c.grade, c.status, c.disability_type, c.inclusive_placement, c.is_home_teaching, "
        "c.is_poverty_household, c.key_groups from marts.children as c "
        "where c.disability_type is not null and c.is_current_student",
        "township_code, school_code, grade, person_name, child_key",
    ),
    "handover": (
        "select coalesce(h.id_number, h.student_no) as child_key, h.id_number, h.student_no, "
        "coalesce(c.person_name, h.student_name) as person_name, c.village, h.township_code, h.school_code, "
        "s.unit_name as school_name, h.outcome, g.unit_name as grade_7_school_name, h.school_year, "
        "c.is_poverty_household, c.key_groups "
        "from marts.handover_6_to_7 as h left join marts.children as c "
        "on coalesce(h.id_number, h.student_no) = c.child_key "
        "left join " + _SCHOOLS + " as s on h.school_code = s.unit_code "
        "left join " + _SCHOOLS + " as g on h.grade_7_school_code = g.unit_code",
        "township_code, school_code, outcome desc, person_name, child_key",
    ),
    "leave_filings": (
        "select coalesce(f.id_number, f.student_no) as child_key, f.id_number, f.student_no, c.person_name, "
        "c.village, s.township_code, f.school_code, s.unit_name as school_name, c.grade, f.start_date, f.end_date, "
        "f.days, f.filing_level, f.is_poverty_household, c.key_groups, "
        "f.end_date >= date_trunc('month', a.as_of_date) as this_month "
        "from marts.leave_filings as f cross join (select max(as_of_date) as as_of_date from marts.children) as a "
        "left join marts.children as c "
        "on coalesce(f.id_number, f.student_no) = c.child_key "
        "left join " + _SCHOOLS + " as s on f.school_code = s.unit_code "
        "where f.filing_level in ('township', 'county')",
        "start_date desc, township_code, person_name, child_key",
    ),
    "suspended": (
        "select c.child_key, c.id_number, c.student_no, c.person_name, c.village, c.township_code, c.school_code, "
        "c.school_name, c.grade, c.status, c.status_date, c.is_poverty_household, c.key_groups "
        "from marts.children as c where c.is_current_student and c.status = 'suspended'",
        "township_code, school_code, grade, person_name, child_key",
    ),
}
# The columns a list may be filtered on (values are bound; names only from here).
LIST_FILTERS = {
    "township_code",
    "school_code",
    "village",
    "status",
    "is_migrant",
    "has_student_status",
    "kind",
    "is_open",
    "is_new_today",
    "escalated_today",
    "stage",
    "category",
    "source",
    "filing_level",
    "outcome",
    "grade",
    "is_poverty_household",
    "is_home_teaching",
    "this_month",
}
LIST_ROW_LIMIT = 2000  # rows shown at once; the count above the list is always the full count


@st.cache_resource
def _token_salt() -> str:
    """The key of the tokens naming a child in URLs (一生一档?c=…): it lives as long as the server process."""
    return secrets.token_hex(16)


def _list_where(name: str, filters: dict[str, object], escalated: bool) -> tuple[str, tuple]:
    if name not in _LISTS:
        raise ValueError(f"no list {name}")
    unknown = set(filters) - LIST_FILTERS
    if unknown:
        raise ValueError(f"cannot filter on {sorted(unknown)}")
    where = " and ".join(f"list.{col} = ?" for col in sorted(filters)) or "true"
    if escalated:
        where += " and list.escalated_on is not null"
    return where, tuple(filters[col] for col in sorted(filters))


def child_list(
    scope: Scope, name: str, filters: dict[str, object] | None = None, limit: int | None = LIST_ROW_LIMIT
) -> tuple[int, pd.DataFrame]:
    """(full count, rows up to ``limit``) of a list in scope, filtered by equality on LIST_FILTERS
    columns (``escalated=True`` for the 辍学台账), each row with the token of its child."""
    filters = dict(filters or {})
    escalated = bool(filters.pop("escalated", False))
    where, values = _list_where(name, filters, escalated)
    source, order = _LISTS[name]
    body = "from (" + source + ") as list where " + where + " and " + _ROW_SCOPE
    n = query(scope, "select count(*) as n " + body, (*values, *scope.row_params()))["n"].iloc[0]
    rows = query(
        scope,
        "select sha256(? || list.child_key) as token, list.* "
        + body
        + " order by "
        + order
        + (" limit ?" if limit else ""),
        (_token_salt(), *values, *scope.row_params(), *((limit,) if limit else ())),
    )
    return int(n), rows


def list_values(scope: Scope, name: str, column: str) -> list:
    """The distinct values of a filter column of a list in scope (the filter's options)."""
    if column not in LIST_FILTERS:
        raise ValueError(f"cannot filter on {column}")
    source, _ = _LISTS[name]
    found = query(
        scope,
        "select distinct list."
        + column
        + " as v from ("
        + source
        + ") as list where list."
        + column
        + " is not null and "
        + _ROW_SCOPE
        + " order by 1",
        scope.row_params(),
    )
    return list(found["v"])


# ---------------------------------------------------------------------------------------------
# 一生一档: one child, found by name, ID number, student number or the masked forms of both

# One child's records in each mart with a child (child_key derived the same way everywhere).
_CHILD_TABLES = {
    "cases": "(" + _LISTS["cases"][0] + ")",
    "out_of_school": "(" + _LISTS["out_of_school"][0] + ")",
    "dropout_watch": "(" + _LISTS["dropout_watch"][0] + ")",
    "poverty_dropouts": "(" + _LISTS["poverty_dropouts"][0] + ")",
    "leave_filings": "(select coalesce(f.id_number, f.student_no) as child_key, f.*, s.township_code "
    "from marts.leave_filings as f left join " + _SCHOOLS + " as s on f.school_code = s.unit_code)",
    "handover": "(" + _LISTS["handover"][0] + ")",
    "student_history": "(select coalesce(h.id_number, h.student_no) as child_key, h.* from marts.student_history as h)",
}
_CHILD_BY_TOKEN = "(select child_key from marts.children where sha256(? || child_key) = ?)"
# a masked number as lists show it: the first 6 and the last 4 characters around asterisks
_MASKED = re.compile(r"([0-9A-Za-z]{6})\*+([0-9Xx]{4})")


def find_children(scope: Scope, key: str) -> pd.DataFrame:
    """Children in scope whose name, full ID number or student number is ``key``, or whose ID
    or student number has the masked form ``key`` (first 6 and last 4 characters)."""
    key = key.strip()
    masked = _MASKED.fullmatch(key)
    head, tail, length = (masked.group(1), masked.group(2).upper(), len(key)) if masked else ("", "", 0)
    return query(
        scope,
        "select sha256(? || child_key) as token, child_key, person_name, id_number, student_no, age, status, "
        "township_code, school_code, school_name, grade, village, key_groups from marts.children "
        "where (person_name = ? or id_number = upper(?) or student_no = upper(?) or (? and ("
        "(length(id_number) = ? and starts_with(id_number, ?) and ends_with(id_number, ?)) or "
        "(length(student_no) = ? and starts_with(student_no, upper(?)) and ends_with(student_no, ?))))) and "
        + _ROW_SCOPE
        + " order by person_name, child_key limit 50",
        (_token_salt(), key, key, key, bool(masked), length, head, tail, length, head, tail, *scope.row_params()),
    )


def child_profile(scope: Scope, token: str) -> pd.Series | None:
    """The child a token names, if in scope (marts.children)."""
    found = query(
        scope,
        "select sha256(? || child_key) as token, * from marts.children where child_key in "
        + _CHILD_BY_TOKEN
        + " and "
        + _ROW_SCOPE,
        (_token_salt(), _token_salt(), token, *scope.row_params()),
    )
    return None if found.empty else found.iloc[0]


def child_history(scope: Scope, token: str) -> dict[str, pd.DataFrame]:
    """Every published record of the child a token names (一生一档), each mart's rows in scope."""
    return {
        name: query(
            scope,
            "select * from "
            + source
            + " as records where records.child_key in "
            + _CHILD_BY_TOKEN
            + " and "
            + _ROW_SCOPE,
            (_token_salt(), token, *scope.row_params()),
        )
        for name, source in _CHILD_TABLES.items()
    }


# ---------------------------------------------------------------------------------------------
# 风险 (the page says so plainly while the risk marts are not published)

RISK_MARTS = ("risk_by_group", "risk_by_grade", "risk_by_area", "student_risk", "risk_backtest")


def risk_published(scope: Scope) -> bool:
    found = query(
        scope,
        "select count(*) as n from information_schema.tables where table_schema = 'marts' and table_name in (?, ?, ?, ?, ?)",
        RISK_MARTS,
    )
    return int(found["n"].iloc[0]) == len(RISK_MARTS)


def risk_measures(scope: Scope, table: str) -> pd.DataFrame:
    """risk_by_group / risk_by_grade / risk_by_area rows: the county's and the scope's township's."""
    if table not in RISK_MARTS[:3]:
        raise ValueError(f"not a risk measure mart: {table}")
    return query(
        scope,
        "select * from marts." + table + " where level = 'county' or (level = 'township' and (? or unit_code = ?))",
        (scope.is_county, scope.township_code),
    )


def student_risk(scope: Scope) -> pd.DataFrame:
    """The risk list in scope, with names, village, key groups, whether the child is already a case,
    and the token naming the child."""
    return query(
        scope,
        "select sha256(? || list.child_key) as token, list.* from (select coalesce(r.id_number, r.student_no) "
        "as child_key, r.id_number, r.student_no, c.person_name, c.village, r.township_code, r.school_code, "
        "r.school_name, r.grade, r.score, r.tier, r.reasons, c.is_poverty_household, c.key_groups, "
        "coalesce(open_cases.child_key is not null, false) as is_case "
        "from marts.student_risk as r left join marts.children as c on coalesce(r.id_number, r.student_no) = c.child_key "
        "left join (select distinct child_key from marts.ledger_cases where is_open) as open_cases "
        "on coalesce(r.id_number, r.student_no) = open_cases.child_key) as list where "
        + _ROW_SCOPE
        + " order by list.score desc, list.child_key",
        (_token_salt(), *scope.row_params()),
    )


def risk_backtest(scope: Scope) -> pd.DataFrame:
    return query(scope, "select * from marts.risk_backtest order by sort_order")


# ---------------------------------------------------------------------------------------------
# 数据质量 (meta and audit tables; file-level counts, no personal data)


def check_results(scope: Scope) -> pd.DataFrame:
    """The last published run's quality suites and dbt tests: evaluated, failed, warned, not
    evaluated this run (empty for a warehouse published before they were recorded)."""
    columns = ["suite", "expectations", "failed_critical", "failed_warning", "not_evaluated"]
    if not table_exists(scope, "meta", "check_results"):
        return pd.DataFrame(columns=columns)
    found = query(
        scope,
        "select * from meta.check_results "
        "where run_id = (select run_id from meta.publish_log order by published_at desc limit 1) order by suite",
    )
    # a warehouse published before not_evaluated was recorded
    return found.reindex(columns=columns).fillna({"not_evaluated": 0}).astype({"not_evaluated": int})


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


def off_calendar_attendance(scope: Scope) -> pd.DataFrame:
    """Attendance on dates that are not county school days, per school and date, in scope
    (empty for a warehouse published before the table existed)."""
    if not table_exists(scope, "audit", "off_calendar_attendance"):
        return pd.DataFrame(columns=["attendance_date", "school_code", "township_code", "reason", "students"])
    return _rows(scope, "audit.off_calendar_attendance", "attendance_date desc, school_code")
