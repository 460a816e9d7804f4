from datetime import date

from samplegen import calendar


def test_school_days_follow_the_national_holidays_and_make_up_days():
    days = calendar.school_days(date(2025, 9, 26), date(2025, 10, 13))
    # 28 Sep (Sunday) and 11 Oct (Saturday) are make-up working days; 1–8 Oct are off
    assert [str(d) for d in days] == [
        "2025-09-26",
        "2025-09-28",
        "2025-09-29",
        "2025-09-30",
        "2025-10-09",
        "2025-10-10",
        "2025-10-11",
        "2025-10-13",
    ]


def test_no_school_outside_the_terms():
    assert not calendar.is_school_day(date(2026, 1, 19))  # winter holiday, a Monday
    assert calendar.is_school_day(date(2026, 2, 24))


def test_the_county_calendar_file_lists_terms_holidays_and_make_up_class_days():
    rows = calendar.calendar_rows(2025)
    assert rows[:3] == [
        ("学期", "2025-09-01", "2026-01-16", "2025-2026学年第一学期"),
        ("学期", "2026-02-24", "2026-07-03", "2025-2026学年第二学期"),
        ("放假", "2025-10-01", "2025-10-08", "国庆节、中秋节"),
    ]
    assert ("上课", "2025-10-11", "", "调休上课（国庆节、中秋节）") in rows
    # the Spring Festival falls between the terms: not listed as a holiday
    assert not any(r[0] == "放假" and r[3] == "春节" for r in rows)


def test_school_year_boundary():
    assert calendar.school_year(date(2025, 8, 31)) == 2024
    assert calendar.school_year(date(2025, 9, 1)) == 2025


def test_default_term_snapshots():
    snaps = calendar.snapshot_dates(date(2025, 9, 1), date(2026, 1, 16))
    assert [d.isoformat() for d in snaps] == [
        "2025-09-15",
        "2025-10-15",
        "2025-11-15",
        "2025-12-15",
        "2026-01-15",
    ]
