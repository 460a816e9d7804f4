"""Every failure ends in a message that names what failed, where, and what to do: a real dbt build
of a tiny project on a temporary DuckDB (a failed test traced to the extract's file and row, a
failed model without colour codes or ID numbers), a stale manifest, a build warehouse locked by a
leftover process, a full or read-only disk under the landing; and a failed run's dbt process
does not outlive it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from dagster_project.assets.dbt import run_dbt, stop
from dagster_project.assets.dbt_failures import explain_dbt_failure
from dagster_project.assets.raw import raw_asset
from dagster_project.config import REPO_ROOT
from dagster_project.failures import plain, stale_manifest_message
from dagster_project.ingest.landing import land_extract
from dagster_project.ingest.specs import load_specs
from dagster_project.resources import NightResource, WarehouseResource

ID = "410527201509010012"
MODELS = {
    "staging/stg_roster.sql": """
select
    _source_file as source_file,
    _row_number as source_row,
    nullif(trim("全国学籍号"), '') as student_no,
    "学籍状态" as status_raw
from raw.student_status
""",
    "staging/stg_roster_named.sql": """
select
    _source_file as source_file,
    _row_number as source_row,
    coalesce(nullif(trim("全国学籍号"), ''), 'none') as student_no
from raw.student_status
""",
    "intermediate/int_students.sql": "select student_no from {{ ref('stg_roster_named') }}",
    "intermediate/int_numbers.sql": "select cast(student_no as integer) as n from {{ ref('stg_roster_named') }}",
    "schema.yml": """
version: 2
models:
  - name: stg_roster
    columns:
      - name: student_no
        data_tests: [not_null]
  - name: int_students
    columns:
      - name: student_no
        data_tests: [unique]
