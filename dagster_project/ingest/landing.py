"""Land every file of one extract into ``raw.<extract>`` of the build warehouse, with lineage.

Each load replaces the extract's raw table from all files present, so loading the same files
again gives the same table. Bookkeeping goes to ``raw.load_files`` (one row per file),
``raw.load_file_columns`` (header mapping) and ``raw.load_quarantine`` (rows that could not be
parsed: file, row, column, value, reason).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
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
"""


@dataclass
class LandingSummary:
    extract: str
    files: list[str]
    rows: int
    quarantined: int


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


def _raw_ddl(spec: ExtractSpec) -> str:
    cols = ", ".join(f"{quote_ident(h)} varchar" for h in spec.headers)
    return (
        f"create or replace table raw.{spec.name} ({cols}, _extra varchar, _source_file varchar, "
        "_row_number bigint, _file_hash varchar, _snapshot_date date, _loaded_at timestamp)"
    )


def land_extract(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    raw_dir: Path,
    loaded_at: datetime,
    log: Callable[[str], None] = print,
) -> LandingSummary:
    files = list_files(raw_dir, spec)
    if not files and not spec.optional:
        raise IngestError(
            f"{raw_dir / spec.folder}",
            f"没有找到{spec.title}文件（.csv 或 .xlsx）",
            f"请把{spec.title}导出文件放入该目录，或设置 KCBX_RAW_DIR 指向正确的数据目录",
        )
    con.execute(BOOKKEEPING_DDL)
    loaded = dict(
        con.execute("select file_hash, snapshot_date from raw.load_files where extract = ?", [spec.name]).fetchall()
    )
    latest_loaded = max((d for d in loaded.values() if d), default=None)
    parsed: list[tuple[ParsedFile, date | None]] = []
    for path in files:
        snap = snapshot_date(path) if spec.snapshot else None
        p = read_file(path, spec)
        if snap and latest_loaded and p.sha256 not in loaded and snap < latest_loaded:
            raise IngestError(
                path.name,
                f"新到快照的截至日期 {snap} 早于已入库的最新快照 {latest_loaded}",
                "请核对文件名中的日期；如确需补入历史快照，请删除 data/build 后重新运行全量构建",
            )
        parsed.append((p, snap))
        log(f"{spec.name}: read {path.name} ({p.table.num_rows:,} rows, {p.encoding}, header on row {p.header_row})")

    con.execute("begin transaction")
    try:
        con.execute(_raw_ddl(spec))
        for table in ("load_files", "load_file_columns", "load_quarantine"):
            con.execute(f"delete from raw.{table} where extract = ?", [spec.name])
        rows = quarantined = 0
        for p, snap in parsed:
            rel = str(p.path.relative_to(raw_dir))
            con.register("batch", p.table)
            present = [h for h in spec.headers if h in p.table.column_names]
            select = ", ".join(quote_ident(h) for h in present)
            con.execute(
                f"insert into raw.{spec.name} ({select}{', ' if select else ''}_row_number, _extra, "
                "_source_file, _file_hash, _snapshot_date, _loaded_at) "
                f"select {select}{', ' if select else ''}_row_number, _extra, ?, ?, ?, ? from batch",
                [rel, p.sha256, snap, loaded_at],
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
                "insert into raw.load_files values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ],
            )
            rows += p.table.num_rows
            quarantined += len(p.bad_rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LandingSummary(spec.name, [p.path.name for p, _ in parsed], rows, quarantined)
