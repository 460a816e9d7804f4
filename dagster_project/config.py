"""Settings from environment variables, with defaults that work in a checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    raw_dir: Path  # KCBX_RAW_DIR: where counties drop their extracts
    build_db: Path  # KCBX_BUILD_DB: the working warehouse the run writes (never read by users)
    warehouse: Path  # KCBX_WAREHOUSE: the published warehouse dashboards and analysts read
    docs_dir: Path  # KCBX_DOCS_DIR: Great Expectations Data Docs, one folder per run
    alerts_file: Path  # KCBX_ALERTS_FILE: failed runs are recorded here, one JSON line each
    alert_webhook: str | None  # KCBX_ALERT_WEBHOOK: optional URL that failed runs are POSTed to
    settle_seconds: int  # KCBX_SETTLE_SECONDS: a file changed more recently may still be copying (sensor and run)
    settle_max_wait_seconds: int  # KCBX_SETTLE_MAX_WAIT_SECONDS: a run waits this long for a file to settle
    shrink_tolerance: float  # KCBX_SHRINK_TOLERANCE: a delivery this much smaller than its predecessor is refused
    full_refresh: bool  # KCBX_FULL_REFRESH=1: reload every file and rebuild every model (`make rebuild`)
    memory_limit: str  # KCBX_DUCKDB_MEMORY_LIMIT: DuckDB's memory in the run (dbt's profile reads it too)
    dbt_project_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        data = REPO_ROOT / "data"
        return cls(
            raw_dir=Path(os.environ.get("KCBX_RAW_DIR", data / "raw")).resolve(),
            build_db=Path(os.environ.get("KCBX_BUILD_DB", data / "build" / "warehouse.duckdb")).resolve(),
            warehouse=Path(os.environ.get("KCBX_WAREHOUSE", data / "warehouse.duckdb")).resolve(),
            docs_dir=Path(os.environ.get("KCBX_DOCS_DIR", data / "docs")).resolve(),
            alerts_file=Path(os.environ.get("KCBX_ALERTS_FILE", data / "alerts.jsonl")).resolve(),
            alert_webhook=os.environ.get("KCBX_ALERT_WEBHOOK") or None,
            settle_seconds=int(os.environ.get("KCBX_SETTLE_SECONDS", "60")),
            settle_max_wait_seconds=int(os.environ.get("KCBX_SETTLE_MAX_WAIT_SECONDS", "600")),
            shrink_tolerance=float(os.environ.get("KCBX_SHRINK_TOLERANCE", "0.2")),
            full_refresh=os.environ.get("KCBX_FULL_REFRESH") == "1",
            memory_limit=os.environ.get("KCBX_DUCKDB_MEMORY_LIMIT", "12GB"),
            dbt_project_dir=REPO_ROOT / "dbt",
        )