""",
}


@pytest.fixture(scope="module")
def failed_build(tmp_path_factory) -> tuple[dict, dict, Path]:
    """A real `dbt build` failing on bad input: a missing student number (not null), a student
    registered twice (unique, on a model without lineage), a value a model cannot cast."""
    root = tmp_path_factory.mktemp("tiny_dbt")
    db = root / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute(
        'create table raw.student_status ("全国学籍号" varchar, "学籍状态" varchar, _source_file varchar, _row_number bigint)'
    )
    rows = [("G" + ID, "在读", 2), ("G2", "在读", 3), ("", "在读", 4), ("G2", "在读", 5), ("G5", "在读", 6)]
    con.executemany(
        "insert into raw.student_status values (?, ?, 'student_status/学籍_20260115.csv', ?)",
        [list(r) for r in rows],
    )
    con.execute(
        "create table raw.load_files as select 'student_status' as extract, 'student_status/学籍_20260115.csv' as source_file"
    )
    con.close()
    (root / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0'\nconfig-version: 2\nprofile: tiny\nmodel-paths: [models]\n"
        "models:\n  tiny:\n    staging: {+materialized: view}\n    intermediate: {+materialized: table}\n"
    )
    (root / "profiles.yml").write_text(
        f"tiny:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n      path: '{db}'\n      threads: 1\n"
    )
    for rel, sql in MODELS.items():
        (root / "models" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "models" / rel).write_text(sql)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout[-2000:]
    target = root / "target"
    return json.loads((target / "run_results.json").read_text()), json.loads((target / "manifest.json").read_text()), db


def test_a_failed_dbt_build_names_the_file_rows_and_columns(failed_build):
    run_results, manifest, db = failed_build
    message = explain_dbt_failure(run_results, manifest, db, [])
    assert message == (
        "dbt 构建未通过（3 项失败）："
        "dbt 模型 main.int_numbers 构建失败：Runtime Error in model int_numbers (models/intermediate/int_numbers.sql) "
        "Conversion Error: Could not convert string '<已隐去>' to INT32 when casting from source column student_no "
        'LINE 10: select cast(student_no as integer) as n from "warehouse"."main... ^。'
        "若错误提到某个值无法转换或越界，多半是最新到达的抽取里有异常值：请查看数据质量报告（Data Docs）和隔离表"
        "（audit.quarantine）核对这些文件，然后重新运行（make pipeline）；若数据无误，请把这条消息和运行编号报给维护人员；"
        "dbt 测试 not_null_stg_roster_student_no 未通过：main.stg_roster 的列「全国学籍号」（student_no）不应为空，"
        "却有空值（1 处）。来自学籍：student_status/学籍_20260115.csv 第4行。"
        "请核对并修正这些行（或从源系统重新导出这些文件），然后重新运行（make pipeline）；"
        "dbt 测试 unique_int_students_student_no 未通过：main.int_students 的列「全国学籍号」（student_no）应唯一，"
        "却有重复（1 处）。来自学籍：student_status/学籍_20260115.csv 第3行、student_status/学籍_20260115.csv 第5行。"
        "请核对并修正这些行（或从源系统重新导出这些文件），然后重新运行（make pipeline）"
    )
    assert ID not in message and "\x1b" not in message


def test_dbt_stopping_before_any_node_is_explained(tmp_path):
    lock = '\x1b[31mIO Error: Could not set lock on file "/x/warehouse.duckdb": Conflicting lock is held in /usr/bin/python3.11 (PID 999999) by user root.\x1b[0m'
    message = explain_dbt_failure(None, {"nodes": {}}, Path("/x/warehouse.duckdb"), [lock])
    assert message == (
        "dbt 构建未能进行。构建库 /x/warehouse.duckdb 正被进程 999999（/usr/bin/python3.11）占用，本次运行无法写入。"
        "这通常是上次运行遗留的 dbt 进程，或有人用 DuckDB 打开了构建库。请等该进程结束，或确认后结束它（kill 999999），"
        "然后重新运行（make pipeline）；查询数据请打开已发布的仓库（make sql），不要打开构建库"
    )
    parse = "\x1b[33mCompilation Error in model x (models/x.sql)\n  unexpected '}'\x1b[0m"
    assert explain_dbt_failure(None, {"nodes": {}}, Path("/x/w.duckdb"), [parse]) == (
        "dbt 构建未能开始：Compilation Error in model x (models/x.sql) unexpected '}'。"
        "请运行 make manifest 检查 dbt 项目能否解析（它会指出出错的文件），修正后重新运行（make pipeline）"
    )


def test_plain_removes_colour_codes_and_id_numbers():
    assert plain(f"\x1b[31mFAIL\x1b[0m 1 G{ID} {ID[:17]}X 41052719990101001 2410527001") == (
        "FAIL 1 <已隐去> <已隐去> 41052719990101001 2410527001"
    )


def test_a_stale_manifest_says_what_to_do():
    assert stale_manifest_message("seed.kcbx.school_calendar") == (
        "Dagster 读取的 dbt 清单（dbt/target/manifest.json）与 dbt 项目不一致：清单里没有 seed.kcbx.school_calendar"
        "（dbt 项目改动后没有重新解析）。请运行 make manifest，并重启 Dagster（dagster dev 或守护进程），然后重新运行（make pipeline）"
    )


def test_a_failed_runs_dbt_process_is_stopped_even_if_it_ignores_the_interrupt():
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); print(1, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )
    stubborn.stdout.readline()  # its handler is in place
    stop(stubborn, grace_seconds=0.5)
    # ended by the signal after the interrupt it ignored, not waited for (it would sleep 600 s)
    assert stubborn.poll() == -signal.SIGTERM


def _resource(tmp_path: Path, build: Path) -> WarehouseResource:
    return WarehouseResource(
        raw_dir=str(tmp_path / "raw"),
        build_db=str(build),
        warehouse=str(tmp_path / "published" / "warehouse.duckdb"),
        docs_dir=str(tmp_path / "docs"),
        settle_seconds=0,
    )


def test_a_build_warehouse_held_by_a_leftover_process_is_named(tmp_path):
    build = tmp_path / "build" / "warehouse.duckdb"
    build.parent.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(build)!r}); print(1, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        holder.stdout.readline()
        with pytest.raises(dg.Failure) as e, _resource(tmp_path, build).build_connection():
            pass
        assert e.value.description.startswith(
            f"构建库 {build} 正被进程 {holder.pid}（{sys.executable} -c import duckdb"
        )
        assert e.value.description.endswith(
            f"请等该进程结束，或确认后结束它（kill {holder.pid}），然后重新运行（make pipeline）；查询数据请打开已发布的仓库（make sql），不要打开构建库"
        )
    finally:
        holder.kill()
        holder.wait()


def test_a_full_disk_under_the_landing_names_the_build_warehouse(tmp_path, tmpfs):
    raw = tmp_path / "raw" / "attendance"
    raw.mkdir(parents=True)
    rows = "".join(
        f"2026-01-{d:02d},2410527001,G{i},出勤,\n"
        for d in range(5, 10)
        for i in range(d * 100_000, d * 100_000 + 40_000)
    )
    (raw / "考勤_202601.csv").write_text("考勤日期,学校标识码,全国学籍号,考勤状态,缺勤原因\n" + rows, encoding="utf-8")
    build = tmpfs("small", "size=1m") / "warehouse.duckdb"
    warehouse = _resource(tmp_path, build)
    spec = load_specs(REPO_ROOT / "dbt")["attendance"]
    with pytest.raises(dg.Failure) as e, warehouse.explained(), warehouse.build_connection() as con:
        land_extract(con, spec, tmp_path / "raw", datetime.now(), print, rules=warehouse.rules)
    assert e.value.description.startswith(f"磁盘空间不足：写入 {build} 时失败（该磁盘剩余 ")
    assert e.value.description.endswith(
        "MB）。请清理该磁盘，或把 KCBX_BUILD_DB 指向其他目录，然后重新运行（make pipeline）"
    )


def test_a_read_only_build_folder_is_named(tmp_path, tmpfs):
    build = tmpfs("readonly", "size=1m,ro") / "build" / "warehouse.duckdb"
    with pytest.raises(dg.Failure) as e, _resource(tmp_path, build).build_connection():
        pass
    assert e.value.description == (
        f"无法写入 {build.parent}：所在的文件系统是只读的。请检查该目录的挂载方式和权限，"
        "或把 KCBX_BUILD_DB 指向其他目录，然后重新运行（make pipeline）"
    )


def test_a_stale_manifest_fails_clearly_and_no_dbt_is_left_holding_the_warehouse(tmp_path):
    """Dagster knows the project as its manifest had it; dbt builds the project as it is now. The
    first unknown node used to end the run in a bare KeyError while dbt went on writing the
    warehouse, so that the next run met a DuckDB "Conflicting lock"."""
    root, db = tmp_path / "project", tmp_path / "build" / "warehouse.duckdb"
    db.parent.mkdir()
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: tiny\nversion: '1.0'\nconfig-version: 2\nprofile: tiny\n")
    (root / "profiles.yml").write_text(
        f"tiny:\n  target: t\n  outputs:\n    t:\n      type: duckdb\n      path: '{db}'\n      threads: 1\n"
    )
    (root / "models" / "a.sql").write_text("select 1 as x")
    dbt_bin = str(Path(sys.executable).parent / "dbt")
    subprocess.run(
        [dbt_bin, "parse", "--project-dir", str(root), "--profiles-dir", str(root)], check=True, capture_output=True
    )
    # the project changes after the manifest was read: a new model, and a long one after it
    (root / "models" / "b.sql").write_text("select 2 as x")
    (root / "models" / "c.sql").write_text("select count(*) as n from {{ ref('b') }}, range(40000000000)")

    @dbt_assets(manifest=root / "target" / "manifest.json", project=DbtProject(root))
    def stale(context, dbt: DbtCliResource, warehouse: WarehouseResource):
        yield from run_dbt(context, dbt, warehouse, ["build"], target=tmp_path / "run")

    result = dg.materialize(
        [stale],
        resources={
            "dbt": DbtCliResource(project_dir=str(root), profiles_dir=str(root), dbt_executable=dbt_bin),
            "warehouse": _resource(tmp_path, db),
        },
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_failure_data.user_failure_data.description == stale_manifest_message("model.tiny.b")
    # dbt did not go on with c: nothing holds the warehouse, and c was never built (nor waited for)
    con = duckdb.connect(str(db))
    try:
        assert con.execute("select table_name from duckdb_tables() where table_name = 'c'").fetchall() == []
    finally:
        con.close()


def test_a_bad_as_of_date_stops_the_night_before_anything_lands(tmp_path):
    build = tmp_path / "build" / "warehouse.duckdb"
    result = dg.materialize(
        [raw_asset(load_specs(REPO_ROOT / "dbt")["attendance"])],
        resources={"warehouse": _resource(tmp_path, build), "night": NightResource(as_of_date="2026-13-01")},
        raise_on_error=False,
    )
    (failure,) = result.get_step_failure_events()
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "as_of_date（截至日期）「2026-13-01」不是日期：请写成 YYYY-MM-DD"
    )
    assert not build.exists()
