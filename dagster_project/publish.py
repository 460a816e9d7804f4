"""Write-audit-publish: copy a checked build warehouse over the published file atomically.

Readers (dashboards, analysts) only ever open the published file, read-only and briefly. The
run writes a separate build file, so no reader can block it; the published file is replaced by
``os.replace`` (atomic on POSIX), so a reader sees either the old or the new warehouse, never
a half-written one. A failed or killed run never reaches this step and leaves it as it was.

Exactly once: the run's row in ``meta.publish_log`` and the files' ``accepted`` marks are written
into the copy before it replaces the published file (one atomic step for readers), and into the
build warehouse only after the replace. A publish that fails (disk full, read-only folder) or is
killed therefore records nothing; its temporary copy is removed at once or by the next run. If a
run is killed between the replace and recording it in the build, the next publish takes the
record over from the published file, so no publish is lost from the log either.

On Spark (KCBX_ENGINE=spark) the marts are also published as Parquet, one file per mart, for
readers of a province's lake: in a folder of their own per run, which a link beside the
warehouse (``<name>_marts``) is switched to right after the warehouse is replaced (both atomic;
a run killed between the two leaves the link one publish behind until the next run).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.failures import AGAIN, storage_message
from dagster_project.ingest.specs import has_table, quote_ident

# the schemas of the published warehouse its readers rely on (the marts, and the audit tables the
# quality page shows; a Spark build hands them back to the DuckDB build warehouse); the rest of
# the build is published with them, as built
PUBLISHED_SCHEMAS = ("marts", "audit")
REQUIRED_MARTS = ("out_of_school", "dropout_watch", "ledger_age_eligible", "monthly_report")
SPACE_MARGIN = 1.05  # the copy needs the build's size, and a little for the log row

_LOG_DDL = """
create schema if not exists meta;
create table if not exists meta.publish_log (
    run_id varchar, published_at timestamp, as_of_date date, out_of_school bigint, dropout_watch bigint
);
-- columns added later; the log lives on in the build warehouse from run to run
alter table meta.publish_log add column if not exists data_docs varchar;
comment on table meta.publish_log is '每次发布一行：运行编号、发布时间、比对截至日期、主要计数和本次数据质量报告（Data Docs）';
create table if not exists meta.check_results (
    run_id varchar, suite varchar, expectations integer, failed_critical integer, failed_warning integer
);
alter table meta.check_results add column if not exists not_evaluated integer;
comment on table meta.check_results is '每次发布的每个数据质量检查套件（含 dbt 数据测试）一行：本次评估的期望数、严重失败数、警告数、本次未评估数（详见 Data Docs）';
"""
_LOG_COLUMNS = "run_id, published_at, as_of_date, out_of_school, dropout_watch, data_docs"
_CHECK_COLUMNS = ("run_id", "suite", "expectations", "failed_critical", "failed_warning", "not_evaluated")


class PublishError(Exception):
    """Publishing failed; the published warehouse is as it was. The message says why and what to do."""


@dataclass(frozen=True)
class Published:
    path: Path
    as_of_date: str
    out_of_school: int
    dropout_watch: int
    size_bytes: int
    parquet: Path | None = None  # the marts as Parquet (engine spark): a link to this run's folder


@dataclass(frozen=True)
class _Record:
    log: list  # the publish_log row
    checks: list[list]  # meta.check_results rows


def check_results(data_docs: Path) -> dict[str, dict[str, int]]:
    """The run's suite outcomes, as the checks recorded them beside the Data Docs (suite → counts)."""
    index = data_docs / "index.json"
    return json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}


def temporary_copy(target: Path, run_id: str) -> Path:
    return target.with_name(f".{target.name}.{run_id}.tmp")


def remove_leftovers(target: Path) -> list[Path]:
    """Temporary copies a failed or killed publish left beside the published file (one run
    writes at a time, under the build lock, so none of them is in use)."""
    if not target.parent.is_dir():
        return []
    gone = []
    for pattern in (f".{target.name}.*.tmp", f".{target.name}.*.tmp.wal"):
        for path in target.parent.glob(pattern):
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone


def parquet_link(target: Path) -> Path:
    """Where the marts are published as Parquet (engine spark): a link to the latest run's folder."""
    return target.with_name(f"{target.stem}_marts")


def _prune_parquet(target: Path) -> None:
    """Every run's Parquet folder but the one the link points to (older runs, killed runs)."""
    link = parquet_link(target)
    current = os.readlink(link) if link.is_symlink() else None
    for folder in target.parent.glob(f".{link.name}.*"):
        if folder.name != current:
            if folder.is_symlink() or folder.is_file():
                folder.unlink()
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _write_parquet(build_db: Path, folder: Path) -> None:
    """Every mart of the build warehouse as folder/<mart>.parquet."""
    folder.mkdir(parents=True)
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            con.table(f"marts.{quote_ident(table)}").write_parquet(str(folder / f"{table}.parquet"))
    finally:
        con.close()


def _switch_link(link: Path, folder: Path, run_id: str) -> None:
    new = link.with_name(f".{link.name}.{run_id}.link")
    new.unlink(missing_ok=True)
    os.symlink(folder.name, new)
    os.replace(new, link)


