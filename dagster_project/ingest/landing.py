"""Land the files of one extract into ``raw.<extract>`` of the build warehouse, with lineage.

Loads are incremental: a file already loaded and unchanged (same name, size and modification
time, or same content) is not read again; a new file is appended; a file replaced under the same
name has its rows replaced (and ``raw.load_changes`` records that, so that dbt rebuilds what
derives from it in full). Loading the same files again changes nothing.

Only a complete delivery lands (``delivery.py``): a file still being written is waited for, a
file cut off or far smaller than its predecessor is refused, and a loaded file that disappears or
becomes unreadable stops the run instead of losing its rows; ``make forget`` deletes them.

Every landed file gets a delivery sequence number (``delivery_seq`` in ``raw.load_files``,
``_delivery_seq`` on its rows): higher means delivered later, whatever the file names, so that a
later delivery can correct an earlier one. Files landing in the same run are numbered in the
order they were written (modification time, then name); a file reloaded unchanged by a full
rebuild keeps its number.

Bookkeeping goes to ``raw.load_files`` (one row per file; ``accepted`` once a run that
validated it published; ``rows_blank``: lines without any value, skipped), ``raw.load_file_columns``
(header mapping) and ``raw.load_quarantine`` (rows that could not be parsed: file, row, column,
value, reason).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest import delivery
from dagster_project.ingest.readers import IngestError, ParsedFile, read_file
from dagster_project.ingest.specs import ExtractSpec, quote_ident

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{8})(?!\d)")

BOOKKEEPING_DDL = """
create schema if not exists raw;
create table if not exists raw.load_files (
    extract varchar, source_file varchar, file_hash varchar, encoding varchar, header_row integer,
    snapshot_date date, rows_loaded bigint, rows_quarantined bigint, loaded_at timestamp
);
create table if not exists raw.load_file_columns (
    extract varchar, source_file varchar, position integer, source_header varchar, canonical_header varchar
);
create table if not exists raw.load_quarantine (
    extract varchar, source_file varchar, row_number bigint, column_name varchar, value varchar,
    reason varchar, loaded_at timestamp
);
create table if not exists raw.load_changes (
    extract varchar, source_file varchar, change varchar, changed_at timestamp, rebuilt boolean
);
-- columns added later; the bookkeeping lives on in the build warehouse from run to run
alter table raw.load_files add column if not exists file_size bigint;
alter table raw.load_files add column if not exists file_mtime_ns bigint;
alter table raw.load_files add column if not exists accepted boolean;
alter table raw.load_files add column if not exists delivery_seq bigint;
alter table raw.load_files add column if not exists rows_blank bigint;
alter table raw.load_changes add column if not exists file_hash varchar;
"""


@dataclass
class LandingSummary:
    extract: str
    files: list[str]  # files read and loaded by this run (new or replaced)
    rows: int
    quarantined: int
    unchanged: int = 0  # files already loaded, not read again
    blank: int = 0  # lines without any value, skipped

    def describe(self) -> str:
        blank = f", {self.blank:,} blank lines skipped" if self.blank else ""
        return (
            f"{self.extract}: {self.rows:,} rows from {len(self.files)} new or changed files "
            f"({self.unchanged} unchanged), {self.quarantined} rows quarantined{blank}"
        )


@dataclass(frozen=True)
class _Loaded:
    file_hash: str
    size: int | None
    mtime_ns: int | None
    snapshot_date: date | None


def list_files(raw_dir: Path, spec: ExtractSpec) -> list[Path]:
    """The extract's files that can be read (see ``delivery.extract_entries`` for all of them)."""
    return [p for p in delivery.extract_entries(raw_dir, spec) if p.is_file()]


def snapshot_date(path: Path) -> date:
    m = _DATE_IN_NAME.search(path.stem)
    if m:
        try:
            return datetime.strptime(m.group(1), "%Y%m%d").date()
        except ValueError:
            pass
    raise IngestError(
        path.name,
        "快照文件名中没有8位数字的截至日期",
        "请按「学籍_20251015.xlsx」的样式重命名文件后重新放入",
    )


def _raw_ddl(spec: ExtractSpec) -> list[str]:
    cols = ", ".join(f"{quote_ident(h)} varchar" for h in spec.headers)
    return [
        f"create table if not exists raw.{spec.name} ({cols}, _extra varchar, _source_file varchar, "
        "_row_number bigint, _file_hash varchar, _snapshot_date date, _loaded_at timestamp, _delivery_seq bigint)",
        f"alter table raw.{spec.name} add column if not exists _delivery_seq bigint",
        # a header added to the alias seed later
        *(f"alter table raw.{spec.name} add column if not exists {quote_ident(h)} varchar" for h in spec.headers),
    ]


