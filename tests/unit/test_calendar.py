from datetime import date

from samplegen import calendar


def test_school_days_skip_weekends_and_national_day():
    days = calendar.school_days(date(2025, 9, 29), date(2025, 10, 10))
    assert [str(d) for d in days] == ["2025-09-29", "2025-09-30", "2025-10-08", "2025-10-09", "2025-10-10"]


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
