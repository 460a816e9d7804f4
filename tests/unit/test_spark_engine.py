"""The pieces of a night on Spark (KCBX_ENGINE=spark) that need no Spark: the setting, Spark's
Parquet tables read back into the DuckDB build warehouse with their Chinese comments, a failed
build's rows looked up in those Parquet tables, and the marts published as Parquet beside the
warehouse, switched one run at a time."""

from __future__ import annotations

import os

import duckdb
import pytest

from dagster_project.config import Settings
from dagster_project.publish import parquet_link, publish
from dagster_project.spark import (
    SparkMissing,
    export_raw,
    load_spark_tables,
    parquet_connection,
    require_spark,
    write_raw_partitions,
)
from tests.unit.test_publish import _build


def _spark_table(warehouse, schema, table, sql):
    folder = warehouse / f"{schema}.db" / table
    folder.mkdir(parents=True)
    duckdb.sql(sql).write_parquet(str(folder / "part-00000.parquet"))


MANIFEST = {
    "nodes": {
        "model.kcbx.out_of_school": {
            "resource_type": "model",
            "schema": "marts",
            "name": "out_of_school",
            "description": "失学儿童名单",
            "columns": {"id_number": {"description": "身份证号"}, "gone": {"description": "不存在的列"}},
        }
    }
}


def test_the_engine_is_duckdb_unless_spark_is_asked_for_and_a_typo_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("KCBX_ENGINE", raising=False)
    monkeypatch.setenv("KCBX_BUILD_DB", str(tmp_path / "b" / "w.duckdb"))
    settings = Settings.from_env()
    assert (settings.engine, settings.spark_dir, settings.spark_tests) == ("duckdb", tmp_path / "b" / "spark", "all")
    monkeypatch.setenv("KCBX_ENGINE", "Spark")
    assert Settings.from_env().engine == "spark"
    monkeypatch.setenv("KCBX_ENGINE", "sprak")
    with pytest.raises(ValueError, match="KCBX_ENGINE='sprak': must be one of duckdb, spark"):
        Settings.from_env()


def test_without_java_the_message_says_make_spark(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SparkMissing, match=r"Java.*make spark"):
        require_spark()


def test_spark_tables_replace_the_build_warehouse_marts_with_their_comments(tmp_path):
    build = _build(tmp_path / "w.duckdb")
    _spark_table(
        tmp_path / "spark", "marts", "out_of_school", "select '1101' as id_number, 7 as n union all select null, 8"
    )
    _spark_table(tmp_path / "spark", "audit", "quarantine", "select 'a.csv' as source_file")
    _spark_table(tmp_path / "spark", "staging", "stg_x", "select 1 as x")  # not published: stays in Spark
    con = duckdb.connect(str(build))
    try:
        loaded = load_spark_tables(con, tmp_path / "spark", MANIFEST)
        assert loaded == {"marts.out_of_school": 2, "audit.quarantine": 1}
        assert con.execute("select n from marts.out_of_school order by n").fetchall() == [(7,), (8,)]
        assert con.execute("select count(*) from marts.dropout_watch").fetchone() == (2,)  # untouched
        comments = con.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'out_of_school' order by 1"
        ).fetchall()
        assert comments == [("id_number", "身份证号"), ("n", None)]
        assert con.execute("select comment from duckdb_tables() where table_name = 'out_of_school'").fetchone() == (
            "失学儿童名单",
        )
        assert not con.execute("select count(*) from duckdb_tables() where table_name = 'stg_x'").fetchone()[0]
    finally:
        con.close()


def test_a_failed_spark_build_is_explained_from_its_parquet_tables_and_the_raw_bookkeeping(tmp_path):
    build = _build(tmp_path / "w.duckdb")
    _spark_table(tmp_path / "spark", "staging", "stg_x", "select 'a.csv' as source_file, 3 as source_row")
    con = parquet_connection(build, tmp_path / "spark")
    try:
        assert con.execute("select source_file, source_row from staging.stg_x").fetchall() == [("a.csv", 3)]
        assert con.execute("select file_hash from raw.load_files").fetchall() == [("h1",)]
    finally:
        con.close()


def test_spark_publishes_the_marts_as_parquet_behind_a_link_switched_each_run(tmp_path):
    build = _build(tmp_path / "build" / "w.duckdb")
    target = tmp_path / "published" / "w.duckdb"
    first = publish(build, target, "run-1", tmp_path / "docs", parquet=True)
    link = parquet_link(target)
    assert first.parquet == link and link.is_symlink()
    names = sorted(p.name for p in link.iterdir())
    assert names == [
        "dropout_watch.parquet",
        "ledger_age_eligible.parquet",
        "monthly_report.parquet",
        "out_of_school.parquet",
    ]
    assert duckdb.sql(f"select count(*) from read_parquet('{link / 'out_of_school.parquet'}')").fetchone() == (3,)
    publish(build, target, "run-2", tmp_path / "docs", parquet=True)
    assert os.readlink(link) == ".w_marts.run-2"
    assert sorted(p.name for p in target.parent.iterdir()) == [".w_marts.run-2", "w.duckdb", "w_marts"]
    assert publish(build, target, "run-3", tmp_path / "docs").parquet is None  # DuckDB: its file only


def test_raw_parquet_follows_the_landed_deliveries_partition_by_partition(tmp_path):
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.attendance as select * from (values ('a', 'f1.csv', 1), ('b', 'f1.csv', 1), ('c', 'f2.csv', 2))"
        " as t(学号, _source_file, _delivery_seq)"
    )
    lake = tmp_path / "raw"
    assert write_raw_partitions(con, "attendance", lake) == (2, 0)
    first = (lake / "attendance" / "delivery=1" / "data.parquet").stat().st_mtime_ns
    # f2.csv replaced (its rows land again as delivery 3), a new file f4.csv
    con.execute("delete from raw.attendance where _delivery_seq = 2")
    con.execute("insert into raw.attendance values ('c2', 'f2.csv', 3), ('d', 'f4.csv', 4)")
    assert write_raw_partitions(con, "attendance", lake) == (2, 1)
    assert sorted(p.name for p in (lake / "attendance").iterdir()) == ["delivery=1", "delivery=3", "delivery=4"]
    assert (lake / "attendance" / "delivery=1" / "data.parquet").stat().st_mtime_ns == first  # not written again
    read = duckdb.sql(
        f"select 学号, _source_file, _delivery_seq, delivery from read_parquet('{lake}/attendance/*/*.parquet', hive_partitioning = true) order by 1"
    )
    assert read.fetchall() == [
        ("a", "f1.csv", 1, 1),
        ("b", "f1.csv", 1, 1),
        ("c2", "f2.csv", 3, 3),
        ("d", "f4.csv", 4, 4),
    ]
    assert write_raw_partitions(con, "attendance", lake, full=True) == (3, 0)
    # the other raw tables are written whole beside it, the partitioned extract kept
    build = tmp_path / "w.duckdb"
    con.execute(f"attach '{build}' as w")
    con.execute("create schema w.raw; create table w.raw.attendance as select * from raw.attendance")
    con.execute("create table w.raw.load_files as select 'f1.csv' as source_file")
    con.close()
    assert export_raw(build, lake) == ["attendance", "load_files"]
    assert (lake / "load_files" / "data.parquet").exists() and not (lake / "attendance" / "data.parquet").exists()
