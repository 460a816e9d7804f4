"""The derived check columns the row suites validate, computed by DuckDB (checks/frames.py)."""

import duckdb
import pytest

from dagster_project.checks import frames


def _one(expr: str, value: str | None, params: tuple = ()) -> bool | None:
    con = duckdb.connect()
    return con.execute(f"select {expr} from (select ?::varchar as x)", [*params, value]).fetchone()[0]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("11010519491231002X", True),  # the standard's worked example
        ("11010519491231002x", True),  # lower-case x
        ("１１０１０５１９４９１２３１００２Ｘ", True),  # full-width
        (" 110105 19491231002X　", True),  # spaces, also ideographic
        ("110105491231002", True),  # the old 15-digit form
        ("110105194912310021", False),  # wrong check digit
        ("1101051949123100", False),  # 16 digits
        ("abc", False),
        ("", None),
        (None, None),
    ],
)
def test_id_number_ok(value, ok):
    assert _one(frames._id_number_ok("x"), value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2025-09-01", True),
        ("2025/9/1", True),
        ("20250901", True),
        (" 2025-09-01 ", True),
        ("45000", True),  # an Excel serial number (2023-03-15)
        ("45000.0", True),
        ("2099-01-01", False),  # in the future
        ("1899-01-01", False),  # before the earliest date
        ("2025-13-01", False),
        ("x", False),
        ("", None),
        (None, None),
    ],
)
def test_date_ok(value, ok):
    assert _one(frames._date_ok("x"), value, (frames.EARLIEST_DATE,)) is ok


def test_suite_columns_in_order_of_first_mention():
    spec = {
        "expectations": [
            {"kwargs": {"column": "b"}},
            {"kwargs": {"column_list": ["_source_file", "a", "b"]}},
            {"kwargs": {"min_value": 1}},
        ]
    }
    assert frames.suite_columns(spec) == ["b", "_source_file", "a"]
