"""The nightly job: land every extract, gate it, build the dbt project, publish."""

import dagster as dg

from dagster_project.automation.alerts import alert_on_failure

nightly_job = dg.define_asset_job(
    "kcbx_nightly",
    selection=dg.AssetSelection.all(),
    description="夜间作业：入库四类抽取和参考文件 → 质量检查 → dbt 构建与测试 → 全部通过后发布。",
    config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    hooks={alert_on_failure},
)
