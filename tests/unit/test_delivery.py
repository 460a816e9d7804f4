"""Delivery completeness: waiting for a file to settle, refusing what is cut off or gone, and the
explicit acts (forget, accept) that the landing never does by itself. On small files and a
temporary DuckDB; the corrupt-input catalogue runs the same code on a generated county."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.config import REPO_ROOT
from dagster_project.ingest import decisions
from dagster_project.ingest.delivery import DeliveryRules, await_settled, unreadable
from dagster_project.ingest.landing import land_extract
from dagster_project.ingest.readers import IngestError
from dagster_project.ingest.specs import load_specs

SPECS = load_specs(REPO_ROOT / "dbt")
HEADER = "考勤日期,学校标识码,全国学籍号,考勤状态,缺勤原因\n"


class Clock:
    """Time that passes only when the code under test sleeps."""

    def __init__(self, start: float):
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def _file(path: Path, text: str, age: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_a_settled_file_is_read_at_once(tmp_path):
    path = _file(tmp_path / "a.csv", HEADER, age=120)
    clock = Clock(time.time())
    await_settled(path, DeliveryRules(settle_seconds=60), print, clock.t + 600, clock.now, clock.sleep)
    assert clock.slept == []


def test_a_fresh_file_is_waited_for_until_it_has_settled(tmp_path):
    path = _file(tmp_path / "a.csv", HEADER, age=10)
    clock = Clock(time.time())
    logged: list[str] = []
    await_settled(path, DeliveryRules(settle_seconds=60), logged.append, clock.t + 600, clock.now, clock.sleep)
    assert 49 <= sum(clock.slept) <= 51
    assert logged and "perhaps still being copied" in logged[0]


def test_a_file_with_a_future_modification_time_settles_by_being_unchanged(tmp_path):
    # a copy that keeps the source's clock: its modification time says nothing, its stillness does
    path = _file(tmp_path / "a.csv", HEADER, age=-3600)
    clock = Clock(time.time())
    await_settled(path, DeliveryRules(settle_seconds=5), print, clock.t + 600, clock.now, clock.sleep)
    assert 5 <= sum(clock.slept) <= 6


def test_a_file_that_keeps_changing_is_refused_at_the_deadline(tmp_path):
    path = _file(tmp_path / "考勤_202602.csv", HEADER, age=0)
    clock = Clock(time.time())

    def grow(seconds: float) -> None:
        clock.sleep(seconds)
        with path.open("a", encoding="utf-8") as f:
            f.write("2026-02-02,2410527001,G1,出勤,\n")
        os.utime(path, (clock.t, clock.t))

    with pytest.raises(IngestError) as e:
        await_settled(path, DeliveryRules(settle_seconds=5, max_wait_seconds=30), print, clock.t + 30, clock.now, grow)
    assert str(e.value) == (
        "考勤_202602.csv: 文件在等待的 30 秒内一直在变化，可能仍在复制或写入。"
        "请等复制完成后重新运行（make pipeline）；新文件传感器会在文件稳定后自动启动运行"
    )


def test_a_file_growing_while_the_landing_reads_it_is_read_again_whole(tmp_path):
    """A real writer thread appends for a while; the landing (real clock, 1 s settle) loads the
    whole file once, not the part that existed when it first looked."""
    raw = tmp_path / "raw"
    path = _file(raw / "attendance" / "考勤_202602.csv", HEADER, age=0)
    rows = [f"2026-02-{d:02d},2410527001,G{i},出勤,\n" for d in range(2, 7) for i in range(40)]

    def write() -> None:
        for i in range(0, len(rows), 20):
            with path.open("a", encoding="utf-8") as f:
                f.write("".join(rows[i : i + 20]))
            time.sleep(0.15)

    writer = threading.Thread(target=write)
    writer.start()
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    try:
        summary = land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=DeliveryRules(1, 60, 0.2))
    finally:
        writer.join()
    assert summary.rows == len(rows)
    assert con.execute("select count(*) from raw.attendance").fetchone()[0] == len(rows)
    con.close()


def test_unreadable_says_why(tmp_path):
    good = _file(tmp_path / "good.csv", HEADER, age=0)
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere.csv")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert unreadable(good) is None
    assert unreadable(dangling) == f"它是一个链接，指向的 {tmp_path / 'nowhere.csv'} 不存在"
    assert unreadable(loop) == f"它是一个链接，指向的 {loop} 无法访问（{os.strerror(40)}）"
    assert unreadable(folder) == "它不是普通文件"


def _landed(tmp_path: Path, *files: tuple[str, str]) -> tuple[Path, duckdb.DuckDBPyConnection]:
    raw = tmp_path / "raw"
    for rel, text in files:
        _file(raw / rel, text, age=3600)
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=DeliveryRules(0, 1, 0.2))
    return raw, con


def test_forget_deletes_a_gone_file_and_records_it(tmp_path):
    raw, con = _landed(
        tmp_path,
        ("attendance/考勤_202601.csv", HEADER + "2026-01-05,2410527001,G1,出勤,\n" * 3),
        ("attendance/考勤_202602.csv", HEADER + "2026-02-02,2410527001,G1,出勤,\n"),
    )
    (raw / "attendance" / "考勤_202601.csv").unlink()
    with pytest.raises(IngestError, match="已入库的在校考勤文件不见了"):
        land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=DeliveryRules(0, 1, 0.2))
    assert con.execute("select count(*) from raw.attendance").fetchone()[0] == 4  # nothing deleted by itself
    said = decisions.forget(con, raw, "考勤_202601.csv", datetime(2026, 2, 3, 8))
    assert said == (
        "已删除 attendance/考勤_202601.csv 的 3 行（raw.attendance），记录在 raw.load_changes。"
        "下一次运行（make pipeline）会全量重建并发布不含这些数据的仓库。"
    )
    assert con.execute("select count(*) from raw.attendance").fetchone()[0] == 1
    assert con.execute("select extract, source_file, change, rebuilt from raw.load_changes").fetchall() == [
        ("attendance", "attendance/考勤_202601.csv", "forgotten", False)
    ]
    land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=DeliveryRules(0, 1, 0.2))
    con.close()


def test_forget_refuses_a_file_still_in_the_folder_or_unknown(tmp_path):
    raw, con = _landed(tmp_path, ("attendance/考勤_202601.csv", HEADER + "2026-01-05,2410527001,G1,出勤,\n"))
    with pytest.raises(decisions.DecisionError) as e:
        decisions.forget(con, raw, "attendance/考勤_202601.csv", datetime.now())
    assert str(e.value) == (
        "attendance/考勤_202601.csv：它还在目录里，下一次运行会把它重新入库。"
        f"请先把它移出 {raw / 'attendance'}（或删除它），再运行 make forget FILE=attendance/考勤_202601.csv"
    )
    with pytest.raises(decisions.DecisionError) as e:
        decisions.forget(con, raw, "考勤_209901.csv", datetime.now())
    assert str(e.value) == (
        "没有已入库的文件叫 考勤_209901.csv。请按 raw.load_files.source_file 的写法给出，如 FILE=attendance/考勤_202512.csv"
    )
    assert con.execute("select count(*) from raw.attendance").fetchone()[0] == 1
    con.close()


def test_accept_lets_one_known_smaller_content_through_and_no_other(tmp_path):
    month = "".join(f"2026-01-{d:02d},2410527001,G{i},出勤,\n" for d in range(5, 10) for i in range(10))
    raw, con = _landed(tmp_path, ("attendance/考勤_202601.csv", HEADER + month))
    path = _file(raw / "attendance" / "考勤_202601.csv", HEADER + month[: len(month) // 2], age=3600)
    rules = DeliveryRules(0, 1, 0.2)
    with pytest.raises(IngestError, match="比它替换的上一版本的 50 行少了 50%"):
        land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=rules)
    said = decisions.accept(con, raw, "attendance/考勤_202601.csv", datetime.now())
    assert said.startswith("已记录：attendance/考勤_202601.csv 按现在的内容入库")
    summary = land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=rules)
    assert summary.rows == 25
    # a different content under the same name is checked again
    _file(path, HEADER + month[: len(month) // 10], age=3600)
    with pytest.raises(IngestError, match="比它替换的上一版本的 25 行少了 80%"):
        land_extract(con, SPECS["attendance"], raw, datetime.now(), print, rules=rules)
    con.close()
