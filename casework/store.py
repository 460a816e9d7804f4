"""The operational store: what schools, townships and the county record about each case.

Entries live in their own database, never in the published DuckDB file (which the nightly run
replaces and which allows one writer): an SQLite file in WAL mode by default
(``KCBX_CASEWORK_DB``, default ``data/casework.sqlite``), or PostgreSQL by URL
(``postgresql+psycopg://user@host/db``), through SQLAlchemy. The schema is created and migrated
by Alembic (``casework/migrations``) on first use.

Entries are append-only: the database refuses UPDATE and DELETE (triggers), and a correction is
a new entry that supersedes the old one (``supersedes``; an entry is superseded at most once,
so two people correcting the same entry at once cannot both succeed), optionally withdrawing it.
Each entry is stamped with the user, the user's role and the time (UTC).

Scope is enforced here, on write as the dashboard enforces it on read: a school user records
only for cases of its school, a township user for cases of its township.

The dashboard keeps two more append-only tables here: ``password_changes`` (the hash of a
password a user changed in the dashboard; the newest counts) and ``access_log`` (every log-in,
log-out, expired session, password change and export: user, time in UTC, action, scope and what,
never a child's data).

SQLite: many dashboard sessions may write at once (each write takes the write lock at the start
of its transaction, ``BEGIN IMMEDIATE``, and waits up to 30 s for it), and the nightly run reads
a consistent snapshot without blocking them (WAL).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from casework import config
from casework.vocabulary import vocabulary

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
MAX_NOTES = 2000
DEPARTMENT_SEPARATOR = "、"
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

metadata = sa.MetaData()
# The schema as the code reads and writes it; Alembic migrations create and change it.
entries = sa.Table(
    "case_entries",
    metadata,
    sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(16), nullable=False),
    sa.Column("id_number", sa.String(18)),
    sa.Column("student_no", sa.String(32)),
    sa.Column("township_code", sa.String(12)),
    sa.Column("school_code", sa.String(12)),
    sa.Column("action_date", sa.Date, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("person", sa.String(50), nullable=False),
    sa.Column("departments", sa.String(200)),
    sa.Column("result", sa.String(20)),
    sa.Column("cause", sa.String(20)),
    sa.Column("notes", sa.Text),
    sa.Column("supersedes", sa.Integer, sa.ForeignKey("case_entries.entry_id"), unique=True),
    sa.Column("withdrawn", sa.Boolean, nullable=False),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("entered_role", sa.String(16), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
)
uploads = sa.Table(
    "workbook_uploads",
    metadata,
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.String(200), nullable=False, unique=True),
    sa.Column("file_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_role", sa.String(16), nullable=False),
    sa.Column("township_code", sa.String(12)),
    sa.Column("school_code", sa.String(12)),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
)

password_changes = sa.Table(
    "password_changes",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("replaces", sa.String(64), nullable=False),  # fingerprint of the users file's hash it overrides
    sa.Column("changed_at", sa.DateTime, nullable=False),
)
access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("log_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("logged_at", sa.DateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("role", sa.String(16)),
    sa.Column("township_code", sa.String(12)),
    sa.Column("school_code", sa.String(12)),
    sa.Column("address", sa.String(64)),
    sa.Column("what", sa.String(200)),
)


@dataclass(frozen=True)
class PasswordChange:
    password_hash: str
    replaces: str


@dataclass(frozen=True)
class Access:
    """One line of the access log (no personal values: the user, the scope and what was done)."""

    username: str
    action: str
    role: str | None = None
    township_code: str | None = None
    school_code: str | None = None
    address: str | None = None
    what: str | None = None


class EntryError(ValueError):
    """An entry that cannot be recorded; the message (Chinese) says why and what to do."""


class OutOfScope(PermissionError):
    """The user may not record for this case."""


class AlreadyCorrected(EntryError):
    """The entry was corrected already (perhaps a moment ago, by someone else)."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str  # county | township | school
    township_code: str | None = None
    school_code: str | None = None

    def may_write(self, township_code: str | None, school_code: str | None) -> bool:
        if self.role == "county":
            return True
        if self.role == "township":
            return township_code is not None and township_code == self.township_code
        return school_code is not None and school_code == self.school_code


