"""Write-audit-publish: copy a checked build warehouse over the published file atomically.

Readers (dashboards, analysts) only ever open the published file, read-only and briefly. The
run writes a separate build file, so no reader can block it; the published file is replaced by
``os.replace`` (atomic on POSIX), so a reader sees either the old or the new warehouse, never
a half-written one. A failed or killed run never reaches this step and leaves it as it was.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

REQUIRED_MARTS = ("out_of_school", "dropout_watch", "ledger_age_eligible", "monthly_report")

_LOG_DDL = """
create schema if not exists meta;
create table if not exists meta.publish_log (
    run_id varchar, published_at timestamp, as_of_date date, out_of_school bigint, dropout_watch bigint
);
-- columns added later; the log lives on in the build warehouse from run to run
alter table meta.publish_log add column if not exists data_docs varchar;
comment on table meta.publish_log is '每次发布一行：运行编号、发布时间、比对截至日期、主要计数和本次数据质量报告（Data Docs）';
create table if not exists meta.check_results (
    run_id varchar, suite varchar, expectations integer, failed_critical integer, failed_warning integer
);
comment on table meta.check_results is '每次发布的每个数据质量检查套件一行：期望数、严重失败数、警告数（详见 Data Docs）';
"""


@dataclass(frozen=True)
class Published:
    path: Path
    as_of_date: str
    out_of_school: int
    dropout_watch: int
    size_bytes: int


def check_results(data_docs: Path) -> dict[str, dict[str, int]]:
    """The run's suite outcomes, as the checks recorded them beside the Data Docs (suite → counts)."""
    index = data_docs / "index.json"
    return json.loads(index.read_text(encoding="utf-8")) if index.exists() else {}


def publish(build_db: Path, target: Path, run_id: str, data_docs: Path) -> Published:
    con = duckdb.connect(str(build_db))
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        missing = [m for m in REQUIRED_MARTS if m not in present]
        if missing:
            raise RuntimeError(f"build warehouse {build_db} lacks marts {missing}: run the whole job, not a part")
        as_of = con.execute("select max(as_of_date) from marts.ledger_age_eligible").fetchone()[0]
        n_oos = con.execute("select count(*) from marts.out_of_school").fetchone()[0]
        n_watch = con.execute("select count(*) from marts.dropout_watch").fetchone()[0]
        con.execute(_LOG_DDL)
        con.execute(
            "insert into meta.publish_log (run_id, published_at, as_of_date, out_of_school, dropout_watch, data_docs) "
            "values (?, ?, ?, ?, ?, ?)",
            [run_id, datetime.now(), as_of, n_oos, n_watch, str(data_docs / "index.html")],
        )
        for suite, result in check_results(data_docs).items():
            con.execute(
                "insert into meta.check_results values (?, ?, ?, ?, ?)",
                [run_id, suite, result["expectations"], result["critical"], result["warning"]],
            )
        # every file this run validated has now passed: later runs validate only newer files
        con.execute("update raw.load_files set accepted = true where not coalesce(accepted, false)")
        con.execute("checkpoint")
    finally:
        con.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{run_id}.tmp")
    shutil.copyfile(build_db, tmp)
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    # Verify the copy opens before it becomes visible.
    duckdb.connect(str(tmp), read_only=True).close()
    os.replace(tmp, target)
    return Published(target, str(as_of), n_oos, n_watch, target.stat().st_size)
