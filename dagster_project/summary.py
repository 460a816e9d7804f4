"""Print a one-line summary of the published warehouse (the end of `make pipeline`), or, after a
failed run, what stopped it and what to do (`--failed-since <epoch seconds>`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import duckdb

from dagster_project.config import Settings


def failed(since: float) -> int:
    """The alerts the failed run recorded (the same text as its log and webhook)."""
    settings = Settings.from_env()
    alerts = []
    if settings.alerts_file.exists():
        for line in settings.alerts_file.read_text(encoding="utf-8").splitlines():
            alert = json.loads(line)
            if datetime.fromisoformat(alert["time"]).timestamp() >= since - 1:
                alerts.append(alert)
    if not alerts:
        print("未发布：运行失败，原因见上面的 Dagster 运行日志。已发布的数据仓库保持上一次的内容。")
        return 1
    for alert in alerts:
        print(alert["message"])
    print(alerts[-1]["next"])
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--failed-since"]:
        return failed(float(argv[1]))
    path = Settings.from_env().warehouse
    if not path.exists():
        print(f"no published warehouse at {path}: the last run did not publish; see the Dagster run log")
        return 1
    con = duckdb.connect(str(path), read_only=True)
    try:
        c = con.execute(
            "select max(as_of_date), "
            "(select students_with_status from marts.monthly_report where level = 'county' order by month desc limit 1), "
            "(select count(*) from marts.out_of_school), "
            "(select count(*) from marts.dropout_watch where stage in ('suspected_dropout', 'dropout')), "
            "(select count(*) from marts.dropout_watch where stage = 'not_on_roster'), "
            "(select count(*) from marts.poverty_dropouts) "
            "from marts.ledger_age_eligible"
        ).fetchone()
        quarantined = con.execute("select count(*) from audit.quarantine").fetchone()[0]
        published = con.execute("select max(published_at) from meta.publish_log").fetchone()[0]
        backtest = con.execute(
            "select evaluation_days, horizon_days, positives, auc, precision, recall "
            "from marts.risk_backtest where group_code = 'all'"
        ).fetchone()
    finally:
        con.close()
    print(
        f"published {path} at {published:%Y-%m-%d %H:%M} (as of {c[0]}): {c[1]:,} students with status, "
        f"{c[2]:,} out-of-school, {c[3]:,} suspected dropouts, {c[4]:,} not on roster, "
        f"{c[5]:,} poverty-household cases, {quarantined:,} rows quarantined"
    )
    print(_backtest_line(*backtest))
    return 0


def _backtest_line(days: int, horizon: int, positives: int, auc, precision, recall) -> str:
    if not positives:
        return f"risk back-test: no new suspected dropout within {horizon} school days of {days} past days to score"
    return (
        f"risk back-test over {days} past school days ({horizon}-day horizon, {positives:,} positives): "
        f"AUC {auc:.2f}, high tier precision {'n/a' if precision is None else f'{precision:.0%}'}, recall {recall:.0%}"
    )


if __name__ == "__main__":
    sys.exit(main())
