"""Who uses the dashboard: the log-in throttle of the server process, the client's address, and
the access log in the operational store (``casework.store``, table ``access_log``).

Every log-in (and every refused one), log-out, expired session, password change and export is
recorded with the user name, the time (UTC), the action, the user's scope (role, township, school)
and what was done — the page and the kind of file, never a child's data. A name that is no user
is recorded as 「（非用户名）」, so that a password typed into the name field never lands in the log.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from casework.store import Access
from dashboards import auth
from dashboards import casework_data as cw
from dashboards.users import User, is_user

NOT_A_USER = "（非用户名）"
# The actions of the access log (their Chinese names: glossary domain access_action):
# login, login_failed, locked, logout, session_expired, password_changed, password_failed, export.


@st.cache_resource
def throttle() -> auth.Throttle:
    """One throttle for the server process: every session's failed log-ins count together."""
    return auth.Throttle(auth.Policy.from_env())


def address() -> str:
    # None when the browser is on this machine (the server binds to localhost by default); not a
    # string under AppTest, which has no connection
    ip = st.context.ip_address
    return ip if isinstance(ip, str) and ip else "localhost"


def _access(action: str, user: User | None, username: str, where: str, what: str | None) -> Access:
    if user is None:
        return Access(username if is_user(username) else NOT_A_USER, action, address=where, what=what)
    return Access(user.username, action, user.role, user.township_code, user.school_code, where, what)


def record(action: str, user: User | None = None, username: str = "", what: str | None = None) -> None:
    """Log ``action`` of the signed-in ``user``, or of the name typed at the log-in (``username``)."""
    cw.store().log_access(_access(action, user, username, address(), what))


def exported(what: str) -> Callable[[], None]:
    """A function that logs an export of ``what`` by the signed-in user. Made while the page runs:
    the file is built later, when the button is clicked, outside the page's run."""
    access, store = _access("export", st.session_state["user"], "", address(), what), cw.store()
    return lambda: store.log_access(access)
