"""The benchmark's bookkeeping: Dagster steps into stages, results into BENCHMARKS.md, our lists
beside the peer's, and the results a BENCHMARKS.md carries for the scales not measured again."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.pipeline import Measured, Result, agreement, embedded, merged, render, stage_seconds

STEPS = {
    "raw__attendance": 9.0,
    "raw__household": 1.5,
    "casework__case_id_key": 0.1,
    "casework_entries": 0.4,
    "raw__attendance_attendance_expectations": 30.0,
    "raw__household_household_expectations": 2.0,
    "kcbx_dbt_models": 50.0,
    "staging__stg_attendance_delivery_volume": 0.25,
    "staging__stg_attendance_attendance_freshness": 0.25,
    "published__warehouse": 0.3,
}


def test_steps_sum_into_stages():
    assert stage_seconds(STEPS) == {
        "land": 11.0,
        "row checks (GX)": 32.0,
        "dbt build": 50.0,
        "delivery checks (GX)": 0.5,
        "publish": 0.3,
    }


def test_a_step_in_no_stage_is_an_error():
    with pytest.raises(ValueError, match="risk_model"):
        stage_seconds({**STEPS, "risk_model": 1.0})


def _result(
    scale: str, full: float, incremental: float, floor: float, peak: float = 3.0, peer=None, quiet=None
) -> Result:
    stages = stage_seconds(STEPS)
    return Result(
        scale, f"scale {scale}", "2026-11-22T12:00", "abc1234", 1_000_000, 50 * 1024**2,
        Measured(10, 1), Measured(full, peak), stages, Measured(incremental, 1), stages, floor,
        peer=None if peer is None else Measured(peer, 0.5), quiet=None if quiet is None else Measured(quiet, 1),
    )  # fmt: skip


def test_targets_are_judged_on_the_measured_figures():
    text = render([_result("b", 130, 15, 20), _result("c", 1100, 200, 300, peak=17)], "test machine", None)
    assert "| (b) end to end ≤ 120 s | 130 s | **not met** |" in text
    assert "| (b) incremental night ≤ 20 s | 15 s | met |" in text
    assert "| (c) end to end ≤ 10 min within 8 GB | 18.3 min, 17.0 GB | **not met** |" in text
    assert "| (b) ratio to the floor ≤ 5 | 6.5× | **not met** |" in text
    assert "| (c) ratio to the floor ≤ 5 | 3.7× | met |" in text
    assert "| **full run, end to end** | **130.0 s** | **1100.0 s** |" in text


def test_the_small_county_must_also_beat_the_peer():
    slower = render([_result("small", 12, 8, 1, peer=4.0, quiet=9)], "test machine", None)
    assert "| (small) end to end ≤ 15 s, and faster than the peer | 12 s; peer 4.0 s | **not met** |" in slower
    faster = render([_result("small", 12, 8, 1, peer=13.0, quiet=11)], "test machine", None)
    assert "| (small) end to end ≤ 15 s, and faster than the peer | 12 s; peer 13.0 s | met |" in faster
    assert "| **ratio to the peer** (full run ÷ peer) | **0.9×** |" in faster
    assert "| (small) a night with no new file ≤ 10 s | 11 s | **not met** |" in faster
    assert "| (small) a night with no new file ≤ 10 s | 9 s | met |" in slower


def test_a_result_from_before_the_peer_says_what_it_did_not_measure():
    text = render([_result("b", 130, 15, 20)], "test machine", None)
    assert "| peer (pandas, the three comparisons) | not measured |" in text
    assert "| **ratio to the peer** (full run ÷ peer) | **—** |" in text
    assert "| (b) a night with no new file ≤ 10 s | not measured | — |" in text
    assert "| out-of-school children (适龄失学) | not measured |" in text


def test_our_lists_beside_the_peers_count_rows_in_one_list_only():
    ours = {
        "out_of_school": pd.DataFrame({"id_number": ["1", "2", "3"], "category": ["never_enrolled"] * 3}),
        "dropout_watch": pd.DataFrame(
            {"student_no": ["G1", "G2", "G3"], "stage": ["dropout", "suspected_dropout", "not_on_roster"]}
        ),
        "poverty_dropouts": pd.DataFrame(
            {"id_number": ["1"], "source": ["out_of_school"], "detail": ["never_enrolled"]}
        ),
    }
    peer = {
        # one child under another category: in one list only on each side
        "out_of_school": pd.DataFrame(
            {"id_number": ["1", "2", "3"], "category": ["never_enrolled"] * 2 + ["left_status"]}
        ),
        # G2 one stage further (still counted together); G3 on the roster; G4 only the peer's
        "dropout_watch": pd.DataFrame(
            {"student_no": ["G1", "G2", "G4"], "stage": ["dropout", "dropout", "absent_3d"], "extra": [1, 2, 3]}
        ),
        "poverty_dropouts": pd.DataFrame(
            {"id_number": ["1"], "source": ["out_of_school"], "detail": ["never_enrolled"]}
        ),
    }
    got = agreement(ours, peer)
    assert got["out-of-school children (适龄失学)"] == {"ours": 3, "peer": 3, "differ": 2}
    assert got["suspected dropouts and dropouts (疑似辍学, 辍学)"] == {"ours": 2, "peer": 2, "differ": 2}
    assert got["not on the roster (籍在人不在)"] == {"ours": 1, "peer": 0, "differ": 1}
    assert got["unexcused streak of 3–4 school days"] == {"ours": 0, "peer": 1, "differ": 1}
    assert got["poverty-household dropouts (脱贫户/监测户)"] == {"ours": 1, "peer": 1, "differ": 0}
    text = render([_result("a", 100, 50, 10, peer=20)], "test machine", None)
    assert "| out-of-school children (适龄失学) | not measured |" in text
    measured = _result("a", 100, 50, 10, peer=20)
    measured.agreement = got
    text = render([measured], "test machine", None)
    assert "| out-of-school children (适龄失学) | 3 / 3: 2 rows in one list only |" in text
    assert "| poverty-household dropouts (脱贫户/监测户) | 1 / 1: the same rows |" in text


def test_scales_not_measured_again_keep_their_figures_from_the_file():
    old_b, old_a = _result("b", 219, 109, 20), _result("a", 120, 70, 9)
    text = render([old_a, old_b], "test machine", "## Dashboard page loads\n\nold pages")
    carried, pages = embedded(text)
    assert carried == [old_a, old_b]
    assert pages == "## Dashboard page loads\n\nold pages"
    new_a, new_small = _result("a", 90, 40, 9, peer=30, quiet=8), _result("small", 12, 8, 1, peer=4)
    assert merged(carried, [new_a, new_small]) == [new_small, new_a, old_b]
    assert embedded("# Benchmarks written before the results were carried\n") == ([], None)


def test_the_spark_column_names_its_engine_and_is_judged_on_no_duckdb_target():
    spark = _result("a-spark", 1900, 900, 60, quiet=40)
    spark.engine = "spark"
    text = render([_result("a", 600, 300, 60, quiet=30), spark], "test machine", None)
    assert "| engine (dbt build) | DuckDB | Spark local[2] |" in text
    assert "| full run: dbt build | 50.0 s | 50.0 s |" in text
    assert "| (a) ratio to the floor ≤ 5 | 10.0× | **not met** |" in text
    assert "(a-spark) ratio to the floor" not in text and "(a-spark) a night with no new file" not in text
    assert "## A province on Spark" in text  # the design written from these figures
    assert merged(embedded(text)[0], []) == [_result("a", 600, 300, 60, quiet=30), spark]
