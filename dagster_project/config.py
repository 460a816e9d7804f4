"""Settings from environment variables, with defaults that work in a checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "spark")  # what dbt builds the models on (KCBX_ENGINE)
SPARK_TESTS = ("all", "unit", "none")  # which dbt tests a Spark build runs (KCBX_SPARK_TESTS)


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
    as_of_date: str  # KCBX_AS_OF_DATE: the comparisons' as-of date (YYYY-MM-DD); empty: the last complete school day
    memory_limit: str  # KCBX_DUCKDB_MEMORY_LIMIT: DuckDB's memory in the run (dbt's profile reads it too)
    engine: str  # KCBX_ENGINE: duckdb (default) or spark: the engine dbt builds and tests the models on
    spark_dir: Path  # KCBX_SPARK_DIR: Spark's metastore, tables and raw Parquet (default beside the build warehouse)
    spark_tests: str  # KCBX_SPARK_TESTS: on Spark, all dbt tests (default), unit tests only, or none
    dbt_project_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        data = REPO_ROOT / "data"
        build_db = Path(os.environ.get("KCBX_BUILD_DB", data / "build" / "warehouse.duckdb")).resolve()
        return cls(
            raw_dir=Path(os.environ.get("KCBX_RAW_DIR", data / "raw")).resolve(),
            build_db=build_db,
            warehouse=Path(os.environ.get("KCBX_WAREHOUSE", data / "warehouse.duckdb")).resolve(),
            docs_dir=Path(os.environ.get("KCBX_DOCS_DIR", data / "docs")).resolve(),
            alerts_file=Path(os.environ.get("KCBX_ALERTS_FILE", data / "alerts.jsonl")).resolve(),
            alert_webhook=os.environ.get("KCBX_ALERT_WEBHOOK") or None,
            settle_seconds=int(os.environ.get("KCBX_SETTLE_SECONDS", "60")),
            settle_max_wait_seconds=int(os.environ.get("KCBX_SETTLE_MAX_WAIT_SECONDS", "600")),
            shrink_tolerance=float(os.environ.get("KCBX_SHRINK_TOLERANCE", "0.2")),
            full_refresh=os.environ.get("KCBX_FULL_REFRESH") == "1",
            as_of_date=os.environ.get("KCBX_AS_OF_DATE", "").strip(),
            memory_limit=os.environ.get("KCBX_DUCKDB_MEMORY_LIMIT", "12GB"),
            engine=_choice("KCBX_ENGINE", ENGINES),
            spark_dir=Path(os.environ.get("KCBX_SPARK_DIR", build_db.parent / "spark")).resolve(),
            spark_tests=_choice("KCBX_SPARK_TESTS", SPARK_TESTS),
            dbt_project_dir=REPO_ROOT / "dbt",
        )


def _choice(variable: str, allowed: tuple[str, ...]) -> str:
    """One of ``allowed`` (the first by default), or an error naming the variable."""
    value = os.environ.get(variable, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ValueError(f"{variable}={value!r}: must be one of {', '.join(allowed)}")
    return value
