"""Publishing exactly once, on a temporary build warehouse: the log row and the accepted marks
exist only for a publish whose file is in place; a failed or killed publish records nothing and
leaves no temporary copy behind (the next run removes what a killed one left)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project import publish as publishing
from dagster_project.publish import PublishError, publish, temporary_copy

RUN = "run-1"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(path: Path, filler_rows: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema raw")
    con.execute("create table marts.out_of_school as select range as id from range(3)")
    con.execute("create table marts.dropout_watch as select range as id from range(2)")
    con.execute("create table marts.ledger_age_eligible as select date '2026-01-16' as as_of_date")
    con.execute("create table marts.monthly_report as select 1 as n")
    con.execute(
        "create table raw.load_files as select 'attendance/考勤_202601.csv' as source_file, 'h1' as file_hash, false as accepted"
    )
    if filler_rows:  # a build big enough not to fit on a small disk
        con.execute(f"create table raw.filler as select md5(range::varchar) || range as s from range({filler_rows})")
    con.close()
    return path


def _facts(path: Path) -> tuple[list, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        has_log = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'publish_log'"
        ).fetchone()[0]
        runs = (
            [r[0] for r in con.execute("select run_id from meta.publish_log order by published_at").fetchall()]
            if has_log
            else []
        )
        accepted = [r[0] for r in con.execute("select accepted from raw.load_files").fetchall()]
    finally:
        con.close()
    return runs, accepted


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".wal")))


@pytest.fixture
def published(tmp_path) -> tuple[Path, Path]:
    """A build warehouse published once (run-0), as after a good night."""
    build = _build(tmp_path / "build" / "warehouse.duckdb")
    target = tmp_path / "published" / "warehouse.duckdb"
    publish(build, target, "run-0", tmp_path / "docs" / "run-0")
    return build, target


def test_a_publish_records_itself_in_the_file_it_publishes_and_then_in_the_build(published, tmp_path):
    build, target = published
    assert _facts(target) == (["run-0"], [True])
    assert _facts(build) == (["run-0"], [True])
    docs = tmp_path / "docs" / RUN
    docs.mkdir(parents=True)
    (docs / "index.json").write_text(
        '{"attendance": {"expectations": 9, "critical": 0, "warning": 1, "not_evaluated": 0},'
        ' "dbt": {"expectations": 40, "critical": 0, "warning": 0, "not_evaluated": 260}}'
    )
    result = publish(build, target, RUN, docs)
    assert (result.as_of_date, result.out_of_school, result.dropout_watch) == ("2026-01-16", 3, 2)
    assert _facts(target)[0] == _facts(build)[0] == ["run-0", RUN]
    con = duckdb.connect(str(target), read_only=True)
    assert con.execute("select * from meta.check_results order by suite").fetchall() == [
        (RUN, "attendance", 9, 0, 1, 0),
        (RUN, "dbt", 40, 0, 0, 260),
    ]
    con.close()
    assert _leftovers(target.parent) == []


def test_a_publish_that_fails_while_copying_records_nothing_and_leaves_no_copy(published, tmp_path, monkeypatch):
    build, target = published
    con = duckdb.connect(str(build))
    con.execute("insert into raw.load_files values ('attendance/考勤_202602.csv', 'h2', false)")
    con.close()
    before = _sha(target)

    def copy_until_full(src, dst):  # the disk fills up half-way through the copy
        Path(dst).write_bytes(Path(src).read_bytes()[:4096])
        raise OSError(28, "No space left on device", str(src))

    monkeypatch.setattr(publishing.shutil, "copyfile", copy_until_full)
    with pytest.raises(PublishError) as e:
        publish(build, target, RUN, tmp_path / "docs" / RUN)
    free = shutil.disk_usage(target.parent).free / 2**20
    assert str(e.value) == (
        f"发布失败，已发布的仓库保持不变：磁盘空间不足：写入 {target.parent} 时失败（该磁盘剩余 {free:,.0f} MB）。"
        "请清理该磁盘，或把 KCBX_WAREHOUSE 指向其他目录，然后重新运行（make pipeline）"
    )
    assert _sha(target) == before
    assert _facts(build) == (["run-0"], [True, False])  # not listed as published, file not accepted
    assert _leftovers(target.parent) == []


def test_a_killed_publish_records_nothing_and_the_next_run_removes_its_copy(published, tmp_path):
    """A real SIGKILL in the middle of the copy (the child copies slowly on purpose)."""
    build, target = published
    before = _sha(target)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, shutil\n"
            "from pathlib import Path\n"
            "from dagster_project import publish as p\n"
            "def slow(src, dst):\n"
            "    Path(dst).write_bytes(Path(src).read_bytes()[:4096]); time.sleep(600)\n"
            "p.shutil.copyfile = slow\n"
            "p.publish(Path(sys.argv[1]), Path(sys.argv[2]), 'killed-run', Path(sys.argv[3]))\n",
            str(build),
            str(target),
            str(tmp_path / "docs" / "killed-run"),
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    tmp = temporary_copy(target, "killed-run")
    deadline = time.monotonic() + 60
    while not (tmp.exists() and tmp.stat().st_size):
        assert child.poll() is None and time.monotonic() < deadline, "the publish did not start copying"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _sha(target) == before
    assert _facts(build)[0] == ["run-0"]
    assert _leftovers(target.parent) == [tmp.name]
    publish(build, target, RUN, tmp_path / "docs" / RUN)
    assert _leftovers(target.parent) == []
    assert _facts(target)[0] == _facts(build)[0] == ["run-0", RUN]


def test_a_run_killed_between_the_replace_and_the_build_record_is_not_lost_from_the_log(
    published, tmp_path, monkeypatch
):
    build, target = published
    recorded = []
    real = publishing._record

    def record_then_die(con, record):
        recorded.append(record.log[0])
        if len(recorded) == 2:  # the build's turn: the process dies here
            raise KeyboardInterrupt
        real(con, record)

    monkeypatch.setattr(publishing, "_record", record_then_die)
    with pytest.raises(KeyboardInterrupt):
        publish(build, target, "run-1", tmp_path / "docs" / "run-1")
    monkeypatch.setattr(publishing, "_record", real)
    assert _facts(target)[0] == ["run-0", "run-1"]
    assert _facts(build)[0] == ["run-0"]
    publish(build, target, "run-2", tmp_path / "docs" / "run-2")
    assert _facts(target)[0] == _facts(build)[0] == ["run-0", "run-1", "run-2"]


def test_an_incomplete_build_is_not_published(tmp_path):
    build = _build(tmp_path / "build.duckdb")
    con = duckdb.connect(str(build))
    con.execute("drop table marts.monthly_report")
    con.close()
    with pytest.raises(PublishError) as e:
        publish(build, tmp_path / "published" / "warehouse.duckdb", RUN, tmp_path / "docs")
    assert str(e.value) == (
        f"构建库 {build} 缺少数据集市 monthly_report，不能发布：请运行整个夜间作业（make pipeline），不要只运行其中一部分"
    )
    assert not (tmp_path / "published" / "warehouse.duckdb").exists()


def test_a_real_full_disk_names_the_folder_and_changes_nothing(tmp_path, tmpfs):
    build = _build(tmp_path / "build" / "warehouse.duckdb", filler_rows=200_000)
    folder = tmpfs("small", "size=2m")
    target = folder / "warehouse.duckdb"
    target.write_bytes(b"the last good warehouse")
    with pytest.raises(PublishError) as e:
        publish(build, target, RUN, tmp_path / "docs")
    assert str(e.value).startswith(f"发布失败，已发布的仓库保持不变：磁盘空间不足：写入 {folder} 时失败（该磁盘剩余 ")
    assert str(e.value).endswith("MB）。请清理该磁盘，或把 KCBX_WAREHOUSE 指向其他目录，然后重新运行（make pipeline）")
    assert target.read_bytes() == b"the last good warehouse"
    assert _leftovers(folder) == []
    assert _facts(build) == ([], [False])


def test_a_real_read_only_folder_names_the_folder_and_changes_nothing(tmp_path, tmpfs):
    build = _build(tmp_path / "build" / "warehouse.duckdb")
    folder = tmpfs("readonly", "size=2m,ro")
    with pytest.raises(PublishError) as e:
        publish(build, folder / "warehouse.duckdb", RUN, tmp_path / "docs")
    assert str(e.value) == (
        f"发布失败，已发布的仓库保持不变：无法写入 {folder}：所在的文件系统是只读的。"
        "请检查该目录的挂载方式和权限，或把 KCBX_WAREHOUSE 指向其他目录，然后重新运行（make pipeline）"
    )
    assert _facts(build) == ([], [False])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits (the tmpfs test covers it)")
def test_a_folder_without_write_permission_is_named(tmp_path):
    build = _build(tmp_path / "build" / "warehouse.duckdb")
    folder = tmp_path / "published"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(PublishError) as e:
            publish(build, folder / "warehouse.duckdb", RUN, tmp_path / "docs")
    finally:
        folder.chmod(0o755)
    assert str(e.value) == (
        f"发布失败，已发布的仓库保持不变：无法写入 {folder}：运行作业的用户没有写权限。"
        "请检查该目录的挂载方式和权限，或把 KCBX_WAREHOUSE 指向其他目录，然后重新运行（make pipeline）"
    )
    assert _facts(build) == ([], [False])
