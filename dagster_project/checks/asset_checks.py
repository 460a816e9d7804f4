"""Blocking asset checks: a critical failure stops the run before dbt and publishing."""

import dagster as dg

from dagster_project.checks.gx_suites import load_suite_spec, validate_frame
from dagster_project.config import REPO_ROOT
from dagster_project.resources import WarehouseResource

EXPECTATIONS_DIR = REPO_ROOT / "expectations"


@dg.asset_check(
    asset=dg.AssetKey(["raw", "student_status"]),
    name="student_status_expectations",
    blocking=True,
    description="Great Expectations 套件 expectations/student_status.json：必需列、学籍号与学校码格式、状态和年级取值、每个快照学籍号唯一。",
)
def student_status_expectations(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    spec = load_suite_spec(EXPECTATIONS_DIR / "student_status.json", REPO_ROOT / "dbt" / "seeds")
    with warehouse.build_connection() as con:
        df = con.execute("select * exclude (_extra, _file_hash, _loaded_at) from raw.student_status").df()
    outcome = validate_frame(df, spec)
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
            "rows_checked": len(df),
            "expectations": outcome.evaluated,
            "failed_critical": len(outcome.critical),
            "failed_warning": len(outcome.failures) - len(outcome.critical),
            "failures": dg.MetadataValue.json(messages),
        },
    )
