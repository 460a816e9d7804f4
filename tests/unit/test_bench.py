"""The benchmark's bookkeeping: Dagster steps into stages, results into BENCHMARKS.md."""

from __future__ import annotations

import pytest

from bench.pipeline import Measured, Result, render, stage_seconds

STEPS = {
    "raw__attendance": 9.0,
    "raw__household": 1.5,
    "raw__attendance_attendance_expectations": 30.0,
    "raw__household_household_expectations": 2.0,
    "kcbx_dbt_models": 50.0,
    "staging__stg_attendance_delivery_volume": 0.25,
    "staging__stg_attendance_attendance_freshness": 0.25,
    "published__warehouse": 0.3,
}


def test_steps_sum_into_stages():
    assert stage_seconds(STEPS) == {
        "land": 10.5,
        "row checks (GX)": 32.0,
        "dbt build": 50.0,
        "delivery checks (GX)": 0.5,
        "publish": 0.3,
    }


def test_a_step_in_no_stage_is_an_error():
    with pytest.raises(ValueError, match="risk_model"):
        stage_seconds({**STEPS, "risk_model": 1.0})


def _result(scale: str, full: float, incremental: float, floor: float, peak: float = 3.0) -> Result:
    stages = stage_seconds(STEPS)
    return Result(
        scale, f"scale {scale}", "2026-11-22T12:00", "abc1234", 1_000_000, 50 * 1024**2,
        Measured(10, 1), Measured(full, peak), stages, Measured(incremental, 1), stages, floor,
    )  # fmt: skip


def test_targets_are_judged_on_the_measured_figures():
    text = render([_result("b", 130, 15, 20), _result("c", 1100, 200, 300, peak=17)], "test machine", None)
    assert "| (b) end to end ≤ 120 s | 130 s | **not met** |" in text
    assert "| (b) incremental night ≤ 20 s | 15 s | met |" in text
    assert "| (c) ≤ 20 min within 16 GB | 18.3 min, 17.0 GB | **not met** |" in text
    assert "| (b) ratio to the floor ≤ 5 | 6.5× | **not met** |" in text
    assert "| (c) ratio to the floor ≤ 5 | 3.7× | met |" in text
    assert "| **full run, end to end** | **130.0 s** | **1100.0 s** |" in text
