"""The explicit acts the landing never does by itself, recorded in ``raw.load_changes``:

    make forget FILE=attendance/考勤_202512.csv   # delete the rows of a file gone from the folder
    make accept FILE=student_status/学籍_20260215.csv  # load a delivery known to be much smaller

``forget`` deletes a loaded file's rows (and bookkeeping) from the build warehouse; the next run
rebuilds the models in full and publishes without them. The file must be out of the folder
first, so that the next run does not load it again. ``accept`` lets the file, with its present
content, through the check that refuses a delivery far smaller than its predecessor.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.config import Settings
from dagster_project.ingest.delivery import ACCEPTED_SMALLER, is_extract_name, unreadable
from dagster_project.ingest.landing import BOOKKEEPING_DDL, delete_file_rows
from dagster_project.ingest.readers import file_hash
from dagster_project.ingest.specs import EXTRACTS
from dagster_project.resources import BuildBusy, build_lock


class DecisionError(Exception):
    """The act cannot be done; the message says why and what to do instead."""


def _loaded_name(con: duckdb.DuckDBPyConnection, raw_dir: Path, given: str) -> tuple[str, str]:
    """(extract, source_file) of a loaded file named by its path under the raw folder, an
    absolute path, or its bare name when that is unique."""
    path = Path(given)
    if path.is_absolute():
        try:
            given = str(path.relative_to(raw_dir))
        except ValueError:
            given = path.name
    rows = con.execute(
        "select extract, source_file from raw.load_files where source_file = ? or ends_with(source_file, '/' || ?)",
        [given, given],
    ).fetchall()
    exact = [r for r in rows if r[1] == given]
    if exact or len(rows) == 1:
        return (exact or rows)[0]
    if rows:
        names = "、".join(r[1] for r in rows)
        raise DecisionError(f"有多个已入库文件叫 {given}（{names}）：请写出所在子目录，如 FILE={rows[0][1]}")
    raise DecisionError(
        f"没有已入库的文件叫 {given}。请按 raw.load_files.source_file 的写法给出，如 FILE=attendance/考勤_202512.csv"
    )


def forget(con: duckdb.DuckDBPyConnection, raw_dir: Path, given: str, when: datetime) -> str:
    con.execute(BOOKKEEPING_DDL)
    extract, source_file = _loaded_name(con, raw_dir, given)
    path = raw_dir / source_file
    if path.exists() or path.is_symlink():
        why = unreadable(path)
        state = f"它还在目录里（{why}）" if why else "它还在目录里，下一次运行会把它重新入库"
        raise DecisionError(
            f"{source_file}：{state}。请先把它移出 {path.parent}（或删除它），再运行 make forget FILE={source_file}"
        )
    con.execute("begin transaction")
    n = delete_file_rows(con, extract, source_file)
    con.execute(
        "insert into raw.load_changes (extract, source_file, change, changed_at, rebuilt) values (?, ?, 'forgotten', ?, false)",
        [extract, source_file, when],
    )
    con.execute("commit")
    return (
        f"已删除 {source_file} 的 {n:,} 行（raw.{extract}），记录在 raw.load_changes。"
        "下一次运行（make pipeline）会全量重建并发布不含这些数据的仓库。"
    )


def accept(con: duckdb.DuckDBPyConnection, raw_dir: Path, given: str, when: datetime) -> str:
    con.execute(BOOKKEEPING_DDL)
    path = Path(given) if Path(given).is_absolute() else raw_dir / given
    if not path.is_file():
        raise DecisionError(
            f"{given}：在 {raw_dir} 下找不到这个文件。请给出它在原始数据目录下的路径，如 FILE=student_status/学籍_20260215.csv"
        )
    source_file = str(path.relative_to(raw_dir))
    con.execute(
        "insert into raw.load_changes (extract, source_file, change, changed_at, rebuilt, file_hash) "
        "values (?, ?, ?, ?, true, ?)",
        [_extract_of(source_file), source_file, ACCEPTED_SMALLER, when, file_hash(path)],
    )
    return (
        f"已记录：{source_file} 按现在的内容入库，不再因为比上一份少很多而被拒绝。"
        "请重新运行（make pipeline）；文件再改动后需要重新确认。"
    )


def _extract_of(source_file: str) -> str:
    folder, name = source_file.split("/", 1)[0], Path(source_file).name
    for spec in EXTRACTS:
        if spec.folder == folder and is_extract_name(spec, name):
            return spec.name
    raise DecisionError(f"{source_file}：不是任何抽取的文件（目录或文件名不对）")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.ingest.decisions", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("act", choices=["forget", "accept"])
    parser.add_argument("file", help="the file's path under the raw folder, e.g. attendance/考勤_202512.csv")
    args = parser.parse_args(argv)
    if not args.file:
        print(f"请给出文件：make {args.act} FILE=<原始数据目录下的路径>", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if not settings.build_db.exists():
        print(f"构建库 {settings.build_db} 不存在：还没有任何文件入库。", file=sys.stderr)
        return 1
    act = forget if args.act == "forget" else accept
    try:
        with build_lock(settings.build_db):
            con = duckdb.connect(str(settings.build_db))
            try:
                print(act(con, settings.raw_dir, args.file, datetime.now()))
            finally:
                con.close()
    except (DecisionError, BuildBusy) as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
