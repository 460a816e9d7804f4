"""修改密码: the signed-in user changes the password (current once, new twice). A wrong current
password counts as a failed log-in (dashboards.auth.Throttle), so this form cannot be used to
guess it; the change and every refusal are in the access log."""

from __future__ import annotations

import time

import streamlit as st

from dashboards import access, auth
from dashboards import casework_data as cw
from dashboards.users import MIN_PASSWORD_LENGTH, change_password, password_problem

user = st.session_state["user"]
st.title("修改密码")
st.caption(
    f"新密码至少 {MIN_PASSWORD_LENGTH} 个字符，不能与用户名或当前密码相同。修改后下次登录使用新密码；"
    "忘记密码请联系县教育局管理员重新设置。"
)
with st.form("password", clear_on_submit=True):
    current = st.text_input("当前密码", type="password", key="password_current")
    new = st.text_input("新密码", type="password", key="password_new")
    repeat = st.text_input("再次输入新密码", type="password", key="password_repeat")
    submitted = st.form_submit_button("修改密码")

if submitted:
    throttle, address, now = access.throttle(), access.address(), time.monotonic()
    wait = throttle.locked_for(user.username, address, now)
    problem = password_problem(user.username, current, new, repeat)
    if wait:
        access.record("locked", user, what="修改密码")
        st.error(auth.lockout_message(wait))
    elif problem:
        st.error(problem)
    elif not change_password(user.username, current, new, cw.store()):
        throttle.failed(user.username, address, now)
        wait = throttle.locked_for(user.username, address, now)
        access.record("password_failed", user, what="已锁定" if wait else None)
        st.error(auth.lockout_message(wait) if wait else "当前密码不正确，密码没有修改。")
    else:
        access.record("password_changed", user)
        st.success("密码已修改，下次登录请使用新密码。")
