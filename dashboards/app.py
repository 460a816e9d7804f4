"""控辍保学监测看板 — the entry point: log-in, then the pages this user may see."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import data, ui
from dashboards.users import authenticate

# the icon is served by the app itself: nothing is fetched from the internet
st.set_page_config(page_title="控辍保学监测看板", page_icon=str(Path(__file__).with_name("favicon.png")), layout="wide")


def login() -> None:
    st.title("控辍保学监测看板")
    with st.form("login"):
        username = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    if submitted:
        user = authenticate(username.strip(), password)
        if user is None:
            st.error("用户名或密码不正确。忘记密码请联系县教育局管理员重新设置。")
        else:
            st.session_state["user"] = user
            st.rerun()


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
        del st.session_state["user"]
        st.rerun()

st.navigation(
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
    ]
).run()