@dataclass(frozen=True)
class CaseRef:
    """A case as the published warehouse shows it to the user (looked up within the user's scope)."""

    case_id: str
    id_number: str | None
    student_no: str | None
    township_code: str | None
    school_code: str | None
    starts_on: date | None = None  # no action of the case is dated before this


@dataclass(frozen=True)
class Action:
    action_date: date
    action: str
    person: str
    departments: tuple[str, ...] = field(default_factory=tuple)
    result: str | None = None
    cause: str | None = None
    notes: str | None = None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def validate(action: Action, case: CaseRef, today: date) -> Action:
    """The action with blanks removed, or EntryError saying what is wrong."""
    words = vocabulary()
    person = _clean(action.person)
    departments = tuple(d for d in (_clean(x) for x in action.departments) if d)
    result, cause, notes = _clean(action.result), _clean(action.cause), _clean(action.notes)
    if action.action not in words.actions:
        raise EntryError(f"措施「{action.action}」不在规定的措施类型中，请从列表中选择")
    if not person:
        raise EntryError("请填写责任人（经办人）")
    if len(person) > 50:
        raise EntryError("责任人不超过50个字")
    if result is not None and result not in words.results:
        raise EntryError(f"结果「{result}」不在规定的结果中，请从列表中选择")
    if cause is not None and cause not in words.causes:
        raise EntryError(f"辍学原因「{cause}」不在规定的原因中，请从列表中选择")
    if any(DEPARTMENT_SEPARATOR in d or len(d) > 20 for d in departments):
        raise EntryError("参与部门请逐个填写，每个不超过20个字")
    if action.action == "联合劝返" and not departments:
        raise EntryError("联合劝返请填写参与部门（如 司法、人社、公安）")
    if notes is not None and len(notes) > MAX_NOTES:
        raise EntryError(f"备注不超过{MAX_NOTES}个字")
    if action.action_date > today:
        raise EntryError(f"措施日期 {action.action_date} 晚于今天，不能预先登记")
    if case.starts_on is not None and action.action_date < case.starts_on:
        raise EntryError(f"措施日期 {action.action_date} 早于本案件开始的日期 {case.starts_on}，请核对日期或案件")
    return Action(action.action_date, action.action, person, departments, result, cause, notes)


def _sqlite_engine(url: str, write: bool) -> sa.Engine:
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("pragma journal_mode = wal")
        cursor.execute("pragma synchronous = full")
        cursor.execute("pragma foreign_keys = on")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        # a writer takes the write lock up front, so it waits its turn instead of failing later
        conn.exec_driver_sql("begin immediate" if write else "begin")

    return engine


