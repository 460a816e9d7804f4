"""The dashboard reads the file that is published now: a warehouse replaced by a publish (os.replace)
is read anew although a connection to the old one is still open in the same process, and a
cached result is keyed by the file it was actually read from."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from dashboards import data

COUNTY = data.Scope("county")
SQL = "select count(*) as n from marts.out_of_school"


def _warehouse(path: Path, children: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(f"create table marts.out_of_school as select range as id from range({children})")
    con.close()
    return path


@pytest.fixture
def published(tmp_path, monkeypatch) -> Path:
    path = _warehouse(tmp_path / "warehouse.duckdb", 10)
    monkeypatch.setenv("KCBX_WAREHOUSE", str(path))
    data._cached_query.clear()
    yield path
    data._cached_query.clear()


def test_a_publish_is_read_although_the_old_file_is_still_open_in_the_process(published, tmp_path):
    # another session's query still running on the old file, opened as the dashboard opens files
    held = duckdb.connect(str(published), read_only=True, config={"python_enable_replacements": False})
    try:
        assert data.query(COUNTY, SQL)["n"].iloc[0] == 10
        os.replace(_warehouse(tmp_path / "next.duckdb", 261), published)
        # DuckDB hands a plain connect of the same path the instance still open: the old file
        stale = duckdb.connect(str(published), read_only=True, config={"python_enable_replacements": False})
        assert stale.execute(SQL).fetchone()[0] == 10
        stale.close()
        assert data.query(COUNTY, SQL)["n"].iloc[0] == 261
    finally:
        held.close()


def test_a_result_is_never_cached_under_the_version_of_another_file(published, tmp_path):
    version = data.warehouse_version(published)
    os.replace(_warehouse(tmp_path / "next.duckdb", 261), published)
    # a read that started from the old version's identity but would open the new file refuses
    with pytest.raises(data._Replaced):
        data._cached_query(str(published), version, COUNTY, SQL, ())
    assert data.query(COUNTY, SQL)["n"].iloc[0] == 261
    os.replace(_warehouse(tmp_path / "again.duckdb", 7), published)
    assert data.query(COUNTY, SQL)["n"].iloc[0] == 7


def test_the_published_tables_are_read_by_their_usual_names(published):
    assert data.table_exists(COUNTY, "marts", "out_of_school")
    assert not data.table_exists(COUNTY, "marts", "nothing_here")
