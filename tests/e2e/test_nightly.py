"""Nightly operations: runs are incremental (the session's county got its last school day
alone, see conftest.py) and a full rebuild gives the same marts; the Dagster daemon's sensor
starts a run by itself when files land."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.checks.asset_checks import DELIVERY_SUITES, ROW_SUITES
from dagster_project.ingest.specs import EXTRACTS
from tests.conftest import BIN, REPO, County, mart_digest, pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e


def _copy_of(county: County, root: Path) -> dict[str, str]:
    """An environment of its own with copies of the county's build and published warehouses."""
    env = pipeline_env(root, county.raw)
    for key in ("KCBX_BUILD_DB", "KCBX_WAREHOUSE"):
        shutil.copytree(Path(county.env[key]).parent, Path(env[key]).parent)
    return env


def _night_config(root: Path, **night: object) -> Path:
    """A run config file giving the night's options (the launchpad's YAML)."""
    path = root / "night.yaml"
    path.write_text(json.dumps({"resources": {"night": {"config": night}}}))  # JSON is YAML
    return path


def test_a_full_rebuild_gives_the_same_marts_as_the_nightly_increments(small_county, tmp_path):
    env = _copy_of(small_county, tmp_path)
    result = run_pipeline(env, _night_config(tmp_path, full_refresh=True))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "dbt build --full-refresh: full_refresh asked for" in output
    unchanged = [int(n) for n in re.findall(r"\((\d+) unchanged", output)]
    assert len(unchanged) == len(EXTRACTS) and set(unchanged) == {0}, "a full rebuild reads every file again"
    nightly = mart_digest(small_county.warehouse)
    assert {"out_of_school", "dropout_watch", "ledger_cases", "monthly_report", "quarterly_rectification"} <= set(
        nightly
    )
    assert mart_digest(Path(env["KCBX_WAREHOUSE"])) == nightly


def test_an_as_of_date_in_the_run_config_publishes_the_comparisons_as_of_that_day(small_county, tmp_path):
    env = _copy_of(small_county, tmp_path)
    con = duckdb.connect(env["KCBX_BUILD_DB"], read_only=True)
    days = [
        str(r[0])
        for r in con.execute(
            "select distinct attendance_date from staging.stg_attendance where attendance_date is not null "
            "order by 1 desc limit 6"
        ).fetchall()
    ]
    con.close()
    day = days[-1]  # a week of school days before the last
    result = run_pipeline(env, _night_config(tmp_path, as_of_date=day))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"dbt build: as of {day} (as_of_date asked for)" in output
    assert "dbt build: every model (the first build, or the project, engine or as-of date changed)" in output
    assert {"model", "test", "unit_test"} <= _kinds_run(env)  # a night that builds everything tests the project too
    con = duckdb.connect(env["KCBX_WAREHOUSE"], read_only=True)
    try:
        as_of = {str(r[0]) for r in con.execute("select distinct as_of_date from marts.ledger_age_eligible").fetchall()}
        logged = con.execute("select as_of_date from meta.publish_log order by published_at desc limit 1").fetchone()
    finally:
        con.close()
    assert as_of == {day} and str(logged[0]) == day


def test_a_night_of_attendance_alone_leaves_the_snapshot_models_standing(small_county):
    con = duckdb.connect(small_county.env["KCBX_BUILD_DB"], read_only=True)
    builds = [r[0] for r in con.execute("select left_out from raw.dbt_builds order by built_at").fetchall()]
    con.close()
    assert builds[0] == "nothing", "the first night builds every model"
    left_out = set(builds[-1].split())
    assert {"stg_household", "int_household_members", "int_student_status", "int_student_identity"} <= left_out
    assert not {"int_attendance_daily", "int_enrolled_days", "int_cases_unexcused", "dropout_watch"} & left_out
    # the night's data tests ran; the unit tests, which test the unchanged project, did not
    assert _kinds_run(small_county.env) >= {"model", "test"}
    assert "unit_test" not in _kinds_run(small_county.env)


def _kinds_run(env: dict[str, str]) -> set[str]:
    """The kinds of dbt node the environment's last dbt build ran (its run_results.json)."""
    results = json.loads((Path(env["KCBX_BUILD_DB"]).parent / "dbt_target" / "run_results.json").read_text())
    return {r["unique_id"].split(".")[0] for r in results["results"]}


def test_a_night_with_no_new_file_builds_nothing_and_publishes_the_same(small_county, tmp_path, monkeypatch):
    from dagster import DagsterEventType, DagsterInstance

    env = _copy_of(small_county, tmp_path)
    result = run_pipeline(env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "dbt build: nothing landed since the last build, every model stands" in output
    published = Path(env["KCBX_WAREHOUSE"])
    assert mart_digest(published) == mart_digest(small_county.warehouse)
    # no check claims a result it did not evaluate tonight: no dbt test reported, none counted
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    with DagsterInstance.get() as instance:
        run_id = instance.get_runs(limit=1)[0].run_id
        evaluated = {
            e.dagster_event.event_specific_data.check_name
            for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        }
        # nor a model it did not build: only those a later step reads say they stand (the event
        # log is a database, each event costs the night), and no dbt test is logged one by one
        reported = {
            e.dagster_event.asset_key.path[0]
            for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        }
        observed = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_OBSERVATION)
    assert "intermediate" not in reported and {"marts", "published"} <= reported, sorted(reported)
    assert not observed, f"{len(observed)} observations"
    # the row suites had no new file, the delivery suites' tables stand as the last publish checked them
    assert evaluated == set(), f"checks reported without evaluating: {sorted(evaluated)}"
    con = duckdb.connect(str(published), read_only=True)
    try:
        suites = con.execute(
            "select suite, expectations, failed_critical, not_evaluated from meta.check_results where run_id = ?",
            [run_id],
        ).fetchall()
    finally:
        con.close()
    dbt = [s for s in suites if s[0] == "dbt"]
    assert dbt and dbt[0][1:3] == (0, 0) and dbt[0][3] > 100, dbt
    resting = {s[0] for s in suites if s[0] in ROW_SUITES or s[0] in DELIVERY_SUITES}
    assert resting == set(ROW_SUITES) | set(DELIVERY_SUITES)
    assert all(s[1] == 0 and s[3] > 0 for s in suites if s[0] in resting), suites


def test_the_daemon_starts_a_run_when_files_land(small_county, tmp_path, monkeypatch):
    from dagster import DagsterInstance, DagsterRunStatus

    env = _copy_of(small_county, tmp_path)
    env["KCBX_SETTLE_SECONDS"] = "0"
    published = Path(env["KCBX_WAREHOUSE"])
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    with DagsterInstance.get():  # storage created before the daemon starts: two first writers race
        pass
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-m", "dagster_project.definitions"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 420
        run = None
        while time.monotonic() < deadline:
            with DagsterInstance.get() as instance:
                runs = [r for r in instance.get_runs() if r.tags.get("dagster/sensor_name") == "kcbx_new_files"]
            if runs and runs[0].is_finished:
                run = runs[0]
                break
            assert daemon.poll() is None, "the daemon stopped"
            time.sleep(2)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
    assert run is not None, "the sensor started no run within 7 minutes"
    assert run.status == DagsterRunStatus.SUCCESS
    assert run.tags["kcbx/trigger"] == "new_files"
    assert hashlib.sha256(published.read_bytes()).hexdigest() != before  # the run published
