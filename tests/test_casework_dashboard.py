"""The case-work pages for every role, run by AppTest against the warehouse the real pipeline
published: scope on read and on write, ID numbers masked, what is recorded shown at once."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.users import User
from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")
TOWNSHIP, SCHOOL = "410527102", "2410527001"
USERS = {
    "county": User("county", "县教育局", "county"),
    "township": User("jingdian", "井店镇中心校", "township", township_code=TOWNSHIP),
    "school": User("fanyang01", "繁阳街道中心小学", "school", school_code=SCHOOL),
}
FULL_ID = re.compile(r"^[0-9]{17}[0-9X]$")


@pytest.fixture
def app_env(small_county, monkeypatch, tmp_path):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(small_county.warehouse))
    monkeypatch.setenv("KCBX_RAW_DIR", str(tmp_path / "raw"))  # uploads, if any, land here
    shutil.copyfile(small_county.root / "casework.sqlite", tmp_path / "casework.sqlite")
    monkeypatch.setenv("KCBX_CASEWORK_DB", str(tmp_path / "casework.sqlite"))
    st.cache_resource.clear()  # the store of another test
    yield small_county
    st.cache_resource.clear()


def sql(county, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def page(path: str | None, user: User, case: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = user
    at.run()
    if path:
        at.switch_page(path)
        if case:
            at.query_params["case"] = case
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_ids(at: AppTest) -> list[str]:
    return [v for df in at.dataframe for v in df.value.get("身份证号", []) if v]


@pytest.mark.parametrize("role", list(USERS))
def test_todays_work_is_the_landing_page_of_every_role_and_in_scope(app_env, role):
    at = page(None, USERS[role])
    assert at.title[0].value == "今日待办"
    where = {
        "county": ("true", []),
        "township": ("township_code = ?", [TOWNSHIP]),
        "school": ("school_code = ?", [SCHOOL]),
    }
    condition, params = where[role]
    expected = sql(
        app_env,
        "select count(*) from marts.case_deadlines where status in ('due', 'overdue') and is_open and " + condition,
        params,
    )[0][0]
    metrics = {m.label: m.value for m in at.metric}
    assert sum(int(metrics[k].replace(",", "")) for k in ("已逾期", "今日到期", "未到期")) == expected
    if expected == 0:
        assert "没有到期或逾期" in at.success[0].value
        return
    listed = at.dataframe[-1].value if role == "school" else at.dataframe[1].value
    assert len(listed) == expected
    ids = listed["身份证号"].dropna()
    assert not ids.str.match(FULL_ID).any()  # masked: first 6, last 4
    if role == "county":
        per_town = at.dataframe[0].value  # counts per township add up to the list
        assert per_town[["已逾期", "今日到期", "未到期"]].to_numpy().sum() == expected


@pytest.mark.parametrize("role", list(USERS))
def test_effectiveness_page_renders_from_the_mart(app_env, role):
    at = page("views/casework.py", USERS[role])
    assert at.title[0].value == "劝返成效"
    assert not [v for v in shown_ids(at) if FULL_ID.match(v)]


def test_a_case_outside_the_scope_cannot_be_seen_nor_written(app_env):
    other = sql(app_env, "select case_id from marts.ledger_cases where township_code != ? limit 1", [TOWNSHIP])[0][0]
    at = page("views/case.py", USERS["township"], case=other)
    assert f"本范围内没有案件 {other}" in at.warning[0].value
    assert not at.button or all(b.label != "登记" for b in at.button)  # no form to record with


def test_what_is_recorded_shows_on_the_case_at_once(app_env):
    case_id = sql(
        app_env,
        "select case_id from marts.ledger_cases where township_code = ? and is_open order by opened_on limit 1",
        [TOWNSHIP],
    )[0][0]
    at = page("views/case.py", USERS["township"], case=case_id.lower())
    assert at.subheader[0].value.startswith(f"案件 {case_id}")
    shown = " ".join(m.value for m in at.markdown if "身份证号" in m.value)
    assert "身份证号" in shown and not re.search(r"[0-9]{17}[0-9X]", shown)

    def timeline(at: AppTest):
        return next((df.value for df in at.dataframe if "录入人" in df.value.columns), None)

    before = 0 if timeline(at) is None else len(timeline(at))
    at.text_input(key=f"new_{case_id}_person").input("测试老师")
    at.selectbox(key=f"new_{case_id}_result").select("承诺返校")
    at.button(key=f"FormSubmitter:record_{case_id}-登记").click().run()
    assert not at.exception and at.success[0].value.startswith("已登记（第")
    shown = timeline(at)
    assert len(shown) == before + 1
    row = shown[shown["责任人"] == "测试老师"].iloc[0]
    assert (row["措施"], row["结果"], row["录入人"], row["状态"]) == ("劝返", "承诺返校", "jingdian", "有效")


def test_a_county_user_with_full_id_sees_full_numbers(app_env):
    at = page(None, User("analyst", "分析", "county", full_id=True))
    ids = at.dataframe[1].value["身份证号"].dropna()
    assert len(ids) > 0 and ids.str.match(FULL_ID).all()
