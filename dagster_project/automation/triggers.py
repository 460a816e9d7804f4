"""When the nightly job runs: every night at 02:00 Beijing time, and as soon as a county drops new
or changed extract files into the raw folder (or makes new case-work entries in the dashboard).

Both go through the instance's run queue, which runs one run at a time (dagster.yaml); a run
started by hand from the command line is held off by the build lock (resources.py).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from casework.config import store_url
from casework.store import as_folder_entry
from dagster_project.config import Settings
from dagster_project.ingest.landing import list_files
from dagster_project.ingest.specs import EXTRACTS
from dagster_project.jobs import nightly_job

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"

nightly_schedule = dg.ScheduleDefinition(
    name="kcbx_nightly_0200",
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="每晚 02:00（北京时间）运行夜间作业。",
)


@dataclass(frozen=True)
class RawFolderState:
    fingerprint: str  # changes whenever a file is added, removed, replaced or modified
    files: int
    newest_mtime: float  # seconds since the epoch; 0 when there are no files


def raw_folder_state(raw_dir: Path) -> RawFolderState:
    """What the landing step would read, summarised by name, size and modification time."""
    entries = sorted(
        (str(p.relative_to(raw_dir)), st.st_size, st.st_mtime_ns)
        for spec in EXTRACTS
        for p in list_files(raw_dir, spec)
        for st in [p.stat()]
    )
    # entries made in the dashboard (the case-work store) count like a file of their own
    entries += [e for e in [as_folder_entry(store_url(raw_dir))] if e]
    digest = hashlib.sha256(repr(entries).encode("utf-8")).hexdigest()[:16]
    newest = max((mtime for _, _, mtime in entries), default=0) / 1e9
    return RawFolderState(digest, len(entries), newest)


def new_files_decision(state: RawFolderState, cursor: str | None, now: float, settle_seconds: int) -> str | None:
    """Why not to start a run now, or None to start one. A file modified less than
    ``settle_seconds`` ago may still be being copied in: wait for it."""
    if state.files == 0:
        return "原始数据目录中没有抽取文件"
    if state.fingerprint == cursor:
        return "自上次触发以来没有新文件或改动的文件"
    if now - state.newest_mtime < settle_seconds:
        return f"有文件在 {settle_seconds} 秒内被修改，可能仍在复制中，稍后再看"
    return None


@dg.sensor(
    name="kcbx_new_files",
    job=nightly_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="原始数据目录出现新的或改动的抽取文件（且已复制完成）时启动夜间作业。",
)
def new_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    settings = Settings.from_env()
    state = raw_folder_state(settings.raw_dir)
    reason = new_files_decision(state, context.cursor, time.time(), settings.settle_seconds)
    if reason:
        return dg.SkipReason(reason)
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=state.fingerprint, tags={"kcbx/trigger": "new_files"})],
        cursor=state.fingerprint,
    )
