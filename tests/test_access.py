"""Changing a password and the access log, as users meet them (AppTest on the warehouse the real
pipeline published, with the real operational store in SQLite): a wrong current password is
refused and counts toward the log-in lockout; a changed password is the one that works at the
next log-in; log-ins and exports are logged with the user and scope, and no child's data."""

from __future__ import annotations

import io
import re

import duckdb
import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from casework.store import Store
from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")
WRONG_LOGIN = "用户名或密码不正确。忘记密码请联系县教育局管理员重新设置。"
WRONG_CURRENT = "当前密码不正确，密码没有修改。"
LOCKED = "登录失败次数过多，已暂时锁定，请约 15 分钟后再试。忘记密码请联系县教育局管理员重新设置。"
TOWNSHIP, SCHOOL = "410527102", "2410527001"
ID_LIKE = re.compile(r"[0-9]{6}[0-9*]{8}[0-9]{3}[0-9Xx*]")


@pytest.fixture
def store_url(small_county, monkeypatch, tmp_path):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(small_county.warehouse))
    monkeypatch.setenv("KCBX_CASEWORK_DB", str(tmp_path / "casework.sqlite"))
    monkeypatch.setenv("KCBX_LOGIN_MAX_FAILURES", "3")
    monkeypatch.delenv("KCBX_USERS_FILE", raising=False)  # the shipped demo users
    st.cache_resource.clear()  # the throttle and the store of another test
    yield f"sqlite:///{tmp_path / 'casework.sqlite'}"
    st.cache_resource.clear()


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """The functions behind the download buttons (file id → function), to run them as a click
    in the browser does: Streamlit calls them only when the file is asked for."""
    made: dict = {}
    real = MediaFileManager.add_deferred

    def add(self, data_callable, *args, **kwargs):
        file_id = real(self, data_callable, *args, **kwargs)
        made[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add)
    return made


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def log_out(at: AppTest) -> AppTest:
    return at.sidebar.button[0].click().run()


def change(at: AppTest, current: str, new: str, repeat: str | None = None) -> AppTest:
    at.text_input(key="password_current").input(current)
    at.text_input(key="password_new").input(new)
    at.text_input(key="password_repeat").input(new if repeat is None else repeat)
    return next(b for b in at.button if b.label == "修改密码").click().run()


def signed_in(username: str, password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    log_in(at, username, password)
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["user"].username == username
    return at


def access_log(url: str) -> list[tuple]:
    """(user, action, role, township, school, what), oldest first."""
    log = Store(url).access_log()
    log = log.astype(object).where(log.notna(), None)
    rows = log[["username", "action", "role", "township_code", "school_code", "what"]].values.tolist()
    return [tuple(r) for r in reversed(rows)]


def test_a_wrong_current_password_is_refused_and_counts_toward_the_lockout(store_url):
    at = signed_in("jingdian", "kcbx-township")
    at.switch_page("views/password.py").run()
    assert at.title[0].value == "修改密码"
    for _ in range(2):
        assert [e.value for e in change(at, "guess-1234", "new-password-1").error] == [WRONG_CURRENT]
    assert [e.value for e in change(at, "guess-1234", "new-password-1").error] == [LOCKED]
    # now even the right current password is refused, and so is the log-in
    assert [e.value for e in change(at, "kcbx-township", "new-password-1").error] == [LOCKED]
    log_out(at)
    assert [e.value for e in log_in(at, "jingdian", "kcbx-township").error] == [LOCKED]
    assert "user" not in at.session_state
    town = ("township", TOWNSHIP, None)
    assert access_log(store_url) == [
        ("jingdian", "login", *town, None),
        ("jingdian", "password_failed", *town, None),
        ("jingdian", "password_failed", *town, None),
        ("jingdian", "password_failed", *town, "已锁定"),
        ("jingdian", "locked", *town, "修改密码"),
        ("jingdian", "logout", *town, None),
        ("jingdian", "locked", None, None, None, "登录"),
    ]
    assert Store(store_url).password_change("jingdian") is None


def test_a_changed_password_works_at_the_next_log_in_and_the_old_one_does_not(store_url):
    at = signed_in("fanyang01", "kcbx-school")
    at.switch_page("views/password.py").run()
    assert [e.value for e in change(at, "kcbx-school", "short").error] == ["新密码至少 8 个字符。"]
    assert [e.value for e in change(at, "kcbx-school", "fanyang01").error] == ["新密码不能与用户名相同。"]
    assert [e.value for e in change(at, "kcbx-school", "new-pass-1", "new-pass-2").error] == [
        "两次输入的新密码不一致。"
    ]
    done = change(at, "kcbx-school", "学校新密码-2026")
    assert not done.error and [s.value for s in done.success] == ["密码已修改，下次登录请使用新密码。"]
    log_out(at)
    assert [e.value for e in log_in(at, "fanyang01", "kcbx-school").error] == [WRONG_LOGIN]
    log_in(at, "fanyang01", "学校新密码-2026")
    assert at.session_state["user"].school_code == SCHOOL
    actions = [(user, action) for user, action, *_ in access_log(store_url)]
    assert actions == [
        ("fanyang01", "login"),
        ("fanyang01", "password_changed"),
        ("fanyang01", "logout"),
        ("fanyang01", "login_failed"),
        ("fanyang01", "login"),
    ]
    # the other demo users keep their passwords
    assert signed_in("county", "kcbx-county").session_state["user"].role == "county"


def test_a_log_in_and_an_export_are_logged_with_scope_and_no_child_data(store_url, small_county, deferred):
    at = AppTest.from_file(APP, default_timeout=60).run()
    log_in(at, "nobody", "kcbx-township")  # a name that is no user is not written down as typed
    log_in(at, "jingdian", "kcbx-township")  # lands on 今日待办, whose workbook lists the open cases
    assert not at.exception, [e.message for e in at.exception]
    [button] = at.download_button
    content = deferred[button.proto.deferred_file_id]()  # the click
    sheet = load_workbook(io.BytesIO(content)).active
    exported = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    con = duckdb.connect(str(small_county.warehouse), read_only=True)
    try:
        children = con.execute(
            "select c.person_name, l.id_number, l.student_no from marts.ledger_age_eligible as l "
            "join marts.children as c on l.child_key = c.child_key where l.township_code = ?",
            [TOWNSHIP],
        ).fetchall()
    finally:
        con.close()
    identifiers = {v for row in children for v in row if v}
    assert exported & identifiers, "the workbook carries children's names and IDs: the check below means something"
    town = ("township", TOWNSHIP, None)
    assert access_log(store_url) == [
        ("（非用户名）", "login_failed", None, None, None, None),
        ("jingdian", "login", *town, None),
        ("jingdian", "export", *town, "今日待办 · 待办工作簿（.xlsx）"),
    ]
    logged = " ".join(str(v) for row in Store(store_url).access_log().itertuples() for v in row)
    assert not ID_LIKE.search(logged) and not [v for v in identifiers if v in logged]
    # the county reads the log on 数据质量; a township user does not see it
    county = signed_in("county", "kcbx-county")
    county.switch_page("views/quality.py").run()
    assert "看板访问记录" in [h.value for h in county.subheader]
    shown = next(df.value for df in county.dataframe if "操作" in df.value.columns)
    assert shown["操作"].tolist() == ["登录", "导出", "登录", "登录失败"]
    assert shown["内容"].tolist()[1] == "今日待办 · 待办工作簿（.xlsx）"
    township = signed_in("jingdian", "kcbx-township")
    township.switch_page("views/quality.py").run()
    assert "看板访问记录" not in [h.value for h in township.subheader]
