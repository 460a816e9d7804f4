"""One asset per extract: land every file of it in ``raw.<extract>`` with lineage."""

from datetime import datetime
from pathlib import Path

import dagster as dg

from dagster_project.config import Settings
from dagster_project.ingest.landing import land_extract
from dagster_project.ingest.specs import ExtractSpec, load_specs
from dagster_project.resources import NightResource, WarehouseResource
from dagster_project.spark import write_raw_partitions


def raw_asset(spec: ExtractSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", spec.name],
        group_name="raw",
        kinds={"duckdb", "python"},
        description=f"{spec.title}：新到或改动的{'快照' if spec.snapshot else '文件'}原样入库（raw.{spec.name}），带来源文件、行号、哈希、入库时间；"
        "Spark 引擎下另按交付批次写为 Parquet（<KCBX_SPARK_DIR>/raw/<抽取>/delivery=<批次号>/），供 Spark 读取。",
    )
    def _land(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, night: NightResource
    ) -> dg.MaterializeResult:
        night.as_of()  # a bad as-of date stops the night before anything lands
        with warehouse.explained(), warehouse.build_connection() as con:
            summary = land_extract(
                con,
                spec,
                Path(warehouse.raw_dir),
                datetime.now(),
                context.log.info,
                full=night.full_refresh,
                rules=warehouse.rules,
            )
            if warehouse.engine == "spark":  # what Spark reads: Parquet by delivery
                written, removed = write_raw_partitions(
                    con, spec.name, Path(warehouse.spark_dir) / "raw", full=night.full_refresh
                )
                context.log.info(f"{spec.name}: Parquet for Spark: {written} deliveries written, {removed} removed")
        context.log.info(summary.describe())
        return dg.MaterializeResult(
            metadata={
                "files": dg.MetadataValue.json(summary.files),
                "rows": summary.rows,
                "rows_quarantined": summary.quarantined,
                "files_unchanged": summary.unchanged,
                "blank_lines_skipped": summary.blank,
            }
        )

    return _land


def raw_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    return [raw_asset(spec) for spec in load_specs(settings.dbt_project_dir).values()]