class Store:
    """The case-work store at ``url`` (default: ``casework.config.store_url()``), migrated on first use."""

    def __init__(self, url: str | None = None):
        self.url = url or config.store_url()
        if self.url.startswith("sqlite"):
            self._read, self._write = _sqlite_engine(self.url, False), _sqlite_engine(self.url, True)
        else:
            self._read = self._write = sa.create_engine(self.url, pool_pre_ping=True)
        self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (concurrent first uses wait for each other)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._write.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("select pg_advisory_xact_lock(20251201)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        with self._read.connect() as conn:
            return conn.exec_driver_sql("select version_num from alembic_version").scalar()

    def dispose(self) -> None:
        self._read.dispose()
        self._write.dispose()

    @contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        with self._write.begin() as conn:
            yield conn

    def record(self, actor: Actor, case: CaseRef, action: Action, today: date | None = None) -> int:
        """Append one entry for ``case``; its id. OutOfScope or EntryError when it may not be recorded."""
        return self._insert(actor, case, action, today, supersedes=None, withdrawn=False)

    def correct(self, actor: Actor, case: CaseRef, entry_id: int, action: Action, today: date | None = None) -> int:
        """A new entry superseding ``entry_id`` with corrected values; its id."""
        self._entry_of(case, entry_id)
        return self._insert(actor, case, action, today, supersedes=entry_id, withdrawn=False)

    def withdraw(self, actor: Actor, case: CaseRef, entry_id: int, today: date | None = None) -> int:
        """A new entry withdrawing ``entry_id`` (recorded in error; its values stay on file); its id."""
        old = self._entry_of(case, entry_id)
        departments = tuple(old["departments"].split(DEPARTMENT_SEPARATOR)) if old["departments"] else ()
        action = Action(
            old["action_date"], old["action"], old["person"], departments, old["result"], old["cause"], old["notes"]
        )
        return self._insert(actor, case, action, today, supersedes=entry_id, withdrawn=True)

    def _entry_of(self, case: CaseRef, entry_id: int) -> sa.RowMapping:
        with self._read.connect() as conn:
            old = conn.execute(sa.select(entries).where(entries.c.entry_id == entry_id)).mappings().first()
        if old is None or old["case_id"] != case.case_id:
            raise EntryError(f"案件 {case.case_id} 没有第 {entry_id} 号记录")
        return old

    def _insert(
        self,
        actor: Actor,
        case: CaseRef,
        action: Action,
        today: date | None,
        supersedes: int | None,
        withdrawn: bool,
    ) -> int:
        if not actor.may_write(case.township_code, case.school_code):
            raise OutOfScope(f"案件 {case.case_id} 不在您的管理范围内，不能登记")
        clean = validate(action, case, today or local_today())
        row = {
            "case_id": case.case_id,
            "id_number": case.id_number,
            "student_no": case.student_no,
            "township_code": case.township_code,
            "school_code": case.school_code,
            "action_date": clean.action_date,
            "action": clean.action,
            "person": clean.person,
            "departments": DEPARTMENT_SEPARATOR.join(clean.departments) or None,
            "result": clean.result,
            "cause": clean.cause,
            "notes": clean.notes,
            "supersedes": supersedes,
            "withdrawn": withdrawn,
            "entered_by": actor.username,
            "entered_role": actor.role,
            "entered_at": datetime.now(UTC).replace(tzinfo=None),
        }
        try:
            with self._writing() as conn:
                return conn.execute(entries.insert().values(**row).returning(entries.c.entry_id)).scalar_one()
        except sa.exc.IntegrityError as e:
            if supersedes is not None:
                raise AlreadyCorrected(f"第 {supersedes} 号记录已被更正或撤回，请刷新后查看最新记录") from e
            raise

    def case_entries(self, case_id: str) -> pd.DataFrame:
        """Every entry of one case, oldest first, with ``superseded_by`` (the timeline shows them all)."""
        newer = entries.alias("newer")
        query = (
            sa.select(entries, newer.c.entry_id.label("superseded_by"))
            .outerjoin(newer, newer.c.supersedes == entries.c.entry_id)
            .where(entries.c.case_id == case_id)
            .order_by(entries.c.action_date, entries.c.entry_id)
        )
        with self._read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        df = pd.DataFrame(rows, columns=[*entries.c.keys(), "superseded_by"])
        return df.astype({"superseded_by": "Int64", "supersedes": "Int64"})

    def export(self) -> pd.DataFrame:
        """Every entry, in the order they were made (for the nightly landing)."""
        with self._read.connect() as conn:
            rows = conn.execute(sa.select(entries).order_by(entries.c.entry_id)).mappings().all()
        return pd.DataFrame(rows, columns=list(entries.c.keys()))

    def state(self) -> tuple[int, int, datetime | None]:
        """(entries, the newest entry's id, its time): changes whenever an entry is made."""
        with self._read.connect() as conn:
            n, last, newest = conn.execute(
                sa.select(sa.func.count(), sa.func.max(entries.c.entry_id), sa.func.max(entries.c.entered_at))
            ).one()
        return int(n), int(last or 0), newest

    def record_upload(
        self, actor: Actor, file_name: str, file_hash: str, rows: int, uploaded_at: datetime | None = None
    ) -> int:
        """Note who uploaded a workbook (the night's landing checks its rows against that scope)."""
        row = {
            "file_name": file_name,
            "file_hash": file_hash,
            "rows": rows,
            "uploaded_by": actor.username,
            "uploaded_role": actor.role,
            "township_code": actor.township_code,
            "school_code": actor.school_code,
            "uploaded_at": uploaded_at or datetime.now(UTC).replace(tzinfo=None),
        }
        try:
            with self._writing() as conn:
                return conn.execute(uploads.insert().values(**row).returning(uploads.c.upload_id)).scalar_one()
        except sa.exc.IntegrityError as e:
            raise EntryError("这个工作簿已经上传过（内容完全相同），不会重复登记") from e

    def uploads(self) -> pd.DataFrame:
        with self._read.connect() as conn:
            rows = conn.execute(sa.select(uploads).order_by(uploads.c.upload_id)).mappings().all()
        return pd.DataFrame(rows, columns=list(uploads.c.keys()))

    def password_change(self, username: str) -> PasswordChange | None:
        """The newest password ``username`` changed in the dashboard (None if never)."""
        query = (
            sa.select(password_changes.c.password_hash, password_changes.c.replaces)
            .where(password_changes.c.username == username)
            .order_by(password_changes.c.change_id.desc())
            .limit(1)
        )
        with self._read.connect() as conn:
            found = conn.execute(query).first()
        return None if found is None else PasswordChange(found.password_hash, found.replaces)

    def change_password(self, username: str, change: PasswordChange, changed_at: datetime | None = None) -> None:
        row = {
            "username": username,
            "password_hash": change.password_hash,
            "replaces": change.replaces,
            "changed_at": changed_at or datetime.now(UTC).replace(tzinfo=None),
        }
        with self._writing() as conn:
            conn.execute(password_changes.insert().values(**row))

    def log_access(self, access: Access, logged_at: datetime | None = None) -> None:
        row = {
            "logged_at": logged_at or datetime.now(UTC).replace(tzinfo=None),
            "username": access.username[:64],
            "action": access.action,
            "role": access.role,
            "township_code": access.township_code,
            "school_code": access.school_code,
            "address": (access.address or "")[:64] or None,
            "what": (access.what or "")[:200] or None,
        }
        with self._writing() as conn:
            conn.execute(access_log.insert().values(**row))

    def access_log(self, limit: int = 1000) -> pd.DataFrame:
        """The newest ``limit`` lines of the access log, newest first (time in UTC)."""
        query = sa.select(access_log).order_by(access_log.c.log_id.desc()).limit(limit)
        with self._read.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(rows, columns=list(access_log.c.keys()))


def existing_store_state(url: str | None = None) -> tuple[int, int, datetime | None] | None:
    """The store's state without creating it (None when there is no store yet): for the sensor."""
    url = url or config.store_url()
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if not database or not Path(database).exists():
            return None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("case_entries"):
                return None
            n, last, newest = conn.execute(
                sa.select(sa.func.count(), sa.func.max(entries.c.entry_id), sa.func.max(entries.c.entered_at))
            ).one()
        return int(n), int(last or 0), newest
    finally:
        engine.dispose()


def local_today() -> date:
    """Today where the county works (an action dated later is refused)."""
    return datetime.now(LOCAL_TIME).date()


def as_folder_entry(url: str | None = None) -> tuple[str, int, int] | None:
    """The store as the new-file sensor sees a file: (name, entries, the newest entry's time in
    nanoseconds since the epoch); None while there is no store or no entry."""
    state = existing_store_state(url)
    if not state or not state[0]:
        return None
    n, last, newest = state
    return ("看板录入", n * 1_000_003 + last, int(newest.replace(tzinfo=UTC).timestamp() * 1e9))
