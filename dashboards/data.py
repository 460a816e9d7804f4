"""The one way the dashboards read data: short-lived read-only queries on the published file.

A connection lives for one query, so the dashboard never holds the file open; the nightly run
writes a separate build file and atomically replaces the published one, so it is never
blocked. Cached results are keyed by the published file's identity (inode, mtime, size): a newly
published warehouse is picked up on the next page view without a restart.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "data" / "warehouse.duckdb"


def warehouse_path() -> Path:
    return Path(os.environ.get("KCBX_WAREHOUSE", DEFAULT_WAREHOUSE))


def warehouse_version(path: Path) -> tuple[int, int, int] | None:
    try:
        s = path.stat()
    except FileNotFoundError:
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_query(path: str, version: tuple[int, int, int], sql: str, params: tuple) -> pd.DataFrame:
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def query(sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a SELECT with bound parameters on the published warehouse."""
    path = warehouse_path()
    version = warehouse_version(path)
    if version is None:
        raise FileNotFoundError(path)
    return _cached_query(str(path), version, sql, params)


def county_summary() -> pd.DataFrame:
    return query("select * from marts.unit_summary where level = ? ", ("county",))


def township_summary() -> pd.DataFrame:
    return query("select * from marts.unit_summary where level = ? order by unit_code", ("township",))


def last_publish() -> pd.DataFrame:
    return query("select run_id, published_at, as_of_date from meta.publish_log order by published_at desc limit 1")
