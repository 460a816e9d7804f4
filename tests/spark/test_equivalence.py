"""The same county on DuckDB and on Spark, through the real Dagster job: every published mart
identical (row counts, EXCEPT ALL both ways) after the full night and after the incremental
one, the Spark warehouse holding exactly the planted cases, and its marts published as Parquet."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from dagster_project.spark import sql_literal
from tests.e2e.test_pipeline import _assert_same_cases
from tests.spark.conftest import NIGHTS, landed_files


def _marts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    """Each mart's columns and types."""
    rows = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' order by table_name, column_index",
        [database],
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        found.setdefault(table, []).append((column, kind))
    return found


@pytest.mark.parametrize("night", NIGHTS)
def test_every_mart_is_identical_on_both_engines(built, night):
    con = duckdb.connect()
    try:
        for engine in ("duckdb", "spark"):
            con.execute(f"attach {sql_literal(str(built.nights[engine, night].warehouse))} as {engine} (read_only)")
        on_duckdb, on_spark = _marts(con, "duckdb"), _marts(con, "spark")
        assert len(on_duckdb) >= 25
        assert sorted(on_spark) == sorted(on_duckdb)
        different = {}
        for table in on_duckdb:
            assert [c for c, _ in on_spark[table]] == [c for c, _ in on_duckdb[table]], table
            d, s = f"duckdb.marts.{table}", f"spark.marts.{table}"
            counts = con.execute(
                f"select (select count(*) from {d}), (select count(*) from {s}),"
                f" (select count(*) from (select * from {d} except all select * from {s})),"
                f" (select count(*) from (select * from {s} except all select * from {d}))"
            ).fetchone()
            if counts[0] != counts[1] or counts[2] or counts[3]:
                different[table] = counts
        assert not different, f"marts differ (DuckDB rows, Spark rows, only DuckDB, only Spark): {different}"
        # the marts that hold the cases are not trivially equal
        assert con.execute("select count(*) from spark.marts.dropout_watch").fetchone()[0] > 0
    finally:
        con.close()


def test_the_incremental_night_landed_the_last_day_alone_and_rebuilt_what_reads_it(built):
    for engine in ("duckdb", "spark"):
        log = built.nights[engine, "incremental"].log
        assert landed_files(log, "attendance") == 1, engine
        assert "dbt build: what reads attendance" in log, engine
    assert "--target spark" in built.nights["spark", "incremental"].log


def _spark(built, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(built.nights["spark", "incremental"].warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_out_of_school_on_spark_equals_the_planted_children(built):
    got = _spark(built, "select id_number, township_code, category, is_poverty_household from marts.out_of_school")
    truth = pd.read_csv(built.truth / "out_of_school.csv", dtype=str)
    assert set(truth["category"]) == {"never_enrolled", "left_status", "transferred_out"}
    _assert_same_cases(got, truth, ["id_number"])


def test_dropout_watch_on_spark_equals_the_planted_students(built):
    got = _spark(
        built,
        "select id_number, student_no, school_code, grade, stage, unexcused_streak_days, "
        "strftime(last_present_date, '%Y-%m-%d') as last_present_date, is_poverty_household "
        "from marts.dropout_watch",
    )
    truth = pd.read_csv(built.truth / "dropout_watch.csv", dtype=str)
    assert set(truth["stage"]) == {"not_on_roster", "absent_3d", "suspected_dropout", "dropout"}
    _assert_same_cases(got, truth, ["student_no"])


def test_poverty_dropouts_on_spark_equal_the_planted_children(built):
    got = _spark(built, "select id_number, source, detail, poverty_type, household_no from marts.poverty_dropouts")
    truth = pd.read_csv(built.truth / "poverty_dropouts.csv", dtype=str)
    assert len(truth) > 0  # this small county plants them from the dropout watch only
    _assert_same_cases(got, truth, ["id_number"])


def test_spark_publishes_every_mart_as_parquet_too(built):
    night = built.nights["spark", "incremental"]
    assert built.nights["duckdb", "incremental"].parquet is None  # DuckDB publishes its file only
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(str(night.warehouse))} as published (read_only)")
        tables = sorted(_marts(con, "published"))
        assert sorted(p.stem for p in night.parquet.glob("*.parquet")) == tables
        for table in tables:
            con.read_parquet(str(night.parquet / f"{table}.parquet")).create_view("p")
            only = con.execute(
                f"select count(*) from (select * from p except all select * from published.marts.{table})"
                f" union all select count(*) from (select * from published.marts.{table} except all select * from p)"
            ).fetchall()
            assert only == [(0,), (0,)], table
    finally:
        con.close()
