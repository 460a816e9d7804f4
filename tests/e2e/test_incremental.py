"""Nightly runs are incremental (the session's county got its last school day alone, see
conftest.py); a full rebuild from the same files gives the same marts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import mart_digest, pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e


def test_a_full_rebuild_gives_the_same_marts_as_the_nightly_increments(small_county, tmp_path):
    env = pipeline_env(tmp_path, small_county.raw)
    for key in ("KCBX_BUILD_DB", "KCBX_WAREHOUSE"):
        shutil.copytree(Path(small_county.env[key]).parent, Path(env[key]).parent)
    env["KCBX_FULL_REFRESH"] = "1"
    result = run_pipeline(env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "dbt build --full-refresh: KCBX_FULL_REFRESH=1" in output
    unchanged = [int(n) for n in re.findall(r"\((\d+) unchanged", output)]
    assert len(unchanged) == 7 and set(unchanged) == {0}, "a full rebuild reads every file again"
    nightly = mart_digest(small_county.warehouse)
    assert {"out_of_school", "dropout_watch", "ledger_cases", "monthly_report", "quarterly_rectification"} <= set(
        nightly
    )
    assert mart_digest(Path(env["KCBX_WAREHOUSE"])) == nightly
