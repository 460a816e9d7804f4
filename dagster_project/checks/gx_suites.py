"""Run a Great Expectations suite (a JSON file under ``expectations/``) on a pandas frame.

GX runs on dataframe batches (the SQL route through duckdb-engine has known wrong-result
issues). Value sets may be read from a dbt seed (``{"$seed": "grade_values.raw_value"}``) so
that the accepted values live in one place. Results carry counts only, never values: the
checked columns hold ID numbers.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str | None
    severity: str  # critical | warning | info
    unexpected_count: int | None
    fix: str

    def describe(self) -> str:
        where = f"「{self.column}」" if self.column else "表"
        count = f"，不符合 {self.unexpected_count} 行" if self.unexpected_count else ""
        return f"[{self.severity}] {where} {self.expectation}{count}。{self.fix}".strip()


@dataclass(frozen=True)
class Outcome:
    suite: str
    evaluated: int
    failures: tuple[Failure, ...]

    @property
    def critical(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == "critical")


def _resolve_seed_refs(value: object, seeds_dir: Path) -> object:
    if isinstance(value, dict) and set(value) == {"$seed"}:
        seed, column = value["$seed"].split(".")
        with (seeds_dir / f"{seed}.csv").open(encoding="utf-8") as f:
            return sorted({row[column] for row in csv.DictReader(f)})
    return value


def load_suite_spec(path: Path, seeds_dir: Path) -> dict:
    spec = json.loads(path.read_text(encoding="utf-8"))
    for e in spec["expectations"]:
        e["kwargs"] = {k: _resolve_seed_refs(v, seeds_dir) for k, v in e["kwargs"].items()}
    return spec


def validate_frame(df: pd.DataFrame, spec: dict) -> Outcome:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas("frames")
        .add_dataframe_asset(spec["name"])
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": df.replace("", None)})
    )
    suite = context.suites.add(
        ExpectationSuite(
            name=spec["name"],
            expectations=[
                ExpectationConfiguration(
                    type=e["type"],
                    kwargs=e["kwargs"],
                    severity=e.get("severity", "critical"),
                    meta=e.get("meta"),
                )
                for e in spec["expectations"]
            ],
        )
    )
    result = batch.validate(suite, result_format="BASIC")
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        failures.append(
            Failure(
                expectation=cfg.type,
                column=cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", [])) or None,
                severity=str(getattr(cfg.severity, "value", cfg.severity)),
                unexpected_count=(r.result or {}).get("unexpected_count"),
                fix=(cfg.meta or {}).get("fix", ""),
            )
        )
    return Outcome(spec["name"], len(result.results), tuple(failures))
