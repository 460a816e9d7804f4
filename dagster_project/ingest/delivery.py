"""Is a delivery complete? The rules the landing applies before a file's rows count.

A file still being written is waited for (it must be unchanged for the settle time, and unchanged
while it is read); a file cut off mid-row or an xlsx that does not open whole is refused by the
readers; a delivery far smaller than its predecessor is refused here, naming both files. A file
that was loaded and is now gone or unreadable is a finding, never a deletion: deleting its rows
takes ``make forget`` (see ``decisions.py``), and loading a delivery known to be smaller takes
``make accept``; both are recorded in ``raw.load_changes``.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.compute as pc

from dagster_project.ingest.readers import IngestError, ParsedFile
from dagster_project.ingest.specs import ExtractSpec, quote_ident

EXTENSIONS = (".csv", ".xlsx")
ATTENDANCE_DATE = "考勤日期"
MONTH_DATES = 5  # an attendance file with at least this many dates is compared per date with history
HISTORY_FILES = 3  # ... with the rows per date of the latest loaded attendance files
ACCEPTED_SMALLER = "accepted_smaller"  # raw.load_changes.change of `make accept`


@dataclass(frozen=True)
class DeliveryRules:
    settle_seconds: float = 60  # a file must be unchanged this long before it is read
    max_wait_seconds: float = 600  # a file still changing after this long is refused
    shrink_tolerance: float = 0.2  # a delivery with fewer than (1 - this) × its predecessor's rows is refused


def is_extract_name(spec: ExtractSpec, name: str) -> bool:
    lower = name.lower()
    return (
        lower.endswith(EXTENSIONS)
        and not name.startswith(("~$", "."))
        and (not spec.stems or lower.startswith(spec.stems))
    )


def extract_entries(raw_dir: Path, spec: ExtractSpec) -> list[Path]:
    """Every entry of the extract's folder named like one of its files, readable or not (a
    dangling link, a file without read permission)."""
    folder = raw_dir / spec.folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if is_extract_name(spec, p.name) and not p.is_dir())


def unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, in words for the user; None when it can."""
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        try:
            path.stat()
        except FileNotFoundError:
            return f"它是一个链接，指向的 {target} 不存在"
        except OSError as e:
            return f"它是一个链接，指向的 {target} 无法访问（{e.strerror}）"
    try:
        st = path.stat()
    except OSError as e:
        return f"无法访问（{e.strerror}）"
    if not stat.S_ISREG(st.st_mode):
        return "它不是普通文件"
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as e:
        return f"无法读取（{e.strerror}）"
    return None


def missing_files_error(spec: ExtractSpec, raw_dir: Path, gone: dict[str, str | None]) -> IngestError:
    """Loaded files that are no longer there (reason None) or no longer readable: a finding."""
    rel, why = next(iter(gone.items()))
    others = [r for r in gone if r != rel]
    also = (
        f"（另有 {len(others)} 个已入库的文件同样不见了或无法读取：{'、'.join(others[:3])}{'等' if len(others) > 3 else ''}）"
        if others
        else ""
    )
    if why is None:
        problem = f"已入库的{spec.title}文件不见了{also}。文件消失不会删除它已入库的数据"
        fix = f"请把文件放回 {raw_dir / spec.folder} 后重新运行（make pipeline）；如确需删除它的数据，运行 make forget FILE={rel}"
    else:
        problem = f"已入库的{spec.title}文件无法读取：{why}{also}。无法读取不会删除它已入库的数据"
        fix = (
            "请恢复该文件后重新运行（make pipeline）；如确需删除它的数据，先把它移出目录，"
            f"再运行 make forget FILE={rel}"
        )
    return IngestError(rel, problem, fix)


def unreadable_new_error(rel: str, why: str) -> IngestError:
    return IngestError(
        rel,
        f"新放入的文件无法读取：{why}",
        "请放入完整的文件本身（不要放失效的链接或没有读取权限的文件）后重新运行（make pipeline）",
    )


def still_changing(path: Path, rules: DeliveryRules) -> IngestError:
    return IngestError(
        path.name,
        f"文件在等待的 {rules.max_wait_seconds:.0f} 秒内一直在变化，可能仍在复制或写入",
        "请等复制完成后重新运行（make pipeline）；新文件传感器会在文件稳定后自动启动运行",
    )


