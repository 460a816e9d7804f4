"""Case work in the nightly run: the case-number key (created once, before dbt needs it) and the
entries made in the dashboard, landed from the operational store into ``raw``.

The store is read in one snapshot (SQLite WAL or PostgreSQL: the dashboard keeps writing
meanwhile) and copied whole into ``raw.casework_entries`` and ``raw.casework_uploads``; the
copy is small (entries are typed by hand) and replacing it keeps ``raw`` equal to the store.
It counts as landed (``raw.load_files``, extract ``casework_entries``) only when the store
changed, so a night without new entries rebuilds nothing for them. Workbooks dropped into
``raw/casework/`` land through the ordinary extract landing (asset ``raw/casework``).
"""

import hashlib
from datetime import datetime

import dagster as dg
import duckdb
import pandas as pd

from casework import config
from casework.case_ids import ensure_key
from casework.store import Store
from dagster_project.ingest.landing import BOOKKEEPING_DDL
from dagster_project.resources import NightResource, WarehouseResource

ENTRIES = "casework_entries"
SOURCE = "看板录入"  # how the store shows in raw.load_files

_DDL = """
create table if not exists raw.casework_entries (
    entry_id bigint, case_id varchar, id_number varchar, student_no varchar, township_code varchar,
    school_code varchar, action_date date, action varchar, person varchar, departments varchar,
    result varchar, cause varchar, notes varchar, supersedes bigint, withdrawn boolean,
    entered_by varchar, entered_role varchar, entered_at timestamp
);
create table if not exists raw.casework_uploads (
    upload_id bigint, file_name varchar, file_hash varchar, rows bigint, uploaded_by varchar,
    uploaded_role varchar, township_code varchar, school_code varchar, uploaded_at timestamp
);
"""


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


def _fingerprint(*frames: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(frame.to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()


def land_store(
    con: duckdb.DuckDBPyConnection, store: Store, loaded_at: datetime, full: bool = False
) -> tuple[int, bool]:
    """Copy the store's entries and uploads into raw; (entries, whether anything changed)."""
    entries, uploads = store.export(), store.uploads()
    fingerprint = _fingerprint(entries, uploads)
    con.execute(BOOKKEEPING_DDL)
    con.execute(_DDL)
    previous = con.execute(
        "select file_hash from raw.load_files where extract = ? and source_file = ?", [ENTRIES, SOURCE]
    ).fetchone()
    if previous is not None and previous[0] == fingerprint and not full:
        # landed before delivery numbers existed: numbered now, as a delivery after all others
        con.execute(
            "update raw.load_files set delivery_seq = (select coalesce(max(delivery_seq), 0) + 1 from raw.load_files) "
            "where extract = ? and delivery_seq is null",
            [ENTRIES],
        )
        return len(entries), False
    con.execute("begin transaction")
    try:
        for table, frame in (("casework_entries", entries), ("casework_uploads", uploads)):
            con.execute(f"delete from raw.{table}")
            if len(frame):
                con.register("batch", frame)
                con.execute(f"insert into raw.{table} by name select * from batch")
                con.unregister("batch")
        (seq,) = con.execute("select coalesce(max(delivery_seq), 0) + 1 from raw.load_files").fetchone()
        con.execute("delete from raw.load_files where extract = ?", [ENTRIES])
        con.execute(
            "insert into raw.load_files (extract, source_file, file_hash, rows_loaded, rows_quarantined, loaded_at, "
            "accepted, delivery_seq) values (?, ?, ?, ?, 0, ?, false, ?)",
            [ENTRIES, SOURCE, fingerprint, len(entries), loaded_at, seq],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(entries), True


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", ENTRIES],
            group_name="raw",
            kinds={"duckdb", "python"},
            description="看板录入的劝返等个案工作记录：从个案工作库（KCBX_CASEWORK_DB，默认 data/casework.sqlite）"
            "整体复制到 raw.casework_entries；库有变化时才计为新到。",
        ),
        dg.AssetSpec(
            ["raw", "casework_uploads"],
            group_name="raw",
            kinds={"duckdb", "python"},
            description="看板上传的劝返工作簿及上传人的范围（raw.casework_uploads），与 raw.casework_entries 一同复制。",
        ),
    ]
)
def casework_entries(context: dg.AssetExecutionContext, warehouse: WarehouseResource, night: NightResource):
    store = Store(config.store_url())
    try:
        with warehouse.build_connection() as con:
            n, changed = land_store(con, store, datetime.now(), full=night.full_refresh)
    finally:
        store.dispose()
    context.log.info(f"casework entries: {n:,} in the store, {'landed' if changed else 'unchanged since the last run'}")
    yield dg.MaterializeResult(asset_key=["raw", ENTRIES], metadata={"entries": n, "changed": changed})
    yield dg.MaterializeResult(asset_key=["raw", "casework_uploads"], metadata={"changed": changed})


casework_assets = [case_id_key, casework_entries]
