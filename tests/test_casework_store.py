"""The case-work store, the same tests on SQLite (WAL) and on a real PostgreSQL server
(tests/postgres.py starts Debian's; skipped, saying so, only where PostgreSQL is not installed)."""

from __future__ import annotations

import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from casework.store import (
    Action,
    Actor,
    AlreadyCorrected,
    CaseRef,
    EntryError,
    OutOfScope,
    Store,
    existing_store_state,
)
from tests.postgres import PostgresMissing, postgres_server

TOWN, OTHER_TOWN, SCHOOL = "410527102", "410527104", "2410527005"
CASE = CaseRef("7K3MQ-9XDT4", "410527201511020842", "G410527201511020842", TOWN, SCHOOL, date(2025, 9, 1))
OTHER_CASE = CaseRef("AB12C-DE34F", "410527201607070017", None, OTHER_TOWN, None, date(2025, 9, 1))
TOWNSHIP = Actor("jingdian", "township", township_code=TOWN)
SCHOOL_USER = Actor("school5", "school", school_code=SCHOOL)
COUNTY = Actor("county", "county")
TODAY = date(2025, 12, 1)
WRITERS, ENTRIES_EACH = 20, 25


def attempt(day: int, **extra) -> Action:
    return Action(date(2025, 9, day), extra.pop("action", "劝返"), extra.pop("person", "张老师"), **extra)


@pytest.fixture(scope="module")
def postgres():
    try:
        with postgres_server() as url:
            yield url
    except PostgresMissing as e:
        pytest.skip(str(e))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'casework.sqlite'}"
        return
    server = request.getfixturevalue("postgres")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"create database {name}")
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"drop database {name} with (force)")
        admin.dispose()


def test_the_schema_is_created_on_first_use_and_migrated_once(store_url):
    assert existing_store_state(store_url) is None  # looking does not create it
    store = Store(store_url)
    assert store.revision() == "0002"
    again = Store(store_url)  # a second process starting later: nothing to do
    assert again.revision() == "0002"
    assert existing_store_state(store_url) == (0, 0, None)


def test_an_entry_is_read_back_at_once_stamped_with_user_and_time(store_url):
    store = Store(store_url)
    entry = store.record(TOWNSHIP, CASE, attempt(3, result="承诺返校", notes="电话联系母亲"), today=TODAY)
    store.record(TOWNSHIP, CASE, attempt(5, action="联合劝返", departments=("司法", " 公安 ", "")), today=TODAY)
    timeline = store.case_entries(CASE.case_id)
    assert timeline["entry_id"].tolist()[0] == entry
    first = timeline.iloc[0]
    assert (first["action"], first["person"], first["result"], first["notes"]) == (
        "劝返",
        "张老师",
        "承诺返校",
        "电话联系母亲",
    )
    assert (first["entered_by"], first["entered_role"], first["township_code"]) == ("jingdian", "township", TOWN)
    assert first["entered_at"] is not None
    assert timeline.iloc[1]["departments"] == "司法、公安"
    assert store.state()[:2] == (2, int(timeline["entry_id"].max()))
    assert store.case_entries(OTHER_CASE.case_id).empty


def test_scope_is_enforced_on_write(store_url):
    store = Store(store_url)
    with pytest.raises(OutOfScope, match="不在您的管理范围内"):
        store.record(TOWNSHIP, OTHER_CASE, attempt(3), today=TODAY)
    with pytest.raises(OutOfScope):
        store.record(Actor("other", "school", school_code="2410527999"), CASE, attempt(3), today=TODAY)
    with pytest.raises(OutOfScope):  # an out-of-school child belongs to no school
        store.record(SCHOOL_USER, OTHER_CASE, attempt(3), today=TODAY)
    store.record(SCHOOL_USER, CASE, attempt(3), today=TODAY)
    store.record(COUNTY, OTHER_CASE, attempt(3), today=TODAY)
    assert store.state()[0] == 2


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (attempt(3, action="打电话"), "不在规定的措施类型中"),
        (attempt(3, person="  "), "请填写责任人"),
        (attempt(3, result="还行"), "不在规定的结果中"),
        (attempt(3, cause="不想上学"), "不在规定的原因中"),
        (attempt(3, action="联合劝返"), "请填写参与部门"),
        (Action(date(2025, 12, 2), "劝返", "张老师"), "晚于今天"),
        (Action(date(2025, 8, 31), "劝返", "张老师"), "早于本案件开始的日期"),
    ],
)
def test_a_bad_entry_is_refused_with_what_is_wrong(store_url, action, message):
    store = Store(store_url)
    with pytest.raises(EntryError, match=message):
        store.record(TOWNSHIP, CASE, action, today=TODAY)
    assert store.state()[0] == 0


