"""A small county built on both engines through the real Dagster job: a full night without the
last school day, then that day alone (an incremental night), each night's published warehouse
kept for the comparisons. Run by `make spark-equivalence` (needs Java and pyspark: make spark);
`make test` does not collect this folder."""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from samplegen import deliveries
from tests.conftest import generate, pipeline_env, run_pipeline

ENGINES = ("duckdb", "spark")
NIGHTS = ("full", "incremental")
# Small enough that both engines' two nights take a few minutes (Spark's cost is per dbt node,
# not per row), large enough that the generator plants every kind of case.
STUDENTS = "600"
RANGE = ("--start", "2025-09-01", "--end", "2025-11-28")
TIMES: dict[tuple[str, str], float] = {}
# Spark's cost is per dbt node (≈0.6 s a data test, seconds a unit test on 2 cores): Spark runs the
# models every night and the unit tests on the full night; the data tests run on DuckDB, on the
# same data (KCBX_SPARK_TESTS; a night of `make pipeline` on Spark runs them all).
SPARK_TESTS = {"full": "unit", "incremental": "none"}


@dataclass(frozen=True)
class Night:
    engine: str
    night: str
    warehouse: Path  # a copy of the night's published warehouse
    parquet: Path | None  # a copy of the night's published Parquet marts (engine spark)
    log: str
    seconds: float


@dataclass(frozen=True)
class Built:
    truth: Path
    nights: dict[tuple[str, str], Night]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Built:
    base = tmp_path_factory.mktemp("equivalence")
    generate(base / "raw", base / "truth", "--students", STUDENTS, "--seed", "7", *RANGE)
    day = deliveries.hold_back_last_day(base / "raw", base / "outbox")
    nights = {}
    for night in NIGHTS:
        for engine in ENGINES:
            root = base / engine
            if night == "full":
                shutil.copytree(base / "raw", root / "raw")
                # the county's case-number key and case-work store, beside its raw folder: the
                # same opaque case numbers and the same planted entries on both engines
                for kept in ("case_id.key", "casework.sqlite"):
                    shutil.copy2(base / kept, root / kept)
            else:
                shutil.copy2(day, root / "raw" / "attendance" / day.name)
            env = pipeline_env(root, root / "raw") | {"KCBX_ENGINE": engine, "KCBX_SPARK_TESTS": SPARK_TESTS[night]}
            start = time.monotonic()
            result = run_pipeline(env)
            seconds = time.monotonic() - start
            log = result.stdout + result.stderr
            assert result.returncode == 0, f"{engine}, {night} night:\n{log[-6000:]}"
            published = Path(env["KCBX_WAREHOUSE"])
            kept = shutil.copy2(published, base / f"{engine}-{night}.duckdb")
            link = published.with_name(f"{published.stem}_marts")
            parquet = shutil.copytree(link, base / f"{engine}-{night}-marts") if link.exists() else None
            nights[engine, night] = Night(engine, night, Path(kept), parquet and Path(parquet), log, seconds)
            TIMES[engine, night] = seconds
    return Built(base / "truth", nights)


def landed_files(log: str, extract: str) -> int | None:
    """How many files of an extract the night landed, from the landing's summary line."""
    found = re.search(rf"{extract}: [\d,]+ rows from (\d+) new or changed files", log)
    return int(found.group(1)) if found else None


def pytest_terminal_summary(terminalreporter):
    if TIMES:
        terminalreporter.section("spark equivalence: wall time of each night (the real Dagster job)")
        for (engine, night), seconds in TIMES.items():
            terminalreporter.write_line(f"{engine:>6} {night:>11} night: {seconds:6.0f} s")
