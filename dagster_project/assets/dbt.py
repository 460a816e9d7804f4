"""The dbt project as Dagster assets (staging, intermediate, marts, audit; seeds)."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_project.config import REPO_ROOT
from dagster_project.resources import WarehouseResource

DBT_PROJECT = DbtProject(project_dir=REPO_ROOT / "dbt", profiles_dir=REPO_ROOT / "dbt")


class KcbxTranslator(DagsterDbtTranslator):
    """Models and seeds are keyed by their warehouse schema (``marts/out_of_school``); sources
    keep the default ``raw/<table>``, which are the landing assets."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dbt_resource_props["schema"]
        return super().get_group_name(dbt_resource_props)


# One target folder for every run (dagster-dbt otherwise leaves a new one behind each night).
RUN_TARGET = REPO_ROOT / "dbt" / "target" / "nightly"


def full_refresh_needed(con: duckdb.DuckDBPyConnection, requested: bool) -> str | None:
    """Why incremental models must be rebuilt from scratch this run, or None: a full rebuild was
    asked for (KCBX_FULL_REFRESH=1, `make rebuild`), or an already loaded file was replaced or
    removed since the last build (its old rows may live on in incremental models)."""
    if requested:
        return "KCBX_FULL_REFRESH=1"
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw' and table_name = 'load_changes'"
    ).fetchone()[0]
    if not exists:
        return None
    changed = con.execute("select string_agg(source_file, ', ') from raw.load_changes where not rebuilt").fetchone()[0]
    return f"files replaced or removed: {changed}" if changed else None


def build_dbt_assets() -> dg.AssetsDefinition:
    @dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=KcbxTranslator())
    def kcbx_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        # The dbt profile reads the build warehouse path from this variable.
        os.environ["KCBX_BUILD_DB"] = warehouse.build_db
        with warehouse.build_connection() as con:
            reason = full_refresh_needed(con, warehouse.full_refresh)
        args = ["build"]
        if reason:
            context.log.info(f"dbt build --full-refresh: {reason}")
            args.append("--full-refresh")
        yield from dbt.cli(args, context=context, target_path=RUN_TARGET).stream()
        if reason:
            with warehouse.build_connection() as con:
                con.execute("update raw.load_changes set rebuilt = true where not rebuilt")

    return kcbx_dbt_models
