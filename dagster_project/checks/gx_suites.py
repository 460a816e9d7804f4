"""Run a Great Expectations suite (a JSON file under ``expectations/``) on a pandas frame.

GX runs on dataframe batches (the SQL route through duckdb-engine has known wrong-result
issues). Value sets may be read from a dbt seed (``{"$seed": "grade_values.raw_value"}``) or
from a reference table (``{"$reference": "schools.学校标识码"}``), so accepted values live in
one place. Results carry counts only, never values, unless an expectation's meta says
``show_values`` (for columns without personal data, such as township codes).
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
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
    examples: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()  # "file 第N行" of the first offending rows, where the frame has them

    def describe(self) -> str:
        where = f"「{self.column}」" if self.column else "表"
        count = f"，不符合 {self.unexpected_count} 行" if self.unexpected_count else ""
        shown = f"（如 {'、'.join(self.examples)}）" if self.examples else ""
        at = f"，见 {'、'.join(self.rows)}" if self.rows else ""
        return f"[{self.severity}] {where} {self.expectation}{count}{shown}{at}。{self.fix}".strip()


@dataclass(frozen=True)
class Outcome:
    suite: str
    evaluated: int
    failures: tuple[Failure, ...]
    html: str  # the validation rendered as a Data Docs page

    @property
    def critical(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.severity == "critical")


ReferenceValues = Callable[[str, str], list[str]]  # (table, column) -> values in the reference


def _resolve(value: object, seeds_dir: Path, reference: ReferenceValues) -> object:
    if isinstance(value, dict) and set(value) == {"$seed"}:
        seed, column = value["$seed"].split(".")
        with (seeds_dir / f"{seed}.csv").open(encoding="utf-8") as f:
            return sorted({row[column] for row in csv.DictReader(f)})
    if isinstance(value, dict) and set(value) == {"$reference"}:
        values: set[str] = set()
        for ref in value["$reference"].split(","):
            table, column = ref.strip().split(".")
            values.update(reference(table, column))
        return sorted(values)
    return value


def load_suite_spec(path: Path, seeds_dir: Path, reference: ReferenceValues) -> dict:
    spec = json.loads(path.read_text(encoding="utf-8"))
    for e in spec["expectations"]:
        e["kwargs"] = {k: _resolve(v, seeds_dir, reference) for k, v in e["kwargs"].items()}
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
        .get_batch(batch_parameters={"dataframe": df})
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
    result_format: dict = {"result_format": "SUMMARY", "partial_unexpected_count": 3}
    if {"_source_file", "_row_number"} <= set(df.columns):
        result_format["unexpected_index_column_names"] = ["_source_file", "_row_number"]
    result = batch.validate(suite, result_format=result_format)
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
                examples=tuple(str(v) for v in ((r.result or {}).get("partial_unexpected_list") or []))
                if (cfg.meta or {}).get("show_values")
                else (),
                rows=tuple(
                    f"{i['_source_file']} 第{i['_row_number']}行"
                    for i in ((r.result or {}).get("partial_unexpected_index_list") or [])
                    if isinstance(i, dict) and "_row_number" in i
                ),
            )
        )
    return Outcome(spec["name"], len(result.results), tuple(failures), _data_docs_page(result))


def _data_docs_page(result) -> str:
    """The GX Data Docs page of a validation, with value lists removed where they could hold
    personal data (only expectations marked ``show_values`` keep them)."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    for r in result.results:
        if not (r.expectation_config.meta or {}).get("show_values") and r.result:
            for key in (
                "partial_unexpected_list",
                "partial_unexpected_counts",
                "partial_unexpected_index_list",
                "unexpected_index_query",
            ):
                r.result.pop(key, None)
    return DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