def _record(con: duckdb.DuckDBPyConnection, record: _Record) -> None:
    """The publish in the log, and every file validated so far marked accepted: later runs
    validate only newer files."""
    con.execute(_LOG_DDL)
    con.execute("begin transaction")
    con.execute(f"insert into meta.publish_log ({_LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?)", record.log)
    if record.checks:
        con.executemany(
            f"insert into meta.check_results ({', '.join(_CHECK_COLUMNS)}) values (?, ?, ?, ?, ?, ?)", record.checks
        )
    con.execute("update raw.load_files set accepted = true where not coalesce(accepted, false)")
    con.execute("commit")
    con.execute("checkpoint")


def _take_over_published_records(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Publishes the build does not know of (a run killed right after its replace): their log
    rows and accepted marks come from the published file."""
    if not target.exists():
        return
    try:
        published = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return  # not a warehouse we can read: it is replaced below in any case
    try:
        if not has_table(published, "meta", "publish_log"):
            return
        logs = published.execute(f"select {_LOG_COLUMNS} from meta.publish_log").fetchall()
        present = {
            r[0]
            for r in published.execute(
                "select column_name from information_schema.columns where table_schema = 'meta' and table_name = 'check_results'"
            ).fetchall()
        }
        check_columns = [c for c in _CHECK_COLUMNS if c in present]  # a file published before a column was added
        checks = published.execute(f"select {', '.join(check_columns)} from meta.check_results").fetchall()
        accepted = published.execute("select source_file, file_hash from raw.load_files where accepted").fetchall()
    finally:
        published.close()
    known = {r[0] for r in con.execute("select run_id from meta.publish_log").fetchall()}
    missing = [row for row in logs if row[0] not in known]
    if not missing:
        return
    runs = {row[0] for row in missing}
    con.execute("begin transaction")
    con.executemany(f"insert into meta.publish_log ({_LOG_COLUMNS}) values (?, ?, ?, ?, ?, ?)", missing)
    rows = [list(c) for c in checks if c[0] in runs]
    if rows:
        marks = ", ".join("?" for _ in check_columns)
        con.executemany(f"insert into meta.check_results ({', '.join(check_columns)}) values ({marks})", rows)
    if accepted:
        con.executemany(
            "update raw.load_files set accepted = true where source_file = ? and file_hash = ?",
            [list(a) for a in accepted],
        )
    con.execute("commit")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _failed(error: BaseException, folder: Path) -> PublishError:
    known = storage_message(error, path=folder, settings={"KCBX_WAREHOUSE": folder})
    reason = known or f"{type(error).__name__}: {error}。请检查发布目录 {folder}，{AGAIN}"
    return PublishError(f"发布失败，已发布的仓库保持不变：{reason}")


def publish(build_db: Path, target: Path, run_id: str, data_docs: Path, parquet: bool = False) -> Published:
    """``parquet``: the marts as Parquet too (engine spark)."""
    remove_leftovers(target)
    con = duckdb.connect(str(build_db))
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [m for m in REQUIRED_MARTS if m not in present]
        if missing:
            raise PublishError(
                f"构建库 {build_db} 缺少数据集市 {'、'.join(missing)}，不能发布：请运行整个夜间作业（make pipeline），不要只运行其中一部分"
            )
        as_of = con.execute("select max(as_of_date) from marts.ledger_age_eligible").fetchone()[0]
        n_oos = con.execute("select count(*) from marts.out_of_school").fetchone()[0]
        n_watch = con.execute("select count(*) from marts.dropout_watch").fetchone()[0]
        con.execute(_LOG_DDL)
        _take_over_published_records(con, target)
        con.execute("checkpoint")
    finally:
        con.close()
    record = _Record(
        [run_id, datetime.now(), as_of, n_oos, n_watch, str(data_docs / "index.html")],
        [
            [run_id, s, r["expectations"], r["critical"], r["warning"], r.get("not_evaluated", 0)]
            for s, r in check_results(data_docs).items()
        ],
    )
    folder = target.parent
    tmp = temporary_copy(target, run_id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        needed = build_db.stat().st_size * SPACE_MARGIN
        if shutil.disk_usage(folder).free < needed:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder))
        shutil.copyfile(build_db, tmp)
        copy = duckdb.connect(str(tmp))
        try:
            _record(copy, record)
        finally:
            copy.close()
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        # the copy opens, and holds this run's record, before it becomes visible
        check = duckdb.connect(str(tmp), read_only=True)
        try:
            logged = check.execute("select count(*) from meta.publish_log where run_id = ?", [run_id]).fetchone()[0]
        finally:
            check.close()
        if logged != 1:
            raise PublishError(f"发布失败，已发布的仓库保持不变：临时副本 {tmp} 中没有本次运行的发布记录。{AGAIN}")
        if parquet:
            _prune_parquet(target)
            marts = folder / f".{parquet_link(target).name}.{run_id}"
            _write_parquet(tmp, marts)
        os.replace(tmp, target)
        if parquet:
            _switch_link(parquet_link(target), marts, run_id)
            _prune_parquet(target)
        _fsync_dir(folder)
    except (OSError, duckdb.Error) as e:
        remove_leftovers(target)
        raise _failed(e, folder) from e
    except BaseException:
        remove_leftovers(target)
        raise
    con = duckdb.connect(str(build_db))
    try:
        _record(con, record)
    finally:
        con.close()
    return Published(
        target, str(as_of), n_oos, n_watch, target.stat().st_size, parquet_link(target) if parquet else None
    )
