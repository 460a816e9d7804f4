"""Small-count suppression: nothing hidden can be worked out from what is shown."""

from __future__ import annotations

import pandas as pd

from dashboards import disclosure
from dashboards.disclosure import Share, Sum

COUNTS = ["students", "primary", "junior", "cases"]
STAGES = Sum("students", ("primary", "junior"))


def _frame() -> pd.DataFrame:
    # the township's own row first (the sum of the rows under it), then its schools
    return pd.DataFrame(
        {
            "unit": ["镇", "小学", "初中", "未入学"],
            "students": [120, 80, 40, 0],
            "primary": [83, 80, 3, 0],
            "junior": [37, 0, 37, 0],
            "cases": [9, 2, 7, 0],
        }
    ).set_index("unit")


def test_small_counts_and_what_would_give_them_away_are_hidden():
    hidden = disclosure.hidden_counts(_frame(), COUNTS, [STAGES], total_row="镇")
    assert hidden.at["初中", "primary"]  # 3: primary
    assert hidden.at["小学", "cases"]  # 2: primary
    # secondary: 初中's students − junior would give its 3 primary away; the township's primary
    # minus 小学's would too, and the township's cases minus 初中's would give 小学's 2
    assert hidden.at["初中", "junior"] or hidden.at["初中", "students"]
    assert hidden.at["镇", "primary"] or hidden.at["小学", "primary"]
    assert hidden.at["镇", "cases"] or hidden.at["初中", "cases"]
    assert not hidden.at["小学", "students"] and not hidden.at["未入学", "students"]  # 80 and 0 stay readable
    _assert_nothing_derivable(_frame(), hidden, [STAGES], "镇")


def _assert_nothing_derivable(frame, hidden, sums, total_row):
    """No sum that holds leaves exactly one hidden cell among shown ones."""
    for s in sums:
        for row in frame.index:
            cells = [(row, s.total), *((row, p) for p in s.parts)]
            assert sum(hidden.at[c] for c in cells) != 1, (row, s)
    for col in hidden.columns:
        cells = [(r, col) for r in frame.index]
        assert sum(hidden.at[c] for c in cells) != 1, col
    assert not any(1 <= frame.at[r, c] < 5 and not hidden.at[r, c] for r in frame.index for c in hidden.columns), (
        "a small count is shown"
    )


def test_a_subset_whose_remainder_is_small_is_not_shown_with_its_total():
    frame = pd.DataFrame({"open": [12, 30], "junior": [10, 20]})  # 2 primary in the first row
    hidden = disclosure.hidden_counts(frame, ["open", "junior"], [Sum("open", ("junior",), exact=False)])
    assert hidden.at[0, "junior"] and not hidden.at[0, "open"]
    assert not hidden.at[1, "junior"] and not hidden.at[1, "open"]


def test_the_county_sees_every_number():
    shown = disclosure.protect(_frame(), True, COUNTS, [STAGES], "镇")
    assert shown.text.at["小学", "cases"] == "2"
    assert not shown.hidden.to_numpy().any()


def test_hidden_cells_reach_neither_the_text_nor_the_numbers():
    shown = disclosure.protect(_frame(), False, COUNTS, [STAGES], "镇")
    assert shown.text.at["小学", "cases"] == "<5"
    assert pd.isna(shown.values.at["小学", "cases"])
    for r, c in zip(*shown.hidden.to_numpy().nonzero(), strict=True):
        row, col = shown.hidden.index[r], shown.hidden.columns[c]
        assert shown.text.at[row, col] == "<5" and pd.isna(shown.values.at[row, col])


def test_a_rate_is_coarsened_when_its_count_or_remainder_is_small():
    frame = pd.DataFrame(
        {
            "numerator": [3, 197, 100, 2],
            "denominator": [200, 200, 200, 3],
            "rate": [3 / 200, 197 / 200, 100 / 200, 2 / 3],
            "ratio": [0.5, 1.1, 1.0, 2.0],
        }
    )
    share = Share("rate", "numerator", "denominator", ratios=("ratio",))
    shown = disclosure.protect(frame, False, ["numerator", "denominator"], shares=[share])
    assert list(shown.text["rate"]) == ["<2.5%", ">97.5%", "50.0%", "—"]
    assert shown.values.at[0, "rate"] == 0.025 and pd.isna(shown.values.at[3, "rate"])
    assert list(shown.text["ratio"]) == ["—", "—", "1.00", "—"]  # the ratio would give the rate back
    county = disclosure.protect(frame, True, ["numerator", "denominator"], shares=[share])
    assert list(county.text["rate"]) == ["1.5%", "98.5%", "50.0%", "66.7%"]


def test_a_delta_needs_both_values_shown():
    assert disclosure.delta(12, 9, False, False) == 3
    assert disclosure.delta(12, 3, False, True) is None
    assert disclosure.delta(4, 9, True, False) is None
