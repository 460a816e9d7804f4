"""The DuckDB side of the Spark check (dagster_project/spark.py): raw tables out as Parquet, and
marts compared row for row with Parquet tables laid out as Spark's warehouse lays them out."""

from __future__ import annotations

import duckdb

from dagster_project.spark import compare_marts, export_raw


def _warehouse(path, rows):
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema marts")
    con.execute("create table raw.schools (学校标识码 varchar, _row_number bigint)")
    con.execute("insert into raw.schools values ('4101', 1), ('4102', 2)")
    con.execute("create table marts.rates (unit varchar, rate double)")
    con.executemany("insert into marts.rates values (?, ?)", rows)
    con.close()


def _spark_table(warehouse_dir, rows):
    folder = warehouse_dir / "marts.db" / "rates"
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("create table rates (unit varchar, rate double)")
    con.executemany("insert into rates values (?, ?)", rows)
    con.table("rates").write_parquet(str(folder / "part-00000.parquet"))
    con.close()


def test_raw_tables_are_written_as_parquet_with_their_chinese_columns(tmp_path):
    _warehouse(tmp_path / "w.duckdb", [("a", 0.5)])
    assert export_raw(tmp_path / "w.duckdb", tmp_path / "raw") == ["schools"]
    read = duckdb.sql(f"select * from read_parquet('{tmp_path / 'raw' / 'schools' / '*.parquet'}') order by 2")
    assert read.columns == ["学校标识码", "_row_number"]
    assert read.fetchall() == [("4101", 1), ("4102", 2)]


def test_equal_marts_are_equal(tmp_path):
    rows = [("a", 0.5), ("b", None), ("b", None)]
    _warehouse(tmp_path / "w.duckdb", rows)
    _spark_table(tmp_path / "spark", list(reversed(rows)))
    [difference] = compare_marts(tmp_path / "w.duckdb", tmp_path / "spark")
    assert (difference.table, difference.equal) == ("rates", True)


def test_a_missing_duplicate_or_a_changed_value_is_found(tmp_path):
    _warehouse(tmp_path / "w.duckdb", [("a", 0.5), ("b", 1.0), ("b", 1.0)])
    _spark_table(tmp_path / "spark", [("a", 0.25), ("b", 1.0)])
    [difference] = compare_marts(tmp_path / "w.duckdb", tmp_path / "spark")
    assert not difference.equal
    assert (difference.duckdb_rows, difference.spark_rows) == (3, 2)
    assert (difference.only_duckdb, difference.only_spark) == (2, 1)
