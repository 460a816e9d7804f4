"""Failed steps raise an alert: a JSON line in the alerts file, and a POST to a webhook if one
is configured (KCBX_ALERT_WEBHOOK), so that nobody has to read the run log to learn that last
night's data was not published.

The alert carries the run, the step and the error message the step raised. Those messages name
files, rows and columns, never the values of personal columns (see checks/gx_suites.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import dagster as dg

from dagster_project.config import Settings
from dagster_project.failures import plain

WEBHOOK_TIMEOUT_SECONDS = 10


def record_alert(alerts_file: Path, webhook: str | None, alert: dict) -> str | None:
    """Append the alert to ``alerts_file`` and POST it to ``webhook``; returns why the POST
    failed, or None. A webhook that is down must not hide the alert, so the file comes first."""
    alerts_file.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(alert, ensure_ascii=False, default=str)
    with alerts_file.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    if not webhook:
        return None
    request = urllib.request.Request(
        webhook, data=line.encode("utf-8"), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read()
    except (urllib.error.URLError, OSError) as e:
        return f"{type(e).__name__}: {e}"
    return None


def _failed_check_descriptions(context: dg.HookContext) -> list[str]:
    """A blocking check's own failure text (file, row, column, what to do) is on its evaluation
    event; the step's exception only says that a check failed."""
    events = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    out = []
    for event in events:
        evaluation = event.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            out.append(f"{evaluation.check_name}: {evaluation.description}")
    return out


def _error_text(context: dg.HookContext) -> str:
    error = context.op_exception
    if error is None:
        return "（未知错误）"
    if isinstance(error, dg.Failure) and error.description:
        return error.description
    # an error no step explained: as it is, without colour codes or anything like an ID number
    return "；".join(_failed_check_descriptions(context)) or plain(str(error)) or type(error).__name__


@dg.failure_hook(name="alert_on_failure")
def alert_on_failure(context: dg.HookContext) -> None:
    settings = Settings.from_env()
    alert = {
        "time": datetime.now().isoformat(timespec="seconds"),
        "job": context.job_name,
        "run_id": context.run_id,
        "step": context.step_key,
        "message": f"夜间作业未发布：步骤 {context.step_key} 失败。{_error_text(context)}",
        "next": "已发布的数据仓库保持上一次的内容。请按消息修正数据后重新运行（make pipeline），或在 Dagster 界面查看运行日志。",
    }
    problem = record_alert(settings.alerts_file, settings.alert_webhook, alert)
    context.log.error(f"alert recorded in {settings.alerts_file}: {alert['message']}")
    if problem:
        context.log.warning(f"alert webhook failed ({problem}); the alert is in {settings.alerts_file}")
