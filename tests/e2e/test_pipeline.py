"""End to end: the real generator, the real Dagster job, a real DuckDB file. The marts must
hold exactly the planted cases of the truth files."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pandas as pd
import pytest

from tests.conftest import pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e


def _published(county, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_out_of_school_equals_the_planted_children(small_county):
    got = _published(
        small_county,
        "select id_number, township_code, category, is_poverty_household from marts.out_of_school order by id_number",
    )
    truth = pd.read_csv(small_county.truth / "out_of_school.csv", dtype={"id_number": str, "township_code": str})
    assert len(truth) >= 6  # every category planted
    assert set(truth["category"]) == {"never_enrolled", "left_status", "transferred_out"}
    pd.testing.assert_frame_equal(got.reset_index(drop=True), truth.reset_index(drop=True), check_dtype=False)


def test_dropout_watch_equals_the_planted_students(small_county):
    got = _published(
        small_county,
        "select id_number, student_no, school_code, grade, stage, unexcused_streak_days, "
        "strftime(last_present_date, '%Y-%m-%d') as last_present_date, is_poverty_household "
        "from marts.dropout_watch order by id_number",
    )
    truth = pd.read_csv(
        small_county.truth / "dropout_watch.csv",
        dtype={"id_number": str, "school_code": str, "last_present_date": str},
    )
    assert set(truth["stage"]) == {"not_on_roster", "absent_3d", "suspected_dropout", "dropout"}
    pd.testing.assert_frame_equal(got.reset_index(drop=True), truth.reset_index(drop=True), check_dtype=False)


def test_streak_boundaries(small_county):
    """Streaks of 2 are not listed; 3–4 notice; 5–14 suspected; 15+ dropout; leave days inside a
    streak neither extend nor break it; a long sick leave is not absence."""
    plants = pd.read_csv(small_county.truth / "plants.csv", dtype=str)
    watch = _published(small_county, "select student_no, stage, unexcused_streak_days from marts.dropout_watch")
    staged = plants.merge(watch, on="student_no", how="left")
    by_plant = staged.groupby("plant").agg(stage=("stage", "unique"), streak=("unexcused_streak_days", "unique"))
    assert pd.isna(by_plant.loc["streak_2", "stage"]).all()
    assert pd.isna(by_plant.loc["long_leave", "stage"]).all()
    assert pd.isna(by_plant.loc["returned", "stage"]).all()
    assert list(by_plant.loc["streak_4_with_leave", "streak"]) == [4]
    assert list(by_plant.loc["streak_5_with_leave", "stage"]) == ["suspected_dropout"]
    assert list(by_plant.loc["streak_14", "stage"]) == ["suspected_dropout"]
    assert list(by_plant.loc["streak_15", "stage"]) == ["dropout"]
    assert list(by_plant.loc["streak_20_with_leave", "streak"]) == [20]


def test_unusable_id_numbers_are_quarantined_with_file_row_and_column(small_county):
    got = _published(
        small_county,
        "select source_file, source_row, column_name, value, reason from audit.quarantine "
        "where extract = 'household' order by source_row",
    )
    truth = pd.read_csv(small_county.truth / "quarantine.csv", dtype={"value": str})
    truth["source_file"] = "household/" + truth["file"]
    expected = truth[["source_file", "row", "column", "value", "reason"]].rename(
        columns={"row": "source_row", "column": "column_name"}
    )
    assert len(expected) > 0
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)


def test_lineage_and_dirty_input_were_all_loaded(small_county):
    files = _published(
        small_county,
        "select extract, source_file, encoding, header_row, rows_loaded from raw.load_files order by 1, 2",
    )
    by_extract = files.groupby("extract")["source_file"].count().to_dict()
    assert by_extract["attendance"] == 6  # five months, October delivered twice
    assert by_extract["student_status"] == 5
    household = files[files.extract == "household"].iloc[0]
    assert household["encoding"] == "gb18030"
    poverty = files[files.extract == "poverty"].iloc[0]
    assert poverty["header_row"] == 3  # two title rows above the header
    dupes = _published(
        small_county,
        "select count(*) as n from (select student_no, attendance_date, count(*) c "
        "from staging.stg_attendance group by all having c > 1)",
    )["n"][0]
    daily_dupes = _published(
        small_county,
        "select count(*) - count(distinct (student_no, attendance_date)) as n from intermediate.int_attendance_daily",
    )["n"][0]
    assert dupes > 0 and daily_dupes == 0
    converted = _published(
        small_county, "select count(*) as n from staging.stg_household where id_number_issue = 'converted_15'"
    )["n"][0]
    assert converted > 0


def test_marts_carry_chinese_comments(small_county):
    comments = _published(
        small_county,
        "select column_name, comment from duckdb_columns() where schema_name = 'marts' and table_name = 'out_of_school'",
    ).set_index("column_name")["comment"]
    assert comments["category"].startswith("类别")
    assert comments["id_number"].startswith("公民身份号码")


def test_a_failed_quality_gate_leaves_the_published_warehouse_unchanged(small_county, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(small_county.raw, raw)
    latest = sorted((raw / "student_status").glob("学籍_*.csv"))[-1]
    broken = pd.read_csv(latest, dtype=str, encoding="utf-8-sig")
    broken["学籍状态"] = "状态不明"
    broken.to_csv(raw / "student_status" / "学籍_20260116.csv", index=False, encoding="utf-8-sig")

    env = pipeline_env(small_county.root / "second_run", raw)
    env["KCBX_WAREHOUSE"] = small_county.env["KCBX_WAREHOUSE"]
    before = hashlib.sha256(small_county.warehouse.read_bytes()).hexdigest()
    result = run_pipeline(env)
    assert result.returncode != 0
    assert "student_status_expectations" in result.stdout + result.stderr
    assert hashlib.sha256(small_county.warehouse.read_bytes()).hexdigest() == before
    # and the dashboard's warehouse still opens and answers
    assert _published(small_county, "select count(*) as n from marts.out_of_school")["n"][0] > 0
