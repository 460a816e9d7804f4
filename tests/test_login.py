"""The log-in page as users meet it (AppTest): wrong passwords lock the name with a message that
says for how long, the right password is then refused too; an idle session ends with a message
(and in the access log)."""

from __future__ import annotations

import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from casework.store import Store
from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")
WRONG = "用户名或密码不正确。忘记密码请联系县教育局管理员重新设置。"


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch, tmp_path):
    monkeypatch.setenv("KCBX_CASEWORK_DB", str(tmp_path / "casework.sqlite"))  # the access log of this test
    st.cache_resource.clear()  # the throttle lives as long as the server process: one per test here
    yield
    st.cache_resource.clear()


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_five_wrong_passwords_lock_the_name_and_the_right_one_is_refused():
    at = AppTest.from_file(APP, default_timeout=60).run()
    for _ in range(4):
        assert [e.value for e in log_in(at, "county", "guess").error] == [WRONG]
    locked = [e.value for e in log_in(at, "county", "guess").error]
    assert locked == ["登录失败次数过多，已暂时锁定，请约 15 分钟后再试。忘记密码请联系县教育局管理员重新设置。"]
    assert [e.value for e in log_in(at, "county", "kcbx-county").error] == locked
    assert "user" not in at.session_state
    # another user is not locked out by it
    log_in(at, "jingdian", "kcbx-township")
    assert at.session_state["user"].username == "jingdian"


def test_an_idle_session_ends_with_a_message(monkeypatch, tmp_path):
    monkeypatch.setenv("KCBX_SESSION_IDLE_MINUTES", "0.02")  # 1.2 s
    monkeypatch.setenv("KCBX_WAREHOUSE", str(tmp_path / "none.duckdb"))  # no warehouse: the page says so
    at = AppTest.from_file(APP, default_timeout=60).run()
    log_in(at, "county", "kcbx-county")
    assert at.session_state["user"].username == "county"
    time.sleep(1.5)
    at.run()
    assert "user" not in at.session_state
    assert [i.value for i in at.info] == ["已 0.02 分钟没有操作，请重新登录。"]
    log = Store(f"sqlite:///{tmp_path / 'casework.sqlite'}").access_log().fillna("")
    assert log[["username", "action", "role", "what"]].values.tolist() == [
        ["county", "session_expired", "county", "已 0.02 分钟没有操作，请重新登录。"],
        ["county", "login", "county", ""],
    ]
