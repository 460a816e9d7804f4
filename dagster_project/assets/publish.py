"""The publish step: the last asset of the job, run only when everything upstream succeeded."""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from dagster_project.publish import PUBLISHED_SCHEMAS, publish
from dagster_project.resources import WarehouseResource


def build_publish_asset(
    upstream: dg.AssetsDefinition, checks: Sequence[dg.AssetChecksDefinition]
) -> dg.AssetsDefinition:
    """Publishing waits for the published schemas' models and for every asset a blocking check
    guards (a failed blocking check then stops it)."""
    guarded = {spec.asset_key for check in checks for spec in check.check_specs if spec.blocking}

    @dg.asset(
        key=["published", "warehouse"],
        deps=[key for key in upstream.keys if key.path[0] in PUBLISHED_SCHEMAS or key in guarded],
        group_name="publish",
        kinds={"duckdb"},
        description="发布：所有检查通过后，把构建库原子替换为对外发布的仓库文件（看板和分析人员只读它）；"
        "Spark 引擎下另把各数据集市发布为 Parquet 文件（仓库文件旁的 <文件名>_marts 目录）。",
    )
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.explained():
            result = publish(
                Path(warehouse.build_db),
                Path(warehouse.warehouse),
                context.run_id,
                Path(warehouse.docs_dir) / context.run_id,
                parquet=warehouse.engine == "spark",
            )
        context.log.info(
            f"published {result.path} as of {result.as_of_date}: {result.out_of_school} out-of-school, "
            f"{result.dropout_watch} on the dropout watch"
        )
        return dg.MaterializeResult(
            metadata={
                "path": str(result.path),
                "as_of_date": result.as_of_date,
                "out_of_school": result.out_of_school,
                "dropout_watch": result.dropout_watch,
                "size_bytes": result.size_bytes,
                **({"parquet": str(result.parquet)} if result.parquet else {}),
            }
        )

    return published_warehouse