def await_settled(
    path: Path,
    rules: DeliveryRules,
    log: Callable[[str], None],
    deadline: float,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> os.stat_result:
    """Wait until ``path`` has been unchanged for the settle time: last modified that long ago,
    or seen with the same size and modification time for that long (a copy that keeps an old or
    future modification time). Refuses the file when it is still changing at ``deadline``."""
    seen, since = None, now()
    while True:
        st = path.stat()
        t = now()
        if (st.st_size, st.st_mtime_ns) != seen:
            seen, since = (st.st_size, st.st_mtime_ns), t
        quiet = max(t - st.st_mtime, t - since)
        if quiet >= rules.settle_seconds:
            return st
        if t >= deadline:
            raise still_changing(path, rules)
        wait = max(min(rules.settle_seconds - quiet, deadline - t), 0.2)
        log(f"{path.name}: modified {t - st.st_mtime:.0f} s ago, perhaps still being copied; waiting {wait:.0f} s")
        sleep(wait)


def changed_since(path: Path, st: os.stat_result) -> bool:
    try:
        now = path.stat()
    except OSError:
        return True
    return (now.st_size, now.st_mtime_ns) != (st.st_size, st.st_mtime_ns)


def data_rows(p: ParsedFile) -> int:
    """Rows of the file that hold data: loaded or quarantined (blank lines are neither)."""
    return p.table.num_rows + len(p.bad_rows)


def _accepted_smaller(con: duckdb.DuckDBPyConnection, spec: ExtractSpec, rel: str, sha: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from raw.load_changes where extract = ? and source_file = ? and change = ? and file_hash = ?",
            [spec.name, rel, ACCEPTED_SMALLER, sha],
        ).fetchone()[0]
    )


def _predecessor(
    con: duckdb.DuckDBPyConnection, spec: ExtractSpec, rel: str, snapshot, replaced: bool
) -> tuple[str, int] | None:
    """The delivery this one follows: the file's own previous version when it replaces one,
    else, for a snapshot, the latest loaded snapshot not after it."""
    if replaced:
        row = con.execute(
            "select source_file, rows_loaded + rows_quarantined from raw.load_files where extract = ? and source_file = ?",
            [spec.name, rel],
        ).fetchone()
        return (row[0], int(row[1])) if row else None
    if snapshot is None:
        return None
    row = con.execute(
        """
        select source_file, rows_loaded + rows_quarantined from raw.load_files
        where extract = ? and snapshot_date <= ? and source_file != ?
        order by snapshot_date desc, delivery_seq desc limit 1
        """,
        [spec.name, snapshot, rel],
    ).fetchone()
    return (row[0], int(row[1])) if row else None


def _rows_per_date(p: ParsedFile) -> tuple[int, float] | None:
    """(dates in the file, median rows per date) of an attendance file."""
    if ATTENDANCE_DATE not in p.table.column_names or not p.table.num_rows:
        return None
    counts = pc.value_counts(p.table.column(ATTENDANCE_DATE)).field("counts").to_numpy()
    return len(counts), float(np.median(counts))


def _history_rows_per_date(con: duckdb.DuckDBPyConnection, spec: ExtractSpec, rel: str) -> tuple[float, str] | None:
    latest = [
        r[0]
        for r in con.execute(
            "select source_file from raw.load_files where extract = ? and source_file != ? "
            "order by delivery_seq desc limit ?",
            [spec.name, rel, HISTORY_FILES],
        ).fetchall()
    ]
    if not latest:
        return None
    date = quote_ident(ATTENDANCE_DATE)
    median = con.execute(
        f"""
        select median(n) from (
            select count(*) as n from raw.{quote_ident(spec.name)}
            where _source_file in (select unnest(?)) and coalesce({date}, '') != ''
            group by _source_file, {date}
        )
        """,
        [latest],
    ).fetchone()[0]
    return (float(median), "、".join(latest)) if median else None


def check_not_shrunk(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractSpec,
    rel: str,
    p: ParsedFile,
    snapshot,
    replaced: bool,
    rules: DeliveryRules,
) -> None:
    """Refuse a delivery far smaller than what it follows: a snapshot against the previous
    snapshot, a file against its own previous version, a month of attendance per date against
    the latest attendance files. ``make accept`` lets one known-smaller file through."""
    floor = 1 - rules.shrink_tolerance
    rows = data_rows(p)
    previous = _predecessor(con, spec, rel, snapshot, replaced)
    if previous and rows < floor * previous[1] and not _accepted_smaller(con, spec, rel, p.sha256):
        what = "这份快照" if snapshot is not None else "这个文件"
        before = "它替换的上一版本" if replaced else f"上一份（{previous[0]}）"
        raise IngestError(
            rel,
            f"{what}只有 {rows:,} 行数据，比{before}的 {previous[1]:,} 行少了 {1 - rows / previous[1]:.0%}，"
            "可能导出不全或复制未完成",
            "请与源系统导出的行数核对，或重新导出、重新复制后重新运行（make pipeline）；"
            f"如确认数据本来就是这样（如学校撤并），运行 make accept FILE={rel} 后重新运行",
        )
    if spec.name != "attendance" or replaced:
        return
    per_date = _rows_per_date(p)
    if per_date is None or per_date[0] < MONTH_DATES:
        return
    history = _history_rows_per_date(con, spec, rel)
    if history and per_date[1] < floor * history[0] and not _accepted_smaller(con, spec, rel, p.sha256):
        raise IngestError(
            rel,
            f"这份考勤平均每个上学日只有 {per_date[1]:,.0f} 行，此前的考勤（{history[1]}）每个上学日约 "
            f"{history[0]:,.0f} 行，少了 {1 - per_date[1] / history[0]:.0%}，可能漏了乡镇或学校、导出不全或复制未完成",
            "请与源系统核对该月考勤是否完整，补全后重新运行（make pipeline）；"
            f"如确认数据本来就是这样，运行 make accept FILE={rel} 后重新运行",
        )