def _number_earlier_deliveries(con: duckdb.DuckDBPyConnection, spec: ExtractSpec) -> None:
    """Files landed before delivery numbers existed get them now, in landing order."""
    if not con.execute(
        "select count(*) from raw.load_files where extract = ? and delivery_seq is null", [spec.name]
    ).fetchone()[0]:
        return
    con.execute(
        """
        update raw.load_files as files set delivery_seq = numbered.seq
        from (
            select source_file,
                (select coalesce(max(delivery_seq), 0) from raw.load_files)
                + row_number() over (order by loaded_at, file_mtime_ns, source_file) as seq
            from raw.load_files where extract = ? and delivery_seq is null
        ) as numbered
        where files.extract = ? and files.source_file = numbered.source_file
        """,
        [spec.name, spec.name],
    )
    for ddl in _raw_ddl(spec):
        con.execute(ddl)
    con.execute(
        f"update raw.{spec.name} as r set _delivery_seq = files.delivery_seq from raw.load_files as files "
        "where files.extract = ? and files.source_file = r._source_file and r._delivery_seq is null",
        [spec.name],
    )


def _read_complete(
    path: Path, spec: ExtractSpec, rules: delivery.DeliveryRules, log: Callable[[str], None]
) -> tuple[ParsedFile, os.stat_result]:
    """Read a file once it has settled, and again if it changed while it was read."""
    deadline = time.time() + rules.max_wait_seconds
    while True:
        st = delivery.await_settled(path, rules, lambda m: log(f"{spec.name}: {m}"), deadline)
        try:
            p = read_file(path, spec)
        except IngestError:
            if delivery.changed_since(path, st) and time.time() < deadline:
                continue  # cut off because it was still being written: wait for it
            raise
        if not delivery.changed_since(path, st):
            return p, st
        if time.time() >= deadline:
            raise delivery.still_changing(path, rules)
        log(f"{spec.name}: {path.name} changed while it was read; reading it again once it settles")


