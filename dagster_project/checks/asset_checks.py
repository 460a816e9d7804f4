"""Blocking asset checks built from the suites under ``expectations/``.

Row suites validate each raw extract before dbt runs (a critical failure stops the run before
any model is built). Delivery suites validate volume and freshness on the typed staging data
after dbt and before publishing. Either way a critical failure leaves the published warehouse
as it was; warnings are recorded on the check and shown. Each validation is also written as a
Data Docs page under ``<docs_dir>/<run id>/``.
"""

import html
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from dagster_project.checks import frames
from dagster_project.checks.gx_suites import Outcome, load_suite_spec, validate_frame
from dagster_project.config import REPO_ROOT
from dagster_project.ingest.specs import has_table, quote_ident
from dagster_project.resources import WarehouseResource

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SEEDS_DIR = REPO_ROOT / "dbt" / "seeds"
REFERENCE_TABLES = ("schools", "townships", "township_aliases")
# Row suites, and the reference tables their value sets read (landed before the check runs).
ROW_SUITES = {
    "household": ("townships", "township_aliases"),
    "student_status": ("schools",),
    "attendance": ("schools",),
    "poverty": ("townships", "township_aliases"),
    "schools": ("townships", "township_aliases"),
    "townships": (),
    "enrollment_history": (),
    "calendar": (),
    "township_aliases": ("townships",),
}


def _reference_values(con: duckdb.DuckDBPyConnection) -> Callable[[str, str], list[str]]:
    def values(table: str, column: str) -> list[str]:
        if table not in REFERENCE_TABLES:
            raise ValueError(f"unknown reference table {table}")
        rows = con.execute(f"select distinct {quote_ident(column)} from raw.{quote_ident(table)}").fetchall()
        return [r[0] for r in rows if r[0]]

    return values


def _result(outcome: Outcome, rows: int, docs: Path) -> dg.AssetCheckResult:
    messages = [f.describe() for f in outcome.failures]
    if outcome.critical:
        severity, passed = dg.AssetCheckSeverity.ERROR, False
    elif outcome.failures:
        severity, passed = dg.AssetCheckSeverity.WARN, False
    else:
        severity, passed = dg.AssetCheckSeverity.ERROR, True
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        description="；".join(messages) if messages else f"{outcome.evaluated} 项期望全部通过",
        metadata={
            "rows_checked": rows,
            "expectations": outcome.evaluated,
            "failed_critical": len(outcome.critical),
            "failed_warning": len(outcome.failures) - len(outcome.critical),
            "failures": dg.MetadataValue.json(messages),
            "data_docs": dg.MetadataValue.path(str(docs)),
        },
    )


def _verdict(critical: int, warning: int, evaluated: int = 1) -> str:
    return "未通过" if critical else "有警告" if warning else "通过" if evaluated else "未评估"


def _table_page(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain Data Docs index page: a heading and a table; cells are escaped unless they are links."""

    def cell(value: str) -> str:
        return value if value.startswith("<a ") else html.escape(value)

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (
        f'<!doctype html><html lang="zh"><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<h1>{html.escape(title)}</h1><table border=1 cellpadding=4><tr>{head}</tr>{body}</table></html>"
    )


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def record_outcome(
    folder: Path, suite: str, page: str, evaluated: int, critical: int, warning: int, not_evaluated: int = 0
) -> None:
    """A suite's page in the run's Data Docs, and its line in the run's index (index.json, which
    publishing copies into meta.check_results, and index.html): how many of its expectations or
    tests were evaluated this run, failed, warned, and were not evaluated."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{suite}.html").write_text(page, encoding="utf-8")
    state_file = folder / "index.json"
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    state[suite] = {
        "expectations": evaluated,
        "critical": critical,
        "warning": warning,
        "not_evaluated": not_evaluated,
    }
    state_file.write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
    rows = [
        (
            _link(f"{name}.html", name),
            str(s["expectations"]),
            _verdict(s["critical"], s["warning"], s["expectations"]),
            str(s["critical"]),
            str(s["warning"]),
            str(s["not_evaluated"]),
        )
        for name, s in sorted(state.items())
    ]
    index = _table_page(
        f"数据质量检查 · 运行 {folder.name}", ("套件", "期望数", "结果", "严重", "警告", "未评估"), rows
    )
    (folder / "index.html").write_text(index, encoding="utf-8")


Batches = Callable[[duckdb.DuckDBPyConnection, dict], Iterable[tuple[str, pd.DataFrame]]]


def _batch_index(suite: str, pages: list[tuple[str, Outcome, int]]) -> str:
    rows = [
        (
            _link(f"{suite}/{i}.html", label),
            f"{n:,}",
            _verdict(len(o.critical), len(o.failures) - len(o.critical)),
        )
        for i, (label, o, n) in enumerate(pages)
    ]
    return _table_page(f"{suite}：逐个文件检查", ("文件", "行数", "结果"), rows)


def validate(con: duckdb.DuckDBPyConnection, suite: str, batches: Batches) -> list[tuple[str, Outcome, int]]:
    """The suite ``expectations/<suite>.json`` validated on each batch: (label, outcome, rows)."""
    spec = load_suite_spec(EXPECTATIONS_DIR / f"{suite}.json", SEEDS_DIR, _reference_values(con))
    return [(label, validate_frame(df, spec), len(df)) for label, df in batches(con, spec)]