def test_a_correction_supersedes_and_both_stay_on_file(store_url):
    store = Store(store_url)
    wrong = store.record(TOWNSHIP, CASE, attempt(3), today=TODAY)
    fixed = store.correct(TOWNSHIP, CASE, wrong, attempt(4, result="拒绝"), today=TODAY)
    with pytest.raises(AlreadyCorrected, match="已被更正或撤回"):
        store.correct(COUNTY, CASE, wrong, attempt(5), today=TODAY)
    with pytest.raises(OutOfScope):
        store.correct(Actor("other", "township", township_code=OTHER_TOWN), CASE, fixed, attempt(6), today=TODAY)
    with pytest.raises(EntryError, match="没有第"):
        store.correct(COUNTY, OTHER_CASE, fixed, attempt(6), today=TODAY)
    gone = store.withdraw(TOWNSHIP, CASE, fixed, today=TODAY)
    timeline = store.case_entries(CASE.case_id).set_index("entry_id")
    assert timeline.loc[wrong, "superseded_by"] == fixed
    assert timeline.loc[fixed, "superseded_by"] == gone
    assert bool(timeline.loc[gone, "withdrawn"]) and timeline.loc[gone, "action_date"] == date(2025, 9, 4)
    assert len(timeline) == 3


def test_nothing_recorded_can_be_changed_or_removed(store_url):
    store = Store(store_url)
    store.record(TOWNSHIP, CASE, attempt(3), today=TODAY)
    engine = sa.create_engine(store_url)
    for statement in ("update case_entries set person = 'x'", "delete from case_entries"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    engine.dispose()
    assert store.export()["person"].tolist() == ["张老师"]


def _write_many(url: str, writer: int) -> list[int]:
    store = Store(url)  # every process migrates on first use, all at once on a new store
    actor = Actor(f"user{writer}", "county")
    ids = [
        store.record(actor, CASE, attempt(1 + k % 28, notes=f"{writer}/{k}"), today=TODAY) for k in range(ENTRIES_EACH)
    ]
    store.dispose()
    return ids


def test_many_sessions_write_at_once_and_nothing_is_lost(store_url):
    with ProcessPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(_write_many, store_url, w) for w in range(WRITERS)]
        reader = None
        while not all(f.done() for f in futures):  # the nightly run reads while they write
            reader = reader or Store(store_url)
            snapshot = reader.export()
            assert snapshot["entry_id"].is_unique
        ids = [i for f in futures for i in f.result()]
    exported = Store(store_url).export()
    assert len(ids) == len(set(ids)) == WRITERS * ENTRIES_EACH
    assert sorted(exported["entry_id"]) == sorted(ids)  # entries lost: 0
    assert set(exported["notes"]) == {f"{w}/{k}" for w in range(WRITERS) for k in range(ENTRIES_EACH)}


def test_uploads_are_noted_once(store_url):
    store = Store(store_url)
    store.record_upload(TOWNSHIP, "上传_jingdian_20251201.xlsx", "ab" * 32, 12)
    with pytest.raises(EntryError, match="已经上传过"):
        store.record_upload(TOWNSHIP, "上传_jingdian_20251202.xlsx", "ab" * 32, 12)
    assert store.uploads()[["file_name", "uploaded_by", "township_code"]].values.tolist() == [
        ["上传_jingdian_20251201.xlsx", "jingdian", TOWN]
    ]
