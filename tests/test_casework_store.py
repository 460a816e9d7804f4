"""The case-work store, the same tests on SQLite (WAL) and on a real PostgreSQL server
(tests/postgres.py starts Debian's; skipped, saying so, only where PostgreSQL is not installed)."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from casework.store import (
    MIGRATIONS,
    Access,
    Action,
    Actor,
    AlreadyCorrected,
    CaseRef,
    EntryError,
    OutOfScope,
    PasswordChange,
    Store,
    entries,
    existing_store_state,
)
from dashboards import users
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


def test_a_store_of_the_first_schema_is_migrated_keeping_its_entries(store_url):
    database = sa.make_url(store_url).database
    if store_url.startswith("sqlite"):
        Path(database).parent.mkdir(parents=True)
    engine = sa.create_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:  # a store made before passwords and the access log existed
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            entries.insert().values(
                case_id=CASE.case_id,
                action_date=date(2025, 9, 3),
                action="劝返",
                person="张老师",
                withdrawn=False,
                entered_by="jingdian",
                entered_role="township",
                entered_at=datetime(2025, 9, 3, 8, 0),
            )
        )
    engine.dispose()
    store = Store(store_url)
    assert store.revision() == "0002"
    store.log_access(Access("jingdian", "login", "township", TOWN))
    assert store.export()["person"].tolist() == ["张老师"]
    assert store.access_log()["username"].tolist() == ["jingdian"]


def _users_file(path, password_hash: str):
    path.write_text(
        f'[users.jingdian]\nrole = "township"\ntownship_code = "{TOWN}"\npassword_hash = "{password_hash}"\n',
        encoding="utf-8",
    )
    return path


def test_a_changed_password_counts_until_the_administrator_sets_a_new_one(store_url, tmp_path):
    store = Store(store_url)
    path = _users_file(tmp_path / "users.toml", users.hash_password("kcbx-township"))
    assert not users.change_password("jingdian", "wrong-current", "changed-pass-1", store, path)
    assert store.password_change("jingdian") is None  # nothing recorded for a wrong current password
    assert users.change_password("jingdian", "kcbx-township", "changed-pass-1", store, path)
    assert users.authenticate("jingdian", "kcbx-township", path, store) is None
    assert users.authenticate("jingdian", "changed-pass-1", path, store).township_code == TOWN
    assert users.authenticate("jingdian", "changed-pass-1", path) is None  # the file alone does not know it
    assert users.change_password("jingdian", "changed-pass-1", "changed-pass-2", store, path)  # the newest counts
    assert users.authenticate("jingdian", "changed-pass-1", path, store) is None
    assert users.authenticate("jingdian", "changed-pass-2", path, store) is not None
    stored = store.password_change("jingdian")
    assert stored.password_hash.startswith("pbkdf2_sha256$") and "changed-pass-2" not in stored.password_hash
    # a forgotten password: the administrator writes a new hash into the users file, and it counts
    _users_file(path, users.hash_password("reset-by-admin"))
    assert users.authenticate("jingdian", "changed-pass-2", path, store) is None
    assert users.authenticate("jingdian", "reset-by-admin", path, store) is not None
    # a user taken out of the file cannot log in, whatever was changed
    path.write_text("[users]\n", encoding="utf-8")
    assert users.authenticate("jingdian", "reset-by-admin", path, store) is None


def test_an_unknown_name_costs_the_same_as_a_user_with_a_changed_password(store_url, tmp_path, monkeypatch):
    """The store is asked and one PBKDF2 hash of the same strength is checked, for a name that
    is no user as for one that changed its password: the time tells nothing."""
    store = Store(store_url)
    path = _users_file(tmp_path / "users.toml", users.hash_password("kcbx-township"))
    users.change_password("jingdian", "kcbx-township", "changed-pass-1", store, path)
    users.authenticate("nobody", "x", path, store)  # the first call makes the stand-in hash
    asked, hashed = [], []
    monkeypatch.setattr(
        store, "password_change", lambda name, real=store.password_change: asked.append(name) or real(name)
    )
    real_hash = hashlib.pbkdf2_hmac
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *a: hashed.append(a[3]) or real_hash(*a))
    assert users.authenticate("jingdian", "wrong password", path, store) is None
    assert users.authenticate("nobody-by-this-name", "wrong password", path, store) is None
    assert asked == ["jingdian", "nobody-by-this-name"]
    assert hashed == [users.ITERATIONS, users.ITERATIONS]


def test_the_access_log_reads_newest_first_and_cannot_be_changed(store_url):
    store = Store(store_url)
    store.log_access(Access("county", "login", "county", address="10.0.0.7"))
    store.log_access(Access("jingdian", "export", "township", TOWN, what="名单 · 失学辍学名单（.xlsx）"))
    store.log_access(Access("fanyang01", "logout", "school", school_code=SCHOOL))
    log = store.access_log(limit=2)
    log = log.astype(object).where(log.notna(), None)
    assert log[["username", "action", "role", "township_code", "school_code"]].values.tolist() == [
        ["fanyang01", "logout", "school", None, SCHOOL],
        ["jingdian", "export", "township", TOWN, None],
    ]
    assert log["what"].tolist() == [None, "名单 · 失学辍学名单（.xlsx）"]
    assert log["logged_at"].notna().all()
    store.change_password("county", PasswordChange("h", "f"))
    engine = sa.create_engine(store_url)
    for statement in (
        "update access_log set username = 'x'",
        "delete from access_log",
        "update password_changes set username = 'x'",
        "delete from password_changes",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    engine.dispose()
    assert len(store.access_log()) == 3
    assert store.password_change("county") == PasswordChange("h", "f")
