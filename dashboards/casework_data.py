"""Case work in the dashboard: scoped reads of the case-work marts (through ``dashboards.data``, so
they are cached per published file and scope, with ID numbers masked), and the operational store
that entries go to (``casework.store``; what is recorded shows on the case at the next click).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from casework import config
from casework.store import Actor, CaseRef, Store
from dashboards import data
from dashboards.data import Scope
from dashboards.users import User

_ROW_SCOPE = data._ROW_SCOPE  # township_code / school_code equalities, bound parameters
_UNIT_SCOPE = data._UNIT_SCOPE

# What a case page needs to know of a case file, whatever its kind.
_CASE_FILES = (
    "(select case_id, kind as file_kind, id_number, student_no, township_code, school_code, opened_on, "
    "escalated_on, closed_on, close_reason, is_open from marts.ledger_cases "
    "union all select distinct case_id, file_kind, id_number, student_no, township_code, school_code, opened_on, "
    "cast(null as date), closed_on, cast(null as varchar), is_open from marts.case_deadlines "
    "where file_kind in ('absent_3d', 'home_teaching'))"
)


@st.cache_resource
def store() -> Store:
    """The case-work store (KCBX_CASEWORK_DB, default data/casework.sqlite), created on first use."""
    return Store(config.store_url())


def actor(user: User) -> Actor:
    return Actor(user.username, user.role, user.township_code, user.school_code)


def case_file(scope: Scope, case_id: str) -> pd.Series | None:
    """The case file in scope (None when there is none the user may see); ID numbers masked as the scope says."""
    found = data.query(
        scope, "select * from " + _CASE_FILES + " where case_id = ? and " + _ROW_SCOPE, (case_id, *scope.row_params())
    )
    return None if found.empty else found.iloc[0]


def case_ref(scope: Scope, case_id: str) -> CaseRef | None:
    """The case as the store records it: full ID number (never shown), units, the first date an action may carry."""
    full = replace(scope, full_id=True)
    found = data.query(
        full,
        "select files.*, least(files.opened_on, (select min(trigger_on) from marts.case_deadlines as d "
        "where d.case_id = files.case_id)) as starts_on from "
        + _CASE_FILES
        + " as files where case_id = ? and "
        + _ROW_SCOPE,
        (case_id, *scope.row_params()),
    )
    if found.empty:
        return None
    r = found.iloc[0]

    def text(value: object) -> str | None:
        return None if pd.isna(value) else str(value)

    return CaseRef(
        r["case_id"],
        text(r["id_number"]),
        text(r["student_no"]),
        text(r["township_code"]),
        text(r["school_code"]),
        r["starts_on"].date() if not pd.isna(r["starts_on"]) else None,
    )


def case_duties(scope: Scope, case_id: str) -> pd.DataFrame:
    return data.query(
        scope,
        "select * from marts.case_deadlines where case_id = ? and " + _ROW_SCOPE + " order by due_on, duty",
        (case_id, *scope.row_params()),
    )


def landed_actions(scope: Scope, case_id: str) -> pd.DataFrame:
    """Actions of the case that came in workbooks (the dashboard's own entries are read live from the store)."""
    return data.query(
        scope,
        "select * from marts.case_actions where case_id = ? and source != 'dashboard' and "
        + _ROW_SCOPE
        + " order by action_date, source, source_row",
        (case_id, *scope.row_params()),
    )


def pending(scope: Scope) -> pd.DataFrame:
    """Duties due or overdue on the as-of date, of open case files in scope."""
    return data.query(
        scope,
        "select * from marts.case_deadlines where status in ('due', 'overdue') and is_open and "
        + _ROW_SCOPE
        + " order by status desc, due_on, case_id, duty",
        scope.row_params(),
    )


def effectiveness(scope: Scope) -> pd.DataFrame:
    return data.query(
        scope,
        "select * from marts.casework_effectiveness where " + _UNIT_SCOPE + " order by school_year, level, unit_code",
        scope.unit_params(),
    )


def home_teaching(scope: Scope) -> pd.DataFrame:
    return data.query(
        scope,
        "select * from marts.home_teaching where "
        + _ROW_SCOPE
        + " order by month, township_code, school_code, case_id",
        scope.row_params(),
    )


def known_in_scope(scope: Scope) -> tuple[set[str], set[str]]:
    """(case numbers, full ID and student numbers of children) the scope may record for: for checking an upload."""
    full = replace(scope, full_id=True)
    cases = data.query(
        full,
        "select case_id, id_number, student_no from " + _CASE_FILES + " as f where " + _ROW_SCOPE,
        scope.row_params(),
    )
    children = data.query(
        full, "select id_number, student_no from marts.ledger_age_eligible where " + _ROW_SCOPE, scope.row_params()
    )
    people = {v for frame in (cases, children) for col in ("id_number", "student_no") for v in frame[col].dropna()}
    return set(cases["case_id"]), people
