"""The dbt project as Dagster assets (staging, intermediate, marts, audit; seeds)."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
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


def build_dbt_assets() -> dg.AssetsDefinition:
    @dbt_assets(manifest=DBT_PROJECT.manifest_path, project=DBT_PROJECT, dagster_dbt_translator=KcbxTranslator())
    def kcbx_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        # The dbt profile reads the build warehouse path from this variable.
        os.environ["KCBX_BUILD_DB"] = warehouse.build_db
        yield from dbt.cli(["build"], context=context).stream()

    return kcbx_dbt_models
