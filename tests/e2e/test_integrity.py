"""School days from the county's calendar, corrections by delivery order, and row problems that
quarantine rows instead of stopping the night (issue 16, items 2–4).

The sample county's own plants (a one-school holiday class, grade 9's make-up Saturday, a late
correction under a name that sorts first, a child registered twice, names with spaces, Excel-mangled
ID numbers, a village under its township's former name) are checked on the session's county, built
by the real nightly job, exactly against ``data/truth``. Every other bad input is planted into a copy
of that county: the rows a night must survive go through one real nightly job that must publish
(each case then asserts its exact quarantine or identity rows: file, row, column, value, reason);
the reference rows that must block fail their row suites on a landed copy (each case asserts
its exact message); the delivery order across nights is shown by the real landing code
and incremental ``dbt build`` runs on a copy of the build warehouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.checks import asset_checks, frames
from dagster_project.ingest.delivery import DeliveryRules
from dagster_project.ingest.landing import land_extract
from dagster_project.ingest.specs import load_specs
from samplegen import idnumber
from tests.conftest import BIN, REPO, County, pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e

PRESENT_VALUES = ("出勤", "迟到", "早退")


def _query(path: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _read(path: Path) -> pd.DataFrame:
    encoding = "gbk" if "户籍" in path.name else "utf-8-sig"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="gbk" if "户籍" in path.name else "utf-8-sig")


def _latest(raw: Path, folder: str, pattern: str) -> Path:
    return sorted((raw / folder).glob(pattern))[-1]


def _copy(county: County, root: Path) -> dict[str, str]:
    """A county of its own: copies of the raw folder, the build and the published warehouse."""
    shutil.copytree(county.raw, root / "raw")
    env = pipeline_env(root, root / "raw")
    for key in ("KCBX_BUILD_DB", "KCBX_WAREHOUSE"):
        Path(env[key]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(county.env[key], env[key])
    return env


def _rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return sorted(tuple(r) for r in df[columns].itertuples(index=False))


# --- the sample county's own plants, on the session's county -------------------------------


def test_a_one_school_holiday_class_and_a_grade_9_saturday_are_flagged_not_school_days(small_county):
    truth = pd.read_csv(small_county.truth / "off_calendar.csv", dtype={"school_code": str})
    assert set(truth["reason"]) == {"county_holiday", "weekend"}  # both plants are there
    assert (truth.loc[truth["reason"] == "county_holiday", "school_code"].nunique()) == 1
    saturday = truth[truth["reason"] == "weekend"]
    assert set(saturday["lowest_grade"]) == set(saturday["highest_grade"]) == {9}
    got = _query(
        small_county.warehouse,
        "select strftime(attendance_date, '%Y-%m-%d') as attendance_date, school_code, reason, students, "
        "lowest_grade, highest_grade from audit.off_calendar_attendance",
    )
    columns = ["attendance_date", "school_code", "reason", "students", "lowest_grade", "highest_grade"]
    assert _rows(got, columns) == _rows(truth, columns)
    school_days = _query(small_county.warehouse, "select attendance_date from intermediate.int_school_days")
    days = set(school_days["attendance_date"].astype(str).str[:10])
    assert not days & set(truth["attendance_date"])
    # the records are kept, only not counted
    kept = _query(
        small_county.warehouse,
        "select count(*) as n from intermediate.int_attendance_daily where attendance_date in "
        "(select attendance_date from audit.off_calendar_attendance)",
    )["n"][0]
    assert kept == truth["students"].sum()


def test_the_county_gap_of_the_month_is_counted_on_its_last_school_day_not_on_a_saturday_class(small_county):
    """人籍差额 of the month with grade 9's Saturday class after its last school day: computed from
    the raw files on the last calendar school day, and what it would have been on the Saturday."""
    truth = pd.read_csv(small_county.truth / "off_calendar.csv", dtype={"school_code": str})
    saturday = pd.Timestamp(truth.loc[truth["reason"] == "weekend", "attendance_date"].iloc[0])
    month = saturday.strftime("%Y-%m")
    last_school_day = _query(
        small_county.warehouse,
        "select max(attendance_date) as d from intermediate.int_school_days where strftime(attendance_date, '%Y-%m') = ?",
        [month],
    )["d"][0]
    assert pd.Timestamp(last_school_day) < saturday
    # from the raw files: 在读 and 休学 of the snapshot describing the day, and who was present
    snapshot = max(
        p
        for p in (small_county.raw / "student_status").glob("学籍_*.csv")
        if p.stem[-8:] <= pd.Timestamp(last_school_day).strftime("%Y%m%d")
    )
    status = _read(snapshot)
    with_status = status[status["学籍状态"].isin(["在读", "休学"])]
    attendance = pd.concat(
        _read(p).set_axis(["date", "school", "student_no", "status", "reason"], axis=1)
        for p in (small_county.raw / "attendance").glob("*.csv")
    )
    attendance["date"] = pd.to_datetime(attendance["date"].str.replace("-", ""), format="%Y%m%d")

    def gap_on(day) -> int:
        present = attendance[(attendance["date"] == day) & attendance["status"].isin(PRESENT_VALUES)]
        enrolled = with_status[with_status["学籍状态"] == "在读"]
        return len(with_status) - enrolled["全国学籍号"].isin(set(present["student_no"])).sum()

    report = _query(
        small_county.warehouse,
        "select gap, students_with_status, report_date from marts.monthly_report where level = 'county' and month = ?",
        [month],
    ).iloc[0]
    assert report["report_date"] == last_school_day
    assert report["students_with_status"] == len(with_status)
    assert report["gap"] == gap_on(pd.Timestamp(last_school_day))
    inferred = gap_on(saturday)  # were the Saturday a county school day
    assert inferred > 10 * report["gap"], (report["gap"], inferred)
    print(
        f"\n人籍差额 {month}: {report['gap']} on {last_school_day:%Y-%m-%d}; {inferred} had {saturday:%Y-%m-%d} counted"
    )


def test_a_correction_delivered_later_under_an_earlier_name_wins(small_county):
    truth = pd.read_csv(small_county.truth / "corrections.csv", dtype=str)
    assert len(truth) == 10 and set(truth["recorded"]) == {"旷课"}
    correction = next((small_county.raw / "attendance").glob("更正考勤_*.csv"))
    original = small_county.raw / "attendance" / f"考勤_{correction.stem[-6:]}.csv"
    assert correction.name < original.name  # sorts first by name ...
    files = _query(
        small_county.warehouse,
        "select source_file, delivery_seq from raw.load_files where source_file in (?, ?)",
        [f"attendance/{correction.name}", f"attendance/{original.name}"],
    ).set_index("source_file")["delivery_seq"]
    assert files[f"attendance/{correction.name}"] > files[f"attendance/{original.name}"]  # ... delivered later
    got = _query(
        small_county.warehouse,
        "select student_no, strftime(attendance_date, '%Y-%m-%d') as attendance_date, attendance_code, source_file "
        "from intermediate.int_attendance_daily where source_file = ?",
        [f"attendance/{correction.name}"],
    )
    assert _rows(got, ["student_no", "attendance_date"]) == _rows(truth, ["student_no", "attendance_date"])
    assert set(got["attendance_code"]) == {"present"}
    # the five wrongly recorded days open no case
    cases = _query(
        small_county.warehouse,
        "select count(*) as n from marts.ledger_cases where student_no in (select unnest(cast(? as varchar[])))",
        [sorted(set(truth["student_no"]))],
    )["n"][0]
    assert cases == 0


def test_a_child_registered_twice_is_counted_once_and_listed(small_county):
    truth = pd.read_csv(small_county.truth / "duplicate_registrations.csv", dtype=str)
    assert len(truth) == 1
    got = _query(
        small_county.warehouse,
        "select record_key, related_key, source_file, source_row, column_name from audit.identity_issues "
        "where reason = 'duplicate_registration'",
    )
    assert _rows(got, ["record_key", "related_key"]) == _rows(truth, ["record_key", "related_key"])
    latest = _latest(small_county.raw, "student_status", "学籍_*.csv")
    row = _read(latest).reset_index()
    line = int(row.loc[row["全国学籍号"] == truth["record_key"].iloc[0], "index"].iloc[0]) + 2
    assert (got["source_file"].iloc[0], got["source_row"].iloc[0], got["column_name"].iloc[0]) == (
        f"student_status/{latest.name}",
        line,
        "全国学籍号",
    )
    kept_out = truth["record_key"].iloc[0]
    for table in ("intermediate.int_student_status", "marts.dropout_watch", "marts.ledger_age_eligible"):
        n = _query(small_county.warehouse, f"select count(*) as n from {table} where student_no = ?", [kept_out])
        assert n["n"][0] == 0, table


def test_names_with_inner_or_full_width_spaces_match_the_household_register(small_county):
    truth = pd.read_csv(small_county.truth / "identity.csv", dtype=str)
    spaced = truth[truth["expected"] == "name_birth_gender_normalised"]
    assert len(spaced) >= 2
    status = _read(_latest(small_county.raw, "student_status", "学籍_*.csv")).set_index("全国学籍号")
    assert status.loc[spaced["student_no"], "姓名"].str.contains("[ \u3000]").all()
    got = _query(
        small_county.warehouse,
        "select student_no, id_number, match_method as expected from intermediate.int_student_identity "
        "where match_method = 'name_birth_gender_normalised'",
    )
    assert _rows(got, ["student_no", "id_number", "expected"]) == _rows(spaced, ["student_no", "id_number", "expected"])
    out_of_school = _query(
        small_county.warehouse,
        "select count(*) as n from marts.out_of_school where id_number in (select unnest(cast(? as varchar[])))",
        [list(spaced["id_number"])],
    )["n"][0]
    assert out_of_school == 0


def test_an_excel_mangled_id_cell_is_quarantined_and_the_g_number_still_identifies(small_county):
    plants = pd.read_csv(small_county.truth / "plants.csv", dtype=str)
    student_no = plants.loc[plants["plant"] == "mangled_status_id", "student_no"].iloc[0]
    latest = _latest(small_county.raw, "student_status", "学籍_*.csv")
    frame = _read(latest).reset_index()
    row = frame[frame["全国学籍号"] == student_no].iloc[0]
    assert row["身份证件号"].endswith("E+17")
    got = _query(
        small_county.warehouse,
        "select source_file, source_row, column_name, value, reason from audit.quarantine where extract = 'student_status'",
    )
    assert _rows(got, ["source_file", "source_row", "column_name", "value", "reason"]) == [
        (f"student_status/{latest.name}", int(row["index"]) + 2, "身份证件号", row["身份证件号"], "bad_format")
    ]
    method = _query(
        small_county.warehouse,
        "select match_method, id_number from intermediate.int_student_identity where student_no = ?",
        [student_no],
    ).iloc[0]
    assert (method["match_method"], method["id_number"]) == ("g_number", student_no[1:])


def test_a_village_under_its_townships_declared_former_name_is_matched(small_county):
    aliases = _read(small_county.raw / "reference" / "township_aliases.csv")
    path = _latest(small_county.raw, "household", "户籍_*.csv")
    household = _read(path)
    planted = {int(i) + 2 for i in household.index[household["乡镇(街道)"] == aliases["曾用名"].iloc[0]]}
    assert planted
    # the village's rows whose ID numbers are unusable are quarantined for that, not the township
    quarantined = set(
        _query(small_county.warehouse, "select source_row from audit.quarantine where extract = 'household'")[
            "source_row"
        ]
    )
    got = _query(
        small_county.warehouse,
        "select source_row, township_code, township_matched_by from intermediate.int_household_rows "
        "where township_text = ?",
        [aliases["曾用名"].iloc[0]],
    )
    assert set(got["source_row"]) == planted - quarantined
    assert set(zip(got["township_code"], got["township_matched_by"], strict=True)) == {
        (aliases["乡镇代码"].iloc[0], "former_name")
    }
    unknown = _query(
        small_county.warehouse, "select count(*) as n from audit.quarantine where reason = 'unknown_township'"
    )
    assert unknown["n"][0] == 0


def test_the_as_of_date_is_the_last_complete_school_day(small_county):
    manifest = pd.read_json(small_county.truth / "manifest.json", typ="series")
    as_of = _query(small_county.warehouse, "select * from intermediate.int_as_of").iloc[0]
    assert str(as_of["as_of_date"])[:10] == manifest["as_of"]
    assert as_of["as_of_basis"] == "complete_coverage"


# --- row problems a night must survive: one real nightly job on a planted copy --------------


@dataclass
class Planted:
    env: dict[str, str]
    result: subprocess.CompletedProcess
    rows: dict[str, list[tuple]] = field(default_factory=dict)  # case -> expected quarantine rows
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def published(self) -> Path:
        return Path(self.env["KCBX_WAREHOUSE"])

    def quarantine(self, reason: str) -> list[tuple]:
        got = _query(
            self.published,
            "select source_file, source_row, column_name, value, reason, related_row, related_value "
            "from audit.quarantine where reason = ?",
            [reason],
        )
        return [tuple(None if pd.isna(v) else v for v in r) for r in _rows(got, list(got.columns))]


def _line_of(df: pd.DataFrame, mask) -> int:
    """The file line of the first row where ``mask`` holds (header on line 1)."""
    return int(df.index[mask][0]) + 2


@pytest.fixture(scope="module")
def planted(small_county, tmp_path_factory) -> Planted:
    root = tmp_path_factory.mktemp("planted")
    env = _copy(small_county, root)
    raw = root / "raw"
    expected: dict[str, list[tuple]] = {}
    facts: dict[str, object] = {}
    identity = pd.read_csv(small_county.truth / "identity.csv", dtype=str)

    # household: three rows under a former name nobody declared; one ID number on two rows; a
    # resident whose name has 零 where the status registry writes 〇
    path = _latest(raw, "household", "户籍_*.csv")
    household = _read(path)
    rel = f"household/{path.name}"
    village = household["村(社区)"].iloc[40]
    usable = household["身份证号"].map(idnumber.is_valid)
    undeclared = household.index[(household["村(社区)"] == village) & usable][:3]
    household.loc[undeclared, "乡镇(街道)"] = "老城乡"
    expected["unknown_township"] = [
        (rel, int(i) + 2, "乡镇(街道)", "老城乡", "unknown_township", None, None) for i in undeclared
    ]
    adult = household.index[(household["与户主关系"] == "户主") & usable & household["身份证号"].str.isdigit()][5]
    twin = household.loc[adult].copy()
    twin["姓名"], twin["户号"] = "冒用者", "H-DUP"
    household.loc[len(household)] = twin
    expected["duplicate_id_number"] = [
        (rel, len(household) + 1, "身份证号", twin["身份证号"], "duplicate_id_number", int(adult) + 2, None)
    ]
    by_name = identity[identity["expected"] == "name_birth_gender"].iloc[0]
    resident = household.index[household["身份证号"] == by_name["id_number"]][0]
    name = household.loc[resident, "姓名"]
    household.loc[resident, "姓名"] = name[0] + "零" + name[1:]
    facts["zero_name"] = by_name["student_no"]
    _write(household, path)

    # student status (latest snapshot): a student number twice, a row without student number, a
    # row without school code, the 〇 name
    path = _latest(raw, "student_status", "学籍_*.csv")
    status = _read(path)
    rel = f"student_status/{path.name}"
    original = status.index[status["全国学籍号"].str.startswith("G") & (status["学籍状态"] == "在读")][7]
    again = status.loc[original].copy()
    again["学校标识码"] = (
        status["学校标识码"].iloc[0]
        if status["学校标识码"].iloc[0] != again["学校标识码"]
        else status["学校标识码"].iloc[-1]
    )
    status.loc[len(status)] = again
    expected["duplicate_student_no"] = [
        (rel, len(status) + 1, "全国学籍号", again["全国学籍号"], "duplicate_student_no", int(original) + 2, None)
    ]
    blank = status.loc[original].copy()
    blank["全国学籍号"], blank["身份证件号"], blank["姓名"] = "", "", "无学籍号"
    status.loc[len(status)] = blank
    expected["missing_student_no"] = [(rel, len(status) + 1, "全国学籍号", None, "missing_student_no", None, None)]
    schoolless = status.loc[original].copy()
    schoolless["全国学籍号"], schoolless["身份证件号"], schoolless["姓名"], schoolless["学校标识码"] = (
        "J410527201001019990",
        "",
        "无学校",
        "",
    )
    status.loc[len(status)] = schoolless
    expected["missing_school_code"] = [(rel, len(status) + 1, "学校标识码", None, "missing_school_code", None, None)]
    facts["schoolless"] = schoolless["全国学籍号"]
    zero = status["全国学籍号"] == by_name["student_no"]
    status.loc[zero, "姓名"] = status.loc[zero, "姓名"].str[0] + "〇" + status.loc[zero, "姓名"].str[1:]
    _write(status, path)

    # attendance: a new file giving one student-day two statuses, and a row without student number
    month = _read(_latest(raw, "attendance", "考勤_2026??.csv"))  # a monthly file, not the last day's
    day_rows = month[month.iloc[:, 3] == "出勤"]
    first = day_rows.iloc[100]
    conflict = pd.DataFrame(
        [
            [first.iloc[0], first.iloc[1], first.iloc[2], "旷课", ""],
            [first.iloc[0], first.iloc[1], first.iloc[2], "出勤", ""],
            [first.iloc[0], first.iloc[1], "", "出勤", ""],
        ],
        columns=["考勤日期", "学校标识码", "全国学籍号", "考勤状态", "缺勤原因"],
    )
    _write(conflict, raw / "attendance" / "补报考勤_冲突.csv")
    rel = "attendance/补报考勤_冲突.csv"
    expected["conflicting_status_in_file"] = [
        (rel, 2, "考勤状态", "旷课", "conflicting_status_in_file", 3, "出勤"),
        (rel, 3, "考勤状态", "出勤", "conflicting_status_in_file", 2, "旷课"),
    ]
    expected["missing_student_no_attendance"] = [(rel, 4, "全国学籍号", None, "missing_student_no", None, None)]
    facts["conflict_day"] = (first.iloc[2], first.iloc[0])

    # the last school day, delivered on its own, arrives without a few schools (one per
    # township, about a tenth of the students: within the volume gate's tolerance)
    last = _latest(raw, "attendance", "考勤_2026????.csv")
    day = _read(last)
    schools = _read(raw / "reference" / "schools.csv").set_index("学校标识码")["乡镇"]
    late, towns = [], set()
    for school in day["学校标识码"].value_counts(ascending=True).index:
        if schools[school] not in towns and day["学校标识码"].isin([*late, school]).mean() <= 0.12:
            late.append(school)
            towns.add(schools[school])
    _write(day[~day["学校标识码"].isin(late)], last)
    facts["last_day"] = pd.Timestamp(day.iloc[0, 0]).strftime("%Y-%m-%d")
    facts["late_share"] = day["学校标识码"].isin(late).mean()

    # the county's calendar: a day off the county declares late, the grade-9 Saturday declared a
    # school day (too few came: not held), an end before its start, an impossible date
    off = pd.read_csv(small_county.truth / "off_calendar.csv", dtype=str)
    saturday = off.loc[off["reason"] == "weekend", "attendance_date"].iloc[0]
    calendar = pd.DataFrame(
        [
            ["放假", "2026-03-10", "", "县运动会"],
            ["上课", saturday, "", "初三补课"],
            ["放假", "2026-05-20", "2026-05-18", "写反了"],
            ["放假", "2026-02-30", "", "不存在的日期"],
        ],
        columns=["类型", "开始日期", "结束日期", "名称"],
    )
    calendar.to_csv(raw / "reference" / "校历_补充.csv", index=False, encoding="utf-8-sig")
    rel = "reference/校历_补充.csv"
    expected["end_before_start"] = [(rel, 4, "结束日期", "2026-05-18", "end_before_start", None, None)]
    expected["bad_date"] = [(rel, 5, "开始日期", "2026-02-30", "bad_date", None, None)]
    facts["saturday"] = saturday

    result = run_pipeline(env)
    return Planted(env, result, expected, facts)


def test_a_night_with_row_problems_publishes_the_rest(planted):
    output = planted.result.stdout + planted.result.stderr
    assert planted.result.returncode == 0, output[-4000:]
    assert "dbt build --full-refresh: files replaced or removed" in output
    log = _query(planted.published, "select count(*) as n from meta.publish_log")["n"][0]
    assert log >= 3  # the two nights of the session's county, and this one


@pytest.mark.parametrize(
    "case",
    [
        "unknown_township",
        "duplicate_id_number",
        "duplicate_student_no",
        "missing_student_no",
        "missing_school_code",
        "conflicting_status_in_file",
        "end_before_start",
        "bad_date",
    ],
)
def test_each_row_problem_is_quarantined_with_file_row_column_and_reason(planted, case):
    expected = planted.rows[case]
    reason = expected[0][4]
    got = [r for r in planted.quarantine(reason) if r[0] == expected[0][0]]
    if case == "missing_student_no":  # the attendance file's blank student number too
        expected = sorted(expected + planted.rows["missing_student_no_attendance"])
        got = planted.quarantine(reason)
    assert got == sorted(expected)


def test_an_undeclared_former_township_name_keeps_the_residents_out(planted):
    rows = planted.rows["unknown_township"]
    kept = _query(
        planted.published,
        "select count(*) as n from intermediate.int_household_members where source_row in (select unnest(cast(? as bigint[])))",
        [[r[1] for r in rows]],
    )["n"][0]
    assert kept == 0


def test_a_name_written_with_zero_as_a_circle_matches(planted):
    got = _query(
        planted.published,
        "select match_method from intermediate.int_student_identity where student_no = ?",
        [planted.facts["zero_name"]],
    )
    assert got["match_method"].tolist() == ["name_birth_gender_normalised"]


def test_a_status_row_without_school_is_kept_out_and_its_identity_listed(planted):
    student = planted.facts["schoolless"]
    assert (
        _query(
            planted.published,
            "select count(*) as n from intermediate.int_student_status where student_no = ?",
            [student],
        )["n"][0]
        == 0
    )
    issue = _query(planted.published, "select reason from audit.identity_issues where record_key = ?", [student])
    assert issue["reason"].tolist() == ["unmatched"]


def test_conflicting_rows_leave_the_day_to_the_earlier_delivery(planted):
    student, day = planted.facts["conflict_day"]
    got = _query(
        planted.published,
        "select attendance_code, source_file from intermediate.int_attendance_daily "
        "where student_no = ? and attendance_date = cast(? as date)",
        [student, day],
    ).iloc[0]
    assert got["attendance_code"] == "present" and got["source_file"].startswith("attendance/考勤_")


def test_a_day_still_arriving_does_not_move_the_as_of_date(planted):
    assert 0.05 < planted.facts["late_share"] <= 0.12
    as_of = _query(planted.published, "select * from intermediate.int_as_of").iloc[0]
    assert str(as_of["last_school_day"])[:10] == planted.facts["last_day"]
    assert as_of["as_of_date"] < as_of["last_school_day"]
    previous = _query(
        planted.published,
        "select max(attendance_date) as d from intermediate.int_school_days where attendance_date < ?",
        [as_of["last_school_day"]],
    )["d"][0]
    assert as_of["as_of_date"] == previous and as_of["as_of_basis"] == "complete_coverage"
    published = _query(planted.published, "select as_of_date from meta.publish_log order by published_at desc limit 1")
    assert published["as_of_date"][0] == as_of["as_of_date"]


def test_a_day_the_county_declares_off_is_no_school_day(planted):
    got = _query(
        planted.published,
        "select distinct reason, school_day_note from audit.off_calendar_attendance where attendance_date = date '2026-03-10'",
    )
    assert got.values.tolist() == [["county_holiday", "县运动会"]]
    schools = _query(
        planted.published,
        "select count(*) as n from audit.off_calendar_attendance where attendance_date = date '2026-03-10'",
    )["n"][0]
    assert schools > 20
    assert (
        _query(
            planted.published,
            "select count(*) as n from intermediate.int_school_days where attendance_date = date '2026-03-10'",
        )["n"][0]
        == 0
    )


def test_a_saturday_declared_a_school_day_that_only_grade_9_attended_is_not_held(planted):
    got = _query(
        planted.published,
        "select distinct reason, school_day_note, lowest_grade, highest_grade from audit.off_calendar_attendance "
        "where attendance_date = cast(? as date)",
        [planted.facts["saturday"]],
    )
    assert got.values.tolist() == [["not_held", "初三补课", 9, 9]]
    coverage = _query(
        planted.published,
        "select coverage from intermediate.int_school_day_coverage where calendar_date = cast(? as date)",
        [planted.facts["saturday"]],
    )["coverage"][0]
    assert 0 < coverage < 0.5


# --- reference rows that must block: their row suites on a landed copy ---------------------
# (a critical row-suite failure stops the night before dbt: test_corrupt_inputs runs one whole)


@pytest.fixture(scope="module")
def blocked(small_county, tmp_path_factory) -> dict[str, str]:
    """The critical failures of the calendar and township-alias suites, as the night logs them."""
    root = tmp_path_factory.mktemp("blocked")
    env = _copy(small_county, root)
    reference = root / "raw" / "reference"
    pd.DataFrame(
        [["学期", "2026-02-24", "2026-07-03", "第二学期"], ["开学", "2026-09-01", "", "新学年"]],
        columns=["类型", "开始日期", "结束日期", "名称"],
    ).to_csv(reference / "校历_2026.csv", index=False, encoding="utf-8-sig")
    townships = _read(reference / "townships.csv")
    pd.DataFrame(
        {"曾用名": ["城关镇", townships["乡镇名称"].iloc[2]], "乡镇代码": townships["乡镇代码"].iloc[:2].tolist()}
    ).to_csv(reference / "township_aliases.csv", index=False, encoding="utf-8")
    db = Path(env["KCBX_BUILD_DB"])
    _land(db, root / "raw")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            suite: "\n".join(
                f"{suite}_expectations: {f.describe()}"
                for _, outcome, _ in asset_checks.validate(con, suite, frames.row_batches)
                for f in outcome.critical
            )
            for suite in ("calendar", "township_aliases")
        }
    finally:
        con.close()


def test_a_calendar_row_of_unknown_kind_blocks_with_file_row_and_column(blocked):
    assert blocked["calendar"] == (
        "calendar_expectations: [critical] 「类型」 expect_column_values_to_be_in_set，不符合 1 行（如 开学），"
        "见 reference/校历_2026.csv 第3行。校历「类型」只能是 学期、上课（补课、调休上课）、放假（假期、停课）；"
        "其他写法请在 dbt/seeds/calendar_values.csv 中补充"
    )


def test_a_former_township_name_that_is_a_current_name_blocks(blocked):
    assert (
        "township_aliases_expectations: [critical] 「曾用名」 expect_column_values_to_not_be_in_set，不符合 1 行"
    ) in blocked["township_aliases"]
    assert (
        "见 reference/township_aliases.csv 第3行。曾用名与现有乡镇的名称或代码相同，无法区分：请删除该行"
        in blocked["township_aliases"]
    )


# --- corrections across nights: the real landing code and incremental dbt builds -----------


def _dbt_build(db: Path, root: Path, *select: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KCBX_BUILD_DB=str(db))
    return subprocess.run(
        [
            str(BIN / "dbt"),
            "build",
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "-s",
            *select,
        ],
        cwd=REPO / "dbt",
        env=env,
        capture_output=True,
        text=True,
    )


def _land(db: Path, raw: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        for spec in load_specs(REPO / "dbt").values():
            # the files were written just now: nothing is still being copied (no 60 s settling)
            land_extract(con, spec, raw, datetime.now(), log=lambda _: None, rules=DeliveryRules(settle_seconds=0))
    finally:
        con.close()


def test_corrections_arriving_on_later_nights_win_whatever_their_names(small_county, tmp_path):
    env = _copy(small_county, tmp_path)
    raw, db = tmp_path / "raw", Path(env["KCBX_BUILD_DB"])
    plants = set(pd.read_csv(small_county.truth / "plants.csv", dtype=str)["student_no"])
    month = _read(_latest(raw, "attendance", "考勤_2026*.csv"))
    row = month[(month.iloc[:, 3] == "出勤") & ~month.iloc[:, 2].isin(plants)].iloc[200]
    day, school, student = row.iloc[0], row.iloc[1], row.iloc[2]
    models = ("stg_load_files", "stg_attendance", "int_attendance_conflicts", "int_attendance_daily")

    def deliver(name: str, status: str) -> pd.Series:
        pd.DataFrame(
            [[day, school, student, status, ""]],
            columns=["考勤日期", "学校标识码", "全国学籍号", "考勤状态", "缺勤原因"],
        ).to_csv(raw / "attendance" / name, index=False, encoding="utf-8-sig")
        _land(db, raw)
        result = _dbt_build(db, tmp_path, *models)
        assert result.returncode == 0, result.stdout[-3000:]
        return _query(
            db,
            "select attendance_code, source_file from intermediate.int_attendance_daily "
            "where student_no = ? and attendance_date = cast(? as date)",
            [student, day],
        ).iloc[0]

    # night 1: 更正_… (sorts after 考勤_… by name? no: 更 < 考) says 病假
    first = deliver("更正考勤_第一次.csv", "病假")
    assert (first["attendance_code"], first["source_file"]) == ("sick_leave", "attendance/更正考勤_第一次.csv")
    # night 2: a name that sorts before both, delivered last, says 事假
    second = deliver("00_补充更正.csv", "事假")
    assert (second["attendance_code"], second["source_file"]) == ("personal_leave", "attendance/00_补充更正.csv")
    seqs = _query(db, "select source_file, delivery_seq from raw.load_files where extract = 'attendance'")
    order = seqs.sort_values("delivery_seq")["source_file"].tolist()
    assert order[-2:] == ["attendance/更正考勤_第一次.csv", "attendance/00_补充更正.csv"]
    assert sorted(order)[0] == "attendance/00_补充更正.csv"  # first by name, last by delivery
