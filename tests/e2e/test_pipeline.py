"""End to end: the real generator, the real Dagster job, a real DuckDB file. The marts must
hold exactly the planted cases of the truth files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.e2e


def _published(county, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _assert_same_cases(got: pd.DataFrame, truth: pd.DataFrame, keys: list[str]) -> None:
    """Exact precision and recall on the keys, and equal values in every other truth column."""
    merged = got.merge(truth, on=keys, how="outer", indicator=True, suffixes=("", "_truth"))
    extra = merged[merged["_merge"] == "left_only"][keys]
    missed = merged[merged["_merge"] == "right_only"][keys]
    assert extra.empty and missed.empty, f"not planted: {extra.to_dict('records')}; missed: {missed.to_dict('records')}"
    for column in truth.columns.difference(keys):
        a, b = merged[column].fillna("").astype(str), merged[f"{column}_truth"].fillna("").astype(str)
        assert (a == b).all(), f"{column} differs: {merged.loc[a != b, [*keys, column, column + '_truth']].head()}"


def test_out_of_school_equals_the_planted_children(small_county):
    got = _published(
        small_county, "select id_number, township_code, category, is_poverty_household from marts.out_of_school"
    )
    truth = pd.read_csv(small_county.truth / "out_of_school.csv", dtype=str)
    assert len(truth) >= 6  # every category planted
    assert set(truth["category"]) == {"never_enrolled", "left_status", "transferred_out"}
    _assert_same_cases(got, truth, ["id_number"])


def test_dropout_watch_equals_the_planted_students(small_county):
    got = _published(
        small_county,
        "select id_number, student_no, school_code, grade, stage, unexcused_streak_days, "
        "strftime(last_present_date, '%Y-%m-%d') as last_present_date, is_poverty_household "
        "from marts.dropout_watch",
    )
    truth = pd.read_csv(small_county.truth / "dropout_watch.csv", dtype=str)
    assert set(truth["stage"]) == {"not_on_roster", "absent_3d", "suspected_dropout", "dropout"}
    _assert_same_cases(got, truth, ["student_no"])


def test_poverty_dropouts_equal_the_planted_children(small_county):
    got = _published(
        small_county,
        "select id_number, source, detail, poverty_type, household_no from marts.poverty_dropouts",
    )
    truth = pd.read_csv(small_county.truth / "poverty_dropouts.csv", dtype=str)
    assert set(truth["source"]) == {"out_of_school", "dropout_watch"}
    _assert_same_cases(got, truth, ["id_number"])


def test_leave_filings_equal_the_planted_leaves(small_county):
    got = _published(
        small_county,
        "select id_number, strftime(start_date, '%Y-%m-%d') as start_date, days, filing_level from marts.leave_filings",
    )
    truth = pd.read_csv(small_county.truth / "leave_filings.csv", dtype=str)
    # 4, 7 and 8 days for poverty-household students and others, and the long sick leaves
    assert set(truth["filing_level"]) == {"principal", "township", "county"}
    _assert_same_cases(got, truth, ["id_number", "start_date"])


def test_records_without_id_are_matched_by_name_birth_date_and_sex_only_where_unique(small_county):
    truth = pd.read_csv(small_county.truth / "identity.csv", dtype=str)
    matched = _published(
        small_county,
        "select student_no, id_number, 'name_birth_gender' as expected from intermediate.int_student_identity "
        "where match_method = 'name_birth_gender'",
    )
    _assert_same_cases(matched, truth[truth["expected"] == "name_birth_gender"], ["student_no"])
    ambiguous = _published(
        small_county, "select record_key as student_no from audit.identity_issues where reason = 'ambiguous'"
    )
    assert sorted(ambiguous["student_no"]) == sorted(truth.loc[truth["expected"] == "ambiguous", "student_no"])
    unmatched = _published(
        small_county,
        "select count(*) as n from audit.identity_issues i join intermediate.int_student_status s "
        "on i.record_key = s.student_no and s.is_latest_snapshot where i.reason = 'unmatched' "
        "and not s.is_migrant_reported",
    )["n"][0]
    assert unmatched == 0  # only migrant children (registered elsewhere) stay unmatched


def test_enrollment_rate_and_ledger_agree(small_county):
    rate = _published(
        small_county, "select numerator, denominator, rate from marts.enrollment_rate where level = 'county'"
    ).iloc[0]
    ledger = _published(
        small_county,
        "select count(*) filter (where status = 'enrolled' and has_student_status) as enrolled, count(*) as children "
        "from marts.ledger_age_eligible where in_household_registry",
    ).iloc[0]
    out_of_school = _published(small_county, "select count(*) as n from marts.out_of_school")["n"][0]
    assert (rate["numerator"], rate["denominator"]) == (ledger["enrolled"], ledger["children"])
    suspended = _published(
        small_county,
        "select count(*) as n from marts.ledger_age_eligible where in_household_registry and status = 'suspended'",
    )["n"][0]
    # every registered child is enrolled, suspended, or on the out-of-school list
    assert rate["denominator"] - rate["numerator"] == out_of_school + suspended


def test_ledger_cases_equal_the_planted_history(small_county):
    got = _published(
        small_county,
        "select id_number, kind, trigger, strftime(opened_on, '%Y-%m-%d') as opened_on, "
        "strftime(escalated_on, '%Y-%m-%d') as escalated_on, strftime(closed_on, '%Y-%m-%d') as closed_on, "
        "close_reason from marts.ledger_cases",
    )
    truth = pd.read_csv(small_county.truth / "ledger_cases.csv", dtype=str)
    reasons = set(truth["close_reason"].dropna())
    assert reasons == {"returned", "transferred", "suspended", "deceased", "over_age", "graduated"}
    assert set(truth["trigger"]) == {"unexcused_absence", "not_on_roster", "never_enrolled", "left_status"}
    assert truth["escalated_on"].notna().any() and (truth["close_reason"] == "returned").any()
    _assert_same_cases(got, truth, ["id_number", "opened_on"])
    dropouts = _published(small_county, "select count(*) as n from marts.ledger_cases where escalated_on is not null")
    assert dropouts["n"][0] == truth["escalated_on"].notna().sum()  # the 辍学台账


def test_quarterly_table_reconciles_and_counts_the_planted_cases(small_county):
    q = _published(small_county, "select * from marts.quarterly_rectification")
    assert set(q["level"]) == {"county", "township", "school", "no_school"}
    unreconciled = q[q["open_at_start"] + q["new_cases"] - q["closed_total"] != q["open_at_end"]]
    assert unreconciled.empty, unreconciled.head()
    reasons = ["returned", "transferred", "suspended", "deceased", "over_age", "graduated"]
    assert (q[[f"closed_{r}" for r in reasons]].sum(axis=1) == q["closed_total"]).all()
    # the county's quarters count exactly the planted cases
    truth = pd.read_csv(small_county.truth / "ledger_cases.csv", dtype=str)
    opened_q = pd.PeriodIndex(pd.to_datetime(truth["opened_on"]), freq="Q").astype(str)
    county = q[q["level"] == "county"].set_index("quarter")
    expected_new = opened_q.value_counts()
    assert county["new_cases"][county["new_cases"] > 0].sort_index().to_dict() == expected_new.sort_index().to_dict()
    closed = truth.dropna(subset=["closed_on"])
    closed_q = pd.PeriodIndex(pd.to_datetime(closed["closed_on"]), freq="Q").astype(str)
    for reason in reasons:
        expected = closed_q[closed["close_reason"].to_numpy() == reason].value_counts().to_dict()
        got = county[f"closed_{reason}"][county[f"closed_{reason}"] > 0].to_dict()
        assert got == expected, reason
    last = county.sort_values("period_end").iloc[-1]
    assert last["open_at_end"] == truth["closed_on"].isna().sum()


def test_handover_6_to_7_equals_the_registry_outcomes(small_county):
    got = _published(small_county, "select student_no, outcome from marts.handover_6_to_7")
    truth = pd.read_csv(small_county.truth / "handover_6_to_7.csv", dtype=str)
    assert set(truth["outcome"]) == {"registered_grade_7", "transferred", "missing"}
    _assert_same_cases(got, truth, ["student_no"])


def test_monthly_report_gap_causes_add_up_and_cases_match(small_county):
    m = _published(small_county, "select * from marts.monthly_report")
    assert set(m["level"]) == {"county", "township", "school", "no_school"}
    causes = m["gap_on_leave"] + m["gap_suspended"] + m["gap_unexcused"] + m["gap_not_on_roster"]
    assert (causes == m["gap"]).all()
    assert (m["gap"] == m["students_with_status"] - m["students_in_school"]).all()
    truth = pd.read_csv(small_county.truth / "ledger_cases.csv", dtype=str)
    county = m[m["level"] == "county"].set_index("month")
    expected = truth["opened_on"].str[:7].value_counts().to_dict()
    assert county["new_cases"][county["new_cases"] > 0].to_dict() == expected
    returned = truth.loc[truth["close_reason"] == "returned", "closed_on"].str[:7].value_counts().to_dict()
    assert county["returned_cases"][county["returned_cases"] > 0].to_dict() == returned
    last = county.sort_index().iloc[-1]
    open_truth = truth[truth["closed_on"].isna()]
    assert last["open_suspected_dropouts"] == (open_truth["kind"] == "suspected_dropout").sum()
    assert last["open_out_of_school"] == (open_truth["kind"] == "out_of_school").sum()


def test_consolidation_rates_are_sane_in_both_versions(small_county):
    rates = _published(small_county, "select * from marts.consolidation_rate")
    assert set(rates["method"]) == {"annual", "cohort"}
    assert set(rates["stage"]) == {"primary", "junior", "nine_year"}
    assert not rates["is_over_100"].any()
    county = rates[(rates["level"] == "county")]
    assert len(county[county["method"] == "annual"]) == 6  # two school years x three stages
    annual = county[county["method"] == "annual"]
    assert (
        annual["denominator"]
        == annual["start_roll"] + annual["transfers_in"] - annual["transfers_out"] - annual["deaths"]
    ).all()
    assert annual["rate"].between(0.99, 1.0).all()
    cohort = county[county["method"] == "cohort"]
    # the sample's history has about 1% more grade-1 pupils than reached grade 9
    assert cohort["rate"].between(0.97, 1.0).all() and len(cohort) == 2


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
    # 22 months with school days, one delivered twice, the last school day delivered on its own,
    # and a correction (更正考勤_YYYYMM.csv)
    assert by_extract["attendance"] == 25
    assert by_extract["student_status"] == 18  # monthly snapshots of two school years
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


def test_risk_marts_count_the_same_children_as_the_student_lists(small_county):
    by_group = _published(small_county, "select * from marts.risk_by_group").set_index(["level", "group_code"])
    students = _published(small_county, "select * from marts.student_risk")
    county = by_group.loc[("county", "all")]
    watch = _published(
        small_county,
        "select count(*) as n from marts.dropout_watch where stage in ('not_on_roster', 'suspected_dropout', 'dropout')",
    )["n"][0]
    out_of_school = _published(small_county, "select count(*) as n from marts.out_of_school")["n"][0]
    assert (county["students"], county["out_of_school"]) == (len(students), out_of_school)
    assert county["cases"] == watch + out_of_school
    assert county["case_rate"] == pytest.approx(county["cases"] / (len(students) + out_of_school))
    assert county["ratio_to_county"] == pytest.approx(1.0)
    # every key group's students are the students of that group in the risk list
    for code in by_group.loc["county"].index.drop("all"):
        assert by_group.loc[("county", code), "students"] == students[f"group_{code}"].sum(), code
    assert by_group.loc[("county", "poverty"), "students"] > 0 and by_group.loc[("county", "migrant"), "students"] > 0
    # townships and the county-run schools (局属, counted for the county only) add up to the county
    townships = by_group.loc["township"].loc["all"]
    county_run = _published(
        small_county,
        "select count(case when is_student then 1 end) as students, count(case when not is_student then 1 end) "
        "as out_of_school, count(case when is_case then 1 end) as cases, count(case when enrolled_days >= 20 "
        "and absent_days >= enrolled_days * 0.1 then 1 end) as chronic_absent "
        "from intermediate.int_risk_children where is_county_run_school",
    ).iloc[0]
    columns = ["students", "out_of_school", "cases", "chronic_absent"]
    assert county_run["students"] > 0
    assert (townships[columns].sum() + county_run[columns]).tolist() == [county[c] for c in columns]
    # chronic absence recomputed from the roster grid of the school year: absent on >= 10% of >= 20 enrolled days
    grid = _published(
        small_county,
        "select student_no, count(*) as days, count(*) filter (where attendance_kind is distinct from 'present') "
        "as absent from intermediate.int_enrolled_days, intermediate.int_as_of "
        "where attendance_date >= make_date(int_as_of.school_year, 9, 1) group by 1",
    )
    grid = grid[grid["student_no"].isin(students["student_no"])]
    chronic = ((grid["days"] >= 20) & (grid["absent"] >= 0.1 * grid["days"] - 1e-9)).sum()
    assert county["chronic_absent"] == chronic > 0
    assert county["absence_rate"] == pytest.approx(grid["absent"].sum() / grid["days"].sum())

    by_grade = _published(small_county, "select * from marts.risk_by_grade where level = 'county'")
    assert sorted(by_grade["grade"]) == list(range(1, 10))
    assert sorted(by_grade.loc[by_grade["is_key_grade"], "grade"]) == [8, 9]
    assert by_grade["students"].sum() == len(students)
    handover = _published(
        small_county, "select count(*) filter (where outcome = 'missing') as n from marts.handover_6_to_7"
    )
    grade_7 = by_grade.set_index("grade").loc[7]
    assert grade_7["handover_missing"] == handover["n"][0] > 0

    by_area = _published(small_county, "select * from marts.risk_by_area where level = 'county'").set_index("area_code")
    assert by_area.loc[["rural", "town", "urban"], "students"].sum() == len(students)
    assert 0 < by_area.loc["migrant_heavy", "students"] < len(students)


def test_student_risk_scores_add_up_and_explain_themselves(small_county):
    risk = _published(small_county, "select * from marts.student_risk")
    points = risk[[c for c in risk.columns if c.endswith("_points")]].sum(axis=1)
    assert (risk["score"] == points.clip(upper=100)).all()
    expected_tier = pd.cut(risk["score"], [-1, 19, 39, 100], labels=["low", "medium", "high"]).astype(str)
    assert (risk["tier"] == expected_tier).all()
    assert ((risk["reasons"] != "") == (risk["score"] > 0)).all()
    assert set(risk["tier"]) == {"low", "medium", "high"}
    # every student on the dropout watch for an unexcused streak is high risk, and says why
    watch = _published(small_county, "select student_no from marts.dropout_watch where stage != 'not_on_roster'")
    listed = risk.set_index("student_no").loc[watch["student_no"]]
    assert (listed["tier"] == "high").all()
    assert listed["reasons"].str.contains("当前连续无故缺勤").all()


def test_backtest_has_one_row_per_group_and_beats_chance(small_county):
    backtest = _published(small_county, "select * from marts.risk_backtest").set_index("group_code")
    groups = _published(small_county, "select group_code from seeds.key_groups")["group_code"]
    assert sorted(backtest.index) == sorted(groups)
    everyone = backtest.loc["all"]
    assert everyone["evaluation_days"] > 30 and everyone["positives"] > 0 and everyone["flagged"] > 0
    assert everyone["auc"] > 0.6
    assert 0 < everyone["recall"] < 1 and 0 < everyone["precision"] <= 1  # planted dropouts without warning
    assert everyone["flag_rate_ratio"] == pytest.approx(1.0)
    for column in ("precision", "recall", "auc", "flag_rate", "positive_rate"):
        assert backtest[column].dropna().between(0, 1).all(), column
    assert (backtest["student_days"] <= everyone["student_days"]).all()
    days = _published(small_county, "select * from marts.risk_backtest_days")
    assert len(days) == everyone["evaluation_days"]
    assert days[["student_days", "positives", "flagged", "true_positives"]].sum().tolist() == [
        everyone["student_days"],
        everyone["positives"],
        everyone["flagged"],
        everyone["true_positives"],
    ]
    # a positive is a case that opens after T, within the horizon: never one already open on T
    leaked = _published(
        small_county,
        "select count(*) as n from intermediate.int_risk_backtest b join intermediate.int_dropout_cases c "
        "on b.student_no = c.student_no and c.opened_on <= b.eval_date "
        "and (c.closed_on is null or c.closed_on > b.eval_date)",
    )["n"][0]
    assert leaked == 0


CONTRACT_MARTS = {
    "out_of_school",
    "dropout_watch",
    "poverty_dropouts",
    "ledger_age_eligible",
    "ledger_cases",
    "monthly_report",
    "quarterly_rectification",
    "consolidation_rate",
    "enrollment_rate",
    "leave_filings",
    "handover_6_to_7",
    "risk_by_group",
    "risk_by_grade",
    "risk_by_area",
    "student_risk",
}


def test_every_mart_of_the_contract_exists_with_chinese_comments(small_county):
    columns = _published(
        small_county,
        "select t.table_name, t.comment as table_comment, c.column_name, c.comment "
        "from duckdb_tables() t join duckdb_columns() c using (schema_name, table_name) where schema_name = 'marts'",
    )
    assert set(columns["table_name"]) >= CONTRACT_MARTS
    assert columns["table_comment"].str.len().gt(0).all()
    uncommented = columns[columns["comment"].isna() | (columns["comment"] == "")]
    assert uncommented.empty, uncommented[["table_name", "column_name"]].to_dict("records")
    comments = columns[columns["table_name"] == "out_of_school"].set_index("column_name")["comment"]
    assert comments["category"].startswith("类别")


def test_every_suite_ran_and_the_publish_log_links_its_data_docs(small_county):
    log = _published(small_county, "select data_docs from meta.publish_log order by published_at")["data_docs"]
    first, last = Path(log.iloc[0]), Path(log.iloc[-1])  # the full load, then the night with one day
    for docs in (first, last):
        assert docs.parent.parent == Path(small_county.env["KCBX_DOCS_DIR"])
        suites = json.loads((docs.parent / "index.json").read_text(encoding="utf-8"))
        assert set(suites) == {p.stem for p in (REPO / "expectations").glob("*.json")} | {"dbt"}
        assert all(s["critical"] == 0 for s in suites.values())
        assert "数据质量检查" in docs.read_text(encoding="utf-8")
    # the full load validated every snapshot file, one page each; the night after, only the new day
    index = (first.parent / "student_status.html").read_text(encoding="utf-8")
    assert index.count('href="student_status/') == 18
    assert (first.parent / "student_status" / "0.html").stat().st_size > 10_000
    assert "没有新到或改动的文件" in (last.parent / "student_status.html").read_text(encoding="utf-8")
    assert (last.parent / "attendance.html").stat().st_size > 10_000
    # dbt's tests: all of them on the full load; the night after, those of the models it rebuilt,
    # the others counted as not evaluated (their models stand), never as passed
    full, night = (json.loads((d.parent / "index.json").read_text(encoding="utf-8"))["dbt"] for d in (first, last))
    assert full["expectations"] > 100 and full["not_evaluated"] == 0
    assert 0 < night["expectations"] < full["expectations"]
    assert night["expectations"] + night["not_evaluated"] == full["expectations"]