def land_extract(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    raw_dir: Path,
    loaded_at: datetime,
    log: Callable[[str], None] = print,
    full: bool = False,
    rules: delivery.DeliveryRules | None = None,
) -> LandingSummary:
    """Land new and changed files; with ``full``, drop what was loaded and read every file."""
    rules = rules or delivery.DeliveryRules()
    con.execute(BOOKKEEPING_DDL)
    entries = {str(p.relative_to(raw_dir)): p for p in delivery.extract_entries(raw_dir, spec)}
    broken = {rel: why for rel, p in entries.items() if (why := delivery.unreadable(p))}
    files = [p for rel, p in entries.items() if rel not in broken]
    everything_loaded = [
        r[0] for r in con.execute("select source_file from raw.load_files where extract = ?", [spec.name]).fetchall()
    ]
    gone = {rel: broken.get(rel) for rel in everything_loaded if rel not in entries or rel in broken}
    if not files and not spec.optional:
        raise IngestError(
            f"{raw_dir / spec.folder}",
            f"没有找到{spec.title}文件（.csv 或 .xlsx）"
            + (f"，而已入库的 {len(gone)} 个文件（{'、'.join(list(gone)[:3])}）不见了或无法读取" if gone else ""),
            f"请把{spec.title}导出文件放入该目录，或设置 KCBX_RAW_DIR 指向正确的数据目录"
            + ("；如确需删除已入库文件的数据，运行 make forget FILE=<文件>" if gone else ""),
        )
    # a file named wrongly says so first (a snapshot renamed without its date is not "gone")
    snapshots = {p: snapshot_date(p) if spec.snapshot else None for p in files}
    if gone:
        raise delivery.missing_files_error(spec, raw_dir, gone)
    if broken:
        rel, why = next(iter(broken.items()))
        raise delivery.unreadable_new_error(rel, why)
    loaded = (
        {}
        if full
        else {
            r[0]: _Loaded(*r[1:])
            for r in con.execute(
                "select source_file, file_hash, file_size, file_mtime_ns, snapshot_date from raw.load_files "
                "where extract = ?",
                [spec.name],
            ).fetchall()
        }
    )
    # a full rebuild renumbers only what changed: an unchanged file keeps its delivery number
    previous_seq = dict(
        con.execute(
            "select source_file || '|' || file_hash, delivery_seq from raw.load_files where extract = ?", [spec.name]
        ).fetchall()
    )
    _number_earlier_deliveries(con, spec)
    next_seq = con.execute("select coalesce(max(delivery_seq), 0) + 1 from raw.load_files").fetchone()[0]
    loaded_hashes = {v.file_hash for v in loaded.values()}
    latest_loaded = max((v.snapshot_date for v in loaded.values() if v.snapshot_date), default=None)
    parsed: list[tuple[str, ParsedFile, date | None, os.stat_result]] = []
    touched: list[tuple[str, os.stat_result]] = []  # same content, new modification time
    for path in files:
        rel, st = str(path.relative_to(raw_dir)), path.stat()
        prev = loaded.get(rel)
        if prev and (prev.size, prev.mtime_ns) == (st.st_size, st.st_mtime_ns):
            continue
        snap = snapshots[path]
        p, st = _read_complete(path, spec, rules, log)
        if prev and prev.file_hash == p.sha256:
            touched.append((rel, st))
            continue
        if snap and latest_loaded and p.sha256 not in loaded_hashes and snap < latest_loaded and not prev:
            raise IngestError(
                path.name,
                f"新到快照的截至日期 {snap} 早于已入库的最新快照 {latest_loaded}",
                "请核对文件名中的日期；如确需补入历史快照，请运行全量重建（make rebuild）",
            )
        if f"{rel}|{p.sha256}" not in previous_seq:  # what was loaded before passed these checks then
            delivery.check_not_shrunk(con, spec, rel, p, snap, rel in everything_loaded, rules)
        parsed.append((rel, p, snap, st))
        blank = f", {p.blank_rows:,} blank lines skipped" if p.blank_rows else ""
        log(
            f"{spec.name}: read {path.name} ({p.table.num_rows:,} rows, {p.encoding}, "
            f"header on row {p.header_row}{blank})"
        )

    parsed.sort(key=lambda item: (item[3].st_mtime_ns, item[0]))
    replaced = [rel for rel, _, _, _ in parsed if rel in loaded]
    con.execute("begin transaction")
    try:
        if full:
            con.execute(f"drop table if exists raw.{spec.name}")
            for table in ("load_files", "load_file_columns", "load_quarantine"):
                con.execute(f"delete from raw.{table} where extract = ?", [spec.name])
        for ddl in _raw_ddl(spec):
            con.execute(ddl)
        for rel in replaced:
            delete_file_rows(con, spec.name, rel)
            con.execute(
                "insert into raw.load_changes (extract, source_file, change, changed_at, rebuilt) "
                "values (?, ?, 'replaced', ?, false)",
                [spec.name, rel, loaded_at],
            )
        for rel, st in touched:
            con.execute(
                "update raw.load_files set file_size = ?, file_mtime_ns = ? where extract = ? and source_file = ?",
                [st.st_size, st.st_mtime_ns, spec.name, rel],
            )
        rows = quarantined = 0
        for rel, p, snap, st in parsed:
            seq = previous_seq.get(f"{rel}|{p.sha256}") if full else None
            if seq is None:
                seq, next_seq = next_seq, next_seq + 1
            con.register("batch", p.table)
            present_headers = [h for h in spec.headers if h in p.table.column_names]
            select = ", ".join(quote_ident(h) for h in present_headers)
            con.execute(
                f"insert into raw.{spec.name} ({select}{', ' if select else ''}_row_number, _extra, "
                "_source_file, _file_hash, _snapshot_date, _loaded_at, _delivery_seq) "
                f"select {select}{', ' if select else ''}_row_number, _extra, ?, ?, ?, ?, ? from batch",
                [rel, p.sha256, snap, loaded_at, seq],
            )
            con.unregister("batch")
            con.executemany(
                "insert into raw.load_file_columns values (?, ?, ?, ?, ?)",
                [
                    [spec.name, rel, i + 1, s, c]
                    for i, (s, c) in enumerate(zip(p.source_headers, p.canonical, strict=True))
                ],
            )
            if p.bad_rows:
                con.executemany(
                    "insert into raw.load_quarantine values (?, ?, ?, ?, ?, ?, ?)",
                    [[spec.name, rel, b.row, b.column, b.value, b.reason, loaded_at] for b in p.bad_rows],
                )
            con.execute(
                "insert into raw.load_files (extract, source_file, file_hash, encoding, header_row, snapshot_date, "
                "rows_loaded, rows_quarantined, loaded_at, file_size, file_mtime_ns, accepted, delivery_seq, rows_blank) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?, ?)",
                [
                    spec.name,
                    rel,
                    p.sha256,
                    p.encoding,
                    p.header_row,
                    snap,
                    p.table.num_rows,
                    len(p.bad_rows),
                    loaded_at,
                    st.st_size,
                    st.st_mtime_ns,
                    seq,
                    p.blank_rows,
                ],
            )
            rows += p.table.num_rows
            quarantined += len(p.bad_rows)
        con.execute("commit")
    except Exception:
        # the first error is the one to report (a rollback after a failed write may fail too)
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return LandingSummary(
        spec.name,
        [p.path.name for _, p, _, _ in parsed],
        rows,
        quarantined,
        unchanged=len(files) - len(parsed),
        blank=sum(p.blank_rows for _, p, _, _ in parsed),
    )


def delete_file_rows(con: duckdb.DuckDBPyConnection, extract: str, source_file: str) -> int:
    """Delete one file's rows and bookkeeping (the caller records why in raw.load_changes)."""
    n = con.execute(
        f"select count(*) from raw.{quote_ident(extract)} where _source_file = ?", [source_file]
    ).fetchone()[0]
    con.execute(f"delete from raw.{quote_ident(extract)} where _source_file = ?", [source_file])
    for table in ("load_files", "load_file_columns", "load_quarantine"):
        con.execute(f"delete from raw.{table} where extract = ? and source_file = ?", [extract, source_file])
    return n
