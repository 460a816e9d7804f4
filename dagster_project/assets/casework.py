"""Case work in the nightly run: the case-number key, created once before dbt needs it."""

import dagster as dg

from casework import config
from casework.case_ids import ensure_key


@dg.asset(
    key=["casework", "case_id_key"],
    group_name="raw",
    kinds={"python"},
    description="案件编号密钥（KCBX_CASE_ID_KEY_FILE，默认 data/case_id.key）：不存在时生成一次（32字节随机数，仅属主可读）。"
    "密钥只在查询时由 dbt 读取，不写入日志和仓库；丢失或更换密钥会使全部案件编号改变，请与个案工作库一起备份。",
)
def case_id_key(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    path = config.key_file()
    existed = path.exists()
    ensure_key(path)
    context.log.info(f"case-number key {'kept' if existed else 'created'}: {path}")
    return dg.MaterializeResult(metadata={"path": str(path), "created": not existed})


casework_assets = [case_id_key]
