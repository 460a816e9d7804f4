"""The nightly schedule, the new-file sensor and the alert record, without running the job."""

from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime
from pathlib import Path

import dagster as dg

from dagster_project.automation.alerts import record_alert
from dagster_project.automation.triggers import (
    new_files_decision,
    new_files_sensor,
    nightly_schedule,
    raw_folder_state,
)


def _drop(raw: Path, rel: str, text: str = "a,b\n1,2\n", age_seconds: float = 3600) -> Path:
    path = raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


def test_the_fingerprint_changes_with_extract_files_only(tmp_path):
    assert raw_folder_state(tmp_path).files == 0
    _drop(tmp_path, "attendance/考勤_202509.csv")
    first = raw_folder_state(tmp_path)
    assert first.files == 1
    _drop(tmp_path, "attendance/README.md")  # not an extract
    _drop(tmp_path, "attendance/~$考勤_202510.xlsx")  # Excel's lock file
    assert raw_folder_state(tmp_path) == first
    _drop(tmp_path, "attendance/考勤_202510.csv")
    second = raw_folder_state(tmp_path)
    assert second.files == 2 and second.fingerprint != first.fingerprint
    _drop(tmp_path, "attendance/考勤_202510.csv", "a,b\n1,2\n3,4\n")  # re-delivered, corrected
    assert raw_folder_state(tmp_path).fingerprint != second.fingerprint


def test_the_sensor_waits_for_new_files_to_settle_and_fires_once(tmp_path, monkeypatch):
    monkeypatch.setenv("KCBX_RAW_DIR", str(tmp_path))
    monkeypatch.setenv("KCBX_SETTLE_SECONDS", "60")
    assert isinstance(new_files_sensor(dg.build_sensor_context()), dg.SkipReason)

    _drop(tmp_path, "household/户籍_20260115.csv", age_seconds=5)  # still being copied
    skip = new_files_sensor(dg.build_sensor_context())
    assert isinstance(skip, dg.SkipReason) and "仍在复制中" in skip.skip_message

    _drop(tmp_path, "household/户籍_20260115.csv", age_seconds=120)
    result = new_files_sensor(dg.build_sensor_context())
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1
    assert result.run_requests[0].run_key == result.cursor

    again = new_files_sensor(dg.build_sensor_context(cursor=result.cursor))
    assert isinstance(again, dg.SkipReason) and "没有新文件" in again.skip_message


def test_decision_order(tmp_path):
    _drop(tmp_path, "poverty/脱贫户_20260115.xlsx", age_seconds=0)
    state = raw_folder_state(tmp_path)
    now = state.newest_mtime
    assert new_files_decision(state, state.fingerprint, now + 600, 60) == "自上次触发以来没有新文件或改动的文件"
    assert "仍在复制中" in new_files_decision(state, None, now + 30, 60)
    assert new_files_decision(state, None, now + 61, 60) is None


def test_the_schedule_runs_the_nightly_job_at_two_in_beijing():
    assert nightly_schedule.job_name == "kcbx_nightly"
    assert (nightly_schedule.cron_schedule, nightly_schedule.execution_timezone) == ("0 2 * * *", "Asia/Shanghai")
    assert nightly_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_the_definitions_carry_the_schedule_and_sensor():
    from dagster_project.definitions import defs

    assert defs.get_schedule_def("kcbx_nightly_0200").job_name == "kcbx_nightly"
    assert defs.get_sensor_def("kcbx_new_files").job_name == "kcbx_nightly"


def test_an_alert_is_kept_when_the_webhook_is_down(tmp_path):
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    alerts = tmp_path / "alerts" / "alerts.jsonl"
    problem = record_alert(alerts, f"http://127.0.0.1:{port}/hook", {"message": "夜间作业未发布：测试"})
    assert problem and "URLError" in problem
    assert [json.loads(line) for line in alerts.read_text("utf-8").splitlines()] == [
        {"message": "夜间作业未发布：测试"}
    ]
    assert record_alert(alerts, None, {"message": "第二条"}) is None
    assert len(alerts.read_text("utf-8").splitlines()) == 2


def test_a_failed_make_pipeline_ends_with_what_stopped_it(tmp_path, monkeypatch, capsys):
    from dagster_project.summary import main

    alerts = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("KCBX_ALERTS_FILE", str(alerts))
    record_alert(alerts, None, {"time": "2026-01-01T02:00:00", "message": "夜间作业未发布：昨晚", "next": "旧的"})
    started = time.time()
    assert main(["--failed-since", str(started)]) == 1
    assert (
        capsys.readouterr().out
        == "未发布：运行失败，原因见上面的 Dagster 运行日志。已发布的数据仓库保持上一次的内容。\n"
    )
    now = datetime.now().isoformat(timespec="seconds")
    record_alert(
        alerts, None, {"time": now, "message": "夜间作业未发布：步骤 raw__attendance 失败。……", "next": "请按消息修正"}
    )
    assert main(["--failed-since", str(started)]) == 1
    assert capsys.readouterr().out == "夜间作业未发布：步骤 raw__attendance 失败。……\n请按消息修正\n"
