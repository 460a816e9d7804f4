"""Land the files of one extract into ``raw.<extract>`` of the build warehouse, with lineage.

Loads are incremental and keep ``raw.<extract>`` equal to the folder's content: a file already
loaded and unchanged (same name, size and modification time, or same content) is not read
again; a new file is appended; a file replaced under the same name, or removed, has its rows
replaced or deleted (and ``raw.load_changes`` records that, so that dbt rebuilds what derives
from it in full). Loading the same files again changes nothing.

Every landed file gets a delivery sequence number (``delivery_seq`` in ``raw.load_files``,
``_delivery_seq`` on its rows): higher means delivered later, whatever the file names, so that a
later delivery can correct an earlier one. Files landing in the same run are numbered in the
order they were written (modification time, then name); a file reloaded unchanged by a full
rebuild keeps its number.

Bookkeeping goes to ``raw.load_files`` (one row per file; ``accepted`` once a run that
validated it published), ``raw.load_file_columns`` (header mapping) and ``raw.load_quarantine``
(rows that could not be parsed: file, row, column, value, reason).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.readers import IngestError, ParsedFile, read_file
from dagster_project.ingest.specs import ExtractSpec

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
"""


@dataclass
class LandingSummary:
    extract: str
    files: list[str]  # files read and loaded by this run (new or replaced)
    rows: int
    quarantined: int
    unchanged: int = 0  # files already loaded, not read again
    removed: list[str] = field(default_factory=list)  # files no longer in the folder: rows deleted

    def describe(self) -> str:
        removed = f", {len(self.removed)} removed" if self.removed else ""
        return (
            f"{self.extract}: {self.rows:,} rows from {len(self.files)} new or changed files "
            f"({self.unchanged} unchanged{removed}), {self.quarantined} rows quarantined"
        )


@dataclass(frozen=True)
class _Loaded:
    file_hash: str
    size: int | None
    mtime_ns: int | None
    snapshot_date: date | None


def list_files(raw_dir: Path, spec: ExtractSpec) -> list[Path]:
    folder = raw_dir / spec.folder
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith(("~$", "."))
    ]
    if spec.stems:
        files = [p for p in files if p.name.lower().startswith(spec.stems)]
    return sorted(files)


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


def quote_ident(name: str) -> str:
    """Quote an identifier from our own configuration (extract specs, suite files), never from
    file content: DuckDB cannot bind identifiers as parameters."""
    return '"' + name.replace('"', '""') + '"'


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


def land_extract(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    raw_dir: Path,
    loaded_at: datetime,
    log: Callable[[str], None] = print,
    full: bool = False,
) -> LandingSummary:
    """Land new and changed files; with ``full``, drop what was loaded and read every file."""
    files = list_files(raw_dir, spec)
    if not files and not spec.optional:
        raise IngestError(
            f"{raw_dir / spec.folder}",
            f"没有找到{spec.title}文件（.csv 或 .xlsx）",
            f"请把{spec.title}导出文件放入该目录，或设置 KCBX_RAW_DIR 指向正确的数据目录",
        )
    con.execute(BOOKKEEPING_DDL)
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
    present = {str(p.relative_to(raw_dir)) for p in files}
    removed = sorted(set(loaded) - present)
    parsed: list[tuple[str, ParsedFile, date | None, os.stat_result]] = []
    touched: list[tuple[str, os.stat_result]] = []  # same content, new modification time
    for path in files:
        rel, st = str(path.relative_to(raw_dir)), path.stat()
        prev = loaded.get(rel)
        if prev and (prev.size, prev.mtime_ns) == (st.st_size, st.st_mtime_ns):
            continue
        snap = snapshot_date(path) if spec.snapshot else None
        p = read_file(path, spec)
        if prev and prev.file_hash == p.sha256:
            touched.append((rel, st))
            continue
        if snap and latest_loaded and p.sha256 not in loaded_hashes and snap < latest_loaded and not prev:
            raise IngestError(
                path.name,
                f"新到快照的截至日期 {snap} 早于已入库的最新快照 {latest_loaded}",
                "请核对文件名中的日期；如确需补入历史快照，请运行全量重建（make rebuild）",
            )
        parsed.append((rel, p, snap, st))
        log(f"{spec.name}: read {path.name} ({p.table.num_rows:,} rows, {p.encoding}, header on row {p.header_row})")

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
        for rel in [*removed, *replaced]:
            con.execute(f"delete from raw.{spec.name} where _source_file = ?", [rel])
            for table in ("load_files", "load_file_columns", "load_quarantine"):
                con.execute(f"delete from raw.{table} where extract = ? and source_file = ?", [spec.name, rel])
            con.execute(
                "insert into raw.load_changes values (?, ?, ?, ?, false)",
                [spec.name, rel, "removed" if rel in removed else "replaced", loaded_at],
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
                "rows_loaded, rows_quarantined, loaded_at, file_size, file_mtime_ns, accepted, delivery_seq) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, false, ?)",
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
                ],
            )
            rows += p.table.num_rows
            quarantined += len(p.bad_rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LandingSummary(
        spec.name,
        [p.path.name for _, p, _, _ in parsed],
        rows,
        quarantined,
        unchanged=len(files) - len(parsed),
        removed=removed,
    )
