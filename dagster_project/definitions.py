"""Definitions root: wires assets, checks, resources and the job; no logic of its own."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from dagster_project.assets.casework import casework_assets
from dagster_project.assets.dbt import DBT_PROJECT, build_dbt_assets
from dagster_project.assets.publish import build_publish_asset
from dagster_project.assets.raw import raw_assets
from dagster_project.automation.triggers import new_files_sensor, nightly_schedule
from dagster_project.checks.asset_checks import asset_checks
from dagster_project.config import Settings
from dagster_project.jobs import nightly_job
from dagster_project.resources import DbtCli, NightResource, WarehouseResource

_settings = Settings.from_env()
_dbt_models = build_dbt_assets()
_checks = asset_checks()

defs = dg.Definitions(
    assets=[*raw_assets(_settings), *casework_assets, _dbt_models, build_publish_asset(_dbt_models, _checks)],
    asset_checks=_checks,
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_files_sensor],
    # Whatever is materialised, one step at a time: DuckDB allows one writer to the build file.
    executor=dg.in_process_executor,
    resources={
        "warehouse": WarehouseResource.from_settings(_settings),
        # what one run does beyond a night's defaults: full_refresh, as_of_date (run config)
        "night": NightResource.from_settings(_settings),
        # dbt from the same environment, whether or not it is activated
        "dbt": DbtCli(
            project_dir=DBT_PROJECT,
            dbt_executable=str(Path(sys.executable).parent / "dbt"),
            global_config_flags=["--log-level-file", "info"],
        ),
    },
)
