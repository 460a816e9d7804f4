"""The dbt project as Dagster assets (staging, intermediate, marts, audit; seeds)."""

import hashlib
import json
import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from dagster_project import spark
from dagster_project.assets.dbt_failures import explain_dbt_failure
from dagster_project.checks.asset_checks import record_outcome
from dagster_project.config import REPO_ROOT
from dagster_project.failures import is_dbt_unique_id, stale_manifest_message
from dagster_project.ingest.specs import has_table
from dagster_project.publish import PUBLISHED_SCHEMAS
from dagster_project.resources import NightResource, WarehouseResource

if TYPE_CHECKING:  # the repository's asset graph (dagster exports no public name for its type)
    from dagster._core.definitions.assets.graph.base_asset_graph import BaseAssetGraph

DBT_PROJECT = DbtProject(project_dir=REPO_ROOT / "dbt", profiles_dir=REPO_ROOT / "dbt")


class KcbxTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed by their warehouse schema (``marts/out_of_school``); sources
    keep the default ``raw/<table>``, which are the landing assets.

    dbt's data tests are not Dagster asset checks: each check costs every run an event in the
    event log whether or not its test runs (420 tests: most of a quiet night's time). Their
    outcome is the build's (a failed test fails the step, explained by dbt_failures.py) and the
    night's counts are recorded in meta.check_results (suite ``dbt``)."""

    def __init__(self):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dbt_resource_props["schema"]
        return super().get_group_name(dbt_resource_props)


# dbt's target folder for the nightly builds: beside the build warehouse, one per county's data
# folder (dagster-dbt otherwise leaves a new one behind each night), so that two counties' runs
# on one machine never share run_results.json or partial-parse state.
RUN_TARGET_NAME = "dbt_target"
STOP_GRACE_SECONDS = 30  # how long a failed run's dbt gets to stop before it is told harder


def run_target(warehouse: WarehouseResource) -> Path:
    if warehouse.engine == "spark":  # Spark's own target and log folder, beside its metastore
        return Path(warehouse.spark_dir) / RUN_TARGET_NAME
    return Path(warehouse.build_db).parent / RUN_TARGET_NAME


def full_refresh_needed(con: duckdb.DuckDBPyConnection, requested: bool) -> str | None:
    """Why incremental models must be rebuilt from scratch this run, or None: a full rebuild was
    asked for (`make rebuild`, KCBX_FULL_REFRESH=1 or the run config's full_refresh), or an
    already loaded file was replaced or removed since the last build (its old rows may live on in
    incremental models)."""
    if requested:
        return "full_refresh asked for"
    if not has_table(con, "raw", "load_changes"):
        return None
    changed = con.execute("select string_agg(source_file, ', ') from raw.load_changes where not rebuilt").fetchone()[0]
    return f"files replaced or removed: {changed}" if changed else None


# Files whose change means every model may change: any edit to the project rebuilds everything.
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
# Landing bookkeeping: it changes whenever any file lands.
BOOKKEEPING_SOURCES = ("load_files", "load_file_columns", "load_quarantine")
BUILDS_DDL = """
create table if not exists raw.dbt_builds (
    built_at timestamp, project_hash varchar, landed_through timestamp, changed_through timestamp,
    left_out varchar
);
-- added later: the run that built (earlier builds have none)
alter table raw.dbt_builds add column if not exists run_id varchar;
"""


def project_fingerprint(project_dir: Path, engine: str = "duckdb", as_of: date | None = None) -> str:
    """A hash of the dbt project's own files (not of the data), of the engine that builds it (a
    build on the other engine left no tables this one could keep) and of the as-of date asked
    for (every model reads it): a change to any of them builds every model."""
    digest = hashlib.sha256()
    if engine != "duckdb":
        digest.update(engine.encode())
    if as_of is not None:
        digest.update(f"as_of_date={as_of.isoformat()}".encode())
    for part in PROJECT_PARTS:
        root = project_dir / part
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def changed_sources(con: duckdb.DuckDBPyConnection, fingerprint: str) -> list[str] | None:
    """The dbt sources (raw tables) that landed or changed since the last build; None when every
    model must be built (no build yet, or the project changed since the last one). Landing
    bookkeeping counts as changed whenever anything landed."""
    con.execute(BUILDS_DDL)
    last = con.execute(
        "select project_hash, landed_through, changed_through from raw.dbt_builds order by built_at desc limit 1"
    ).fetchone()
    if last is None or last[0] != fingerprint:
        return None
    changed = [
        r[0]
        for r in con.execute(
            """
            select extract from raw.load_files where loaded_at > coalesce(?, timestamp '-infinity')
            union
            select extract from raw.load_changes where changed_at > coalesce(?, timestamp '-infinity')
            order by 1
            """,
            [last[1], last[2]],
        ).fetchall()
    ]
    return [*changed, *BOOKKEEPING_SOURCES] if changed else []


def not_downstream(manifest: Mapping[str, Any], sources: list[str]) -> list[str]:
    """The models and seeds that read none of ``sources``, directly or through other models:
    what a build may leave as the last build made it. A snapshot is thus processed the night it
    arrives, and models that read only snapshots are not rebuilt on a night of attendance."""
    todo = [uid for uid, s in manifest["sources"].items() if s["source_name"] == "raw" and s["name"] in sources]
    reached: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid not in reached:
            reached.add(uid)
            todo.extend(manifest["child_map"].get(uid, []))
    return sorted(
        node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed") and uid not in reached
    )


def record_build(con: duckdb.DuckDBPyConnection, fingerprint: str, left_out: list[str] | None, run_id: str) -> None:
    """After a successful build: how far into the landing it read, what it left out, and which
    run built (a night that builds nothing records nothing)."""
    con.execute(BUILDS_DDL)
    con.execute(
        """
        insert into raw.dbt_builds (built_at, project_hash, landed_through, changed_through, left_out, run_id)
        select now(), ?, (select max(loaded_at) from raw.load_files), (select max(changed_at) from raw.load_changes), ?, ?
        """,
        [fingerprint, " ".join(left_out or []) or "nothing", run_id],
    )


def read_outside(graph: "BaseAssetGraph", own: set[dg.AssetKey]) -> set[dg.AssetKey]:
    """The assets of ``own`` (one step's) that something outside the step reads (an asset
    downstream, or a check): a night that leaves one of them as built must still say so, or
    Dagster skips its readers."""
    return {key for key in own if graph.get(key).child_keys - own or graph.get(key).check_keys}


def _standing(context: dg.AssetExecutionContext, produced: set[str]) -> Iterator[dg.Output]:
    """Outputs for the models read outside this step that this run leaves as the last build made
    them (nothing upstream of them changed), dependencies first, as Dagster wants a
    multi-asset's outputs. Models nothing outside reads get no output: Dagster shows them as not
    materialised this run, which is what happened (and each output costs the event log)."""
    deps = {spec.key: {d.asset_key for d in spec.deps} for spec in context.assets_def.specs}
    wanted = read_outside(context.repository_def.asset_graph, set(context.assets_def.keys))
    wanted &= context.selected_asset_keys
    done: set[dg.AssetKey] = set()

    def visit(key: dg.AssetKey) -> Iterator[dg.Output]:
        if key in done or key not in context.selected_asset_keys:
            return
        done.add(key)
        for dep in sorted(deps.get(key, ()), key=lambda k: k.to_user_string()):
            yield from visit(dep)
        name = context.assets_def.get_output_name_for_asset_key(key)
        if key in wanted and name not in produced:
            yield dg.Output(
                None, output_name=name, metadata={"rebuilt": False, "why": "上游数据自上次构建以来没有变化"}
            )

    for key in sorted(wanted, key=lambda k: k.to_user_string()):
        yield from visit(key)


def dbt_test_counts(manifest: Mapping[str, Any], run_results: Mapping[str, Any] | None) -> dict[str, int]:
    """The project's data tests this build: how many ran, failed, warned, and did not run (their
    models stand as an earlier build made and tested them). A test that did not run is never
    counted as passed."""
    tests = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test"}
    status = {r["unique_id"]: r["status"] for r in (run_results or {}).get("results", []) if r["unique_id"] in tests}
    ran = [s for s in status.values() if s in ("pass", "warn", "fail", "error")]
    return {
        "ran": len(ran),
        "failed": sum(s in ("fail", "error") for s in ran),
        "warned": ran.count("warn"),
        "not_run": len(tests) - len(ran),
    }


def _record_tests(context: dg.AssetExecutionContext, warehouse: WarehouseResource, target: Path) -> None:
    """The night's dbt tests in the run's quality record (meta.check_results once published).
    A test that did not run is counted as not run, never as passed."""
    results = target / "run_results.json"
    counts = dbt_test_counts(
        json.loads(DBT_PROJECT.manifest_path.read_text()),
        json.loads(results.read_text()) if results.exists() else None,
    )
    page = (
        f"<p>dbt 数据测试：本次运行 {counts['ran']} 项（失败 {counts['failed']}，警告 {counts['warned']}）；"
        f"未运行 {counts['not_run']} 项：它们的模型上游数据没有变化，表与上次构建时相同，结果见上次运行。</p>"
    )
    record_outcome(
        Path(warehouse.docs_dir) / context.run.run_id,
        "dbt",
        page,
        counts["ran"],
        counts["failed"],
        counts["warned"],
        counts["not_run"],
    )
    context.log.info(
        f"dbt tests: {counts['ran']} run ({counts['failed']} failed, {counts['warned']} warned), "
        f"{counts['not_run']} not run (their models stand; counted as not run, never as passed)"
    )


def stop(process: subprocess.Popen, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """End a dbt process that is still running: it must not keep the build warehouse locked
    after its run has failed. dbt is asked first (an interrupt lets it close its connection),
    then told."""
    for send in (lambda: process.send_signal(signal.SIGINT), process.terminate, process.kill):
        if process.poll() is not None:
            return
        send()
        try:
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            continue


def run_dbt(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    args: list[str],
    target: Path | None = None,
    rows: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> Iterator:
    """``dbt <args>``'s events; a failure ends as one message naming what failed and where
    (see dbt_failures.py; ``rows`` connects to the built tables, default the build warehouse),
    and the dbt process never outlives the step."""
    target = target or run_target(warehouse)
    results = target / "run_results.json"
    results.unlink(missing_ok=True)  # what dbt writes now is this build's
    invocation = dbt.cli(args, context=context, target_path=target, raise_on_error=False)
    try:
        # test results come as one observation per test: counted by _record_tests instead
        yield from (e for e in invocation.stream() if not isinstance(e, dg.AssetObservation))
    except KeyError as e:
        if is_dbt_unique_id(e.args[0] if e.args else None):
            raise dg.Failure(description=stale_manifest_message(e.args[0])) from None
        raise
    finally:
        stop(invocation.process)
    if not invocation.is_successful():
        manifest = target / "manifest.json"  # the project as this build parsed it
        raise dg.Failure(
            description=explain_dbt_failure(
                json.loads(results.read_text()) if results.exists() else None,
                json.loads((manifest if manifest.exists() else DBT_PROJECT.manifest_path).read_text()),
                Path(warehouse.build_db),
                getattr(invocation, "_error_messages", []),
                warehouse.settings,
                rows,
            )
        )


def on_spark(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, args: list[str], dbt_vars: dict[str, str]
) -> tuple[list[str], Callable[[], duckdb.DuckDBPyConnection]]:
    """What a build on Spark adds to ``args`` (the spark target, its folder and the landed raw
    tables written as Parquet, registered by the build's first hook), and where a failed build's
    rows are looked up."""
    try:
        spark.require_spark()
    except spark.SparkMissing as e:
        raise dg.Failure(description=str(e)) from None
    spark_dir = Path(warehouse.spark_dir)
    with warehouse.explained():
        tables = spark.export_raw(Path(warehouse.build_db), spark_dir / "raw")
    context.log.info(f"Spark: {len(tables)} raw tables written as Parquet under {spark_dir / 'raw'}")
    dbt_vars = {**dbt_vars, "kcbx_spark_dir": str(spark_dir), **spark.raw_parquet_vars(spark_dir / "raw", tables)}
    args = [*args, "--target", "spark", "--vars", json.dumps(dbt_vars)]
    left_out = {"all": [], "unit": ["test"], "none": ["test", "unit_test"]}[warehouse.spark_tests]
    if left_out:
        context.log.info(f"Spark: KCBX_SPARK_TESTS={warehouse.spark_tests}: no {' or '.join(left_out)} nodes run")
        args += [a for kind in left_out for a in ("--exclude-resource-type", kind)]
    return args, lambda: spark.parquet_connection(Path(warehouse.build_db), spark_dir / "warehouse")


def build_dbt_assets() -> dg.AssetsDefinition:
    @dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=KcbxTranslator())
    def kcbx_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, night: NightResource
    ):
        as_of = night.as_of()
        # the dbt profile reads the run's paths from these vars (dbt/profiles.yml), int_as_of the as-of date
        dbt_vars = {"kcbx_build_db": warehouse.build_db, **({"as_of_date": as_of.isoformat()} if as_of else {})}
        if as_of:
            context.log.info(f"dbt build: as of {as_of.isoformat()} (as_of_date asked for)")
        on_duckdb = warehouse.engine == "duckdb"
        fingerprint = project_fingerprint(Path(DBT_PROJECT.project_dir), warehouse.engine, as_of)
        with warehouse.build_connection() as con:
            reason = full_refresh_needed(con, night.full_refresh)
            changed = None if reason else changed_sources(con, fingerprint)
        if not on_duckdb and changed and not (Path(warehouse.spark_dir) / "metastore_db").exists():
            changed = None  # Spark's tables are gone: nothing stands as the last build made it
        target = run_target(warehouse)
        args = ["build"]
        left_out: list[str] | None = None
        if reason:
            context.log.info(f"dbt build --full-refresh: {reason}")
            args.append("--full-refresh")
        elif changed is None:
            context.log.info("dbt build: every model (the first build, or the project, engine or as-of date changed)")
        elif changed:
            left_out = not_downstream(json.loads(DBT_PROJECT.manifest_path.read_text()), changed)
            context.log.info(
                f"dbt build: what reads {', '.join(changed)}; {len(left_out)} models and seeds stand as built;"
                " no unit tests (they test the project, unchanged since they last ran)"
            )
            args += ["--exclude", " ".join(left_out)] if left_out else []
            args += ["--exclude-resource-type", "unit_test"]
        else:
            context.log.info("dbt build: nothing landed since the last build, every model stands")
        target.joinpath("run_results.json").unlink(missing_ok=True)  # a night without a build
        if changed != []:
            # the models left out are upstream-closed: their outputs go first
            rebuilt = {
                context.assets_def.get_output_name_for_asset_key(key)
                for key in context.selected_asset_keys
                if key.path[-1] not in (left_out or [])
            }
            yield from _standing(context, rebuilt)
            if on_duckdb:
                yield from run_dbt(context, dbt, warehouse, [*args, "--vars", json.dumps(dbt_vars)])
            else:
                args, rows = on_spark(context, warehouse, args, dbt_vars)
                yield from run_dbt(context, dbt, warehouse, args, target, rows)
                with warehouse.build_connection() as con:
                    loaded = spark.load_spark_tables(
                        con, Path(warehouse.spark_dir) / "warehouse", json.loads(DBT_PROJECT.manifest_path.read_text())
                    )
                context.log.info(
                    f"Spark: {len(loaded)} tables of {', '.join(PUBLISHED_SCHEMAS)} read into {warehouse.build_db}"
                )
        else:
            yield from _standing(context, set())
        _record_tests(context, warehouse, target)
        with warehouse.build_connection() as con:
            if reason:
                con.execute("update raw.load_changes set rebuilt = true where not rebuilt")
            if changed != []:
                record_build(con, fingerprint, left_out, context.run.run_id)

    return kcbx_dbt_models