def last_build_published(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the run that made the last dbt build published it: the models stand as they were
    when that run's delivery suites passed on them (a night that lands nothing builds nothing)."""
    if not (has_table(con, "raw", "dbt_builds") and has_table(con, "meta", "publish_log")):
        return False
    return con.execute(
        """
        select count(*) > 0 from meta.publish_log
        where run_id = (select run_id from raw.dbt_builds order by built_at desc limit 1)
        """
    ).fetchone()[0]


def run_suite(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    suite: str,
    batches: Batches,
    check_name: str,
) -> dg.AssetCheckResult | None:
    """A suite's result; None when it had nothing to evaluate (Dagster shows the check skipped)."""
    with warehouse.explained():
        return _run_suite(context, warehouse, suite, batches, check_name)


def _run_suite(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    suite: str,
    batches: Batches,
    check_name: str,
) -> dg.AssetCheckResult | None:
    folder = Path(warehouse.docs_dir) / context.run.run_id
    if suite in DELIVERY_SUITES:
        with warehouse.build_connection() as con:
            standing = last_build_published(con)
        if standing:
            return _not_evaluated(
                context,
                folder,
                suite,
                check_name,
                "模型自上次发布以来没有重建，上次发布时已检查。",
                "the models stand as the last published build made them",
            )
    # delivery suites read the models dbt built (on Spark: its Parquet tables), row suites raw
    with warehouse.models_connection() if suite in DELIVERY_SUITES else warehouse.build_connection() as con:
        pages = validate(con, suite, batches)
    if not pages:
        return _not_evaluated(
            context,
            folder,
            suite,
            check_name,
            "没有新到或改动的文件。已发布的数据在入库当晚检查过。",
            "no new or changed file",
        )
    if len(pages) == 1:
        outcome = pages[0][1]
    else:
        (folder / suite).mkdir(parents=True, exist_ok=True)
        for i, (_, page, _) in enumerate(pages):
            (folder / suite / f"{i}.html").write_text(page.html, encoding="utf-8")
        outcome = Outcome(
            suite,
            max(page.evaluated for _, page, _ in pages),
            tuple(f for _, page, _ in pages for f in page.failures),
            _batch_index(suite, pages),
        )
    docs = folder / f"{suite}.html"
    critical = len(outcome.critical)
    record_outcome(folder, suite, outcome.html, outcome.evaluated, critical, len(outcome.failures) - critical)
    for failure in outcome.failures:
        log = context.log.error if failure.severity == "critical" else context.log.warning
        log(f"{check_name}: {failure.describe()}")
    return _result(outcome, sum(n for _, _, n in pages), docs)


def _not_evaluated(
    context: dg.AssetCheckExecutionContext, folder: Path, suite: str, check_name: str, why: str, why_logged: str
) -> None:
    """A suite with nothing to evaluate tonight: no result, which Dagster shows as skipped (never
    as passed); the run's record counts its expectations as not evaluated."""
    expectations = json.loads((EXPECTATIONS_DIR / f"{suite}.json").read_text("utf-8"))["expectations"]
    record_outcome(folder, suite, f"<p>未评估：{why}</p>", 0, 0, 0, len(expectations))
    context.log.info(f"{check_name}: not evaluated, {why_logged}")


def _row_check(suite: str, references: tuple[str, ...]) -> dg.AssetChecksDefinition:
    deps = [dg.AssetKey(["raw", t]) for t in references]

    @dg.asset_check(
        asset=dg.AssetKey(["raw", suite]),
        name=f"{suite}_expectations",
        blocking=True,
        additional_deps=deps,
        description=f"Great Expectations 套件 expectations/{suite}.json（入库后、dbt 之前）",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult | None:
        return run_suite(context, warehouse, suite, frames.row_batches, f"{suite}_expectations")

    return _check


# Delivery suites: run on the typed data after dbt, before publishing.
DELIVERY_SUITES: dict[str, tuple[str, Batches]] = {
    "delivery_volume": (
        "各抽取最新一次报送的行数与上一次相比在容差内。",
        lambda con, spec: [("", frames.volume_frame(con, spec["params"]["tolerance"]))],
    ),
    "attendance_freshness": (
        "最近几个上学日每个乡镇、每所学校都有考勤。",
        lambda con, spec: [("", frames.freshness_frame(con, spec["params"]["days"]))],
    ),
}


def _delivery_check(suite: str) -> dg.AssetChecksDefinition:
    what, frame = DELIVERY_SUITES[suite]

    @dg.asset_check(
        asset=dg.AssetKey(["staging", "stg_attendance"]),
        name=suite,
        blocking=True,
        description=f"Great Expectations 套件 expectations/{suite}.json：{what}",
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult | None:
        return run_suite(context, warehouse, suite, frame, suite)

    return _check


def asset_checks() -> list[dg.AssetChecksDefinition]:
    return [
        *(_row_check(suite, refs) for suite, refs in ROW_SUITES.items()),
        *(_delivery_check(suite) for suite in DELIVERY_SUITES),
    ]
