"""控辍保学监测看板 — the entry point: log-in, then the pages this user may see."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from dashboards import access, auth, data, ui
from dashboards import casework_data as cw
from dashboards.users import authenticate

# the icon is served by the app itself: nothing is fetched from the internet
st.set_page_config(page_title="控辍保学监测看板", page_icon=str(Path(__file__).with_name("favicon.png")), layout="wide")


def login() -> None:
    st.title("控辍保学监测看板")
    if "logged_out_because" in st.session_state:
        st.info(st.session_state.pop("logged_out_because"))
    with st.form("login"):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    if submitted:
        throttle, name, address, now = access.throttle(), username.strip(), access.address(), time.monotonic()
        wait = throttle.locked_for(name, address, now)
        if wait:
            access.record("locked", username=name, what="登录")
            st.error(auth.lockout_message(wait))
            return
        user = authenticate(name, password, store=cw.store())
        if user is None:
            throttle.failed(name, address, now)
            wait = throttle.locked_for(name, address, now)
            access.record("login_failed", username=name, what="已锁定" if wait else None)
            st.error(
                auth.lockout_message(wait) if wait else "用户名或密码不正确。忘记密码请联系县教育局管理员重新设置。"
            )
        else:
            throttle.succeeded(name, now)
            access.record("login", user)
            st.session_state["user"] = user
            st.session_state["session"] = auth.Session(started=now, last_seen=now)
            st.rerun()


def _end_session(action: str, why: str | None = None) -> None:
    access.record(action, st.session_state["user"], what=why)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if why:
        st.session_state["logged_out_because"] = why


def _expire_session() -> None:
    """Log the user out when the session has been idle or open too long; otherwise note the activity."""
    now = time.monotonic()
    # a user is only ever put into the session by the log-in above (or by a test), which starts it
    session: auth.Session = st.session_state.setdefault("session", auth.Session(started=now, last_seen=now))
    why = session.expired(access.throttle().policy, now)
    if why:
        _end_session("session_expired", why)
    else:
        session.last_seen = now


if "user" in st.session_state:
    _expire_session()
user = st.session_state.get("user")
if user is None:
    st.navigation([st.Page(login, title="登录", icon=":material/login:")], position="hidden").run()
    st.stop()

if data.warehouse_version(data.warehouse_path()) is None:
    st.warning(
        f"尚未发布数据仓库（{data.warehouse_path()}）。请先运行 `make demo`（或在 Dagster 中运行 kcbx_nightly 作业），"
        "检查全部通过后这里会显示数据。"
    )
    st.stop()

with st.sidebar:
    st.markdown(f"**{user.display_name}**  \n{ui.scope_label(data.Scope.of(user))}")
    if st.button("退出登录"):
        _end_session("logout")
        st.rerun()

page = st.navigation(
    [
        st.Page("views/today.py", title="今日待办", icon=":material/checklist:", default=True),
        st.Page("views/overview.py", title="总览", icon=":material/dashboard:"),
        st.Page("views/compare.py", title="三比对", icon=":material/compare_arrows:"),
        st.Page("views/student.py", title="一生一档", icon=":material/person_search:"),
        st.Page("views/ledgers.py", title="台账", icon=":material/menu_book:"),
        st.Page("views/lists.py", title="名单", icon=":material/list_alt:"),
        st.Page("views/reports.py", title="报表", icon=":material/table_view:"),
        st.Page("views/risk.py", title="风险", icon=":material/warning:"),
        st.Page("views/case.py", title="案件", icon=":material/edit_note:"),
        st.Page("views/casework.py", title="劝返成效", icon=":material/trending_up:"),
        st.Page("views/quality.py", title="数据质量", icon=":material/fact_check:"),
        st.Page("views/password.py", title="修改密码", icon=":material/key:"),
    ]
)
st.session_state["page_title"] = page.title  # exports name the page they come from
page.run()
