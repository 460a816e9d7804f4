"""Case work end to end: opaque case numbers, the landed entries and workbooks, every duty's
status exactly as the generator planted it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from casework.case_ids import case_id, read_key

pytestmark = pytest.mark.e2e


def _published(county, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def test_case_numbers_are_the_keyed_hash_and_the_key_is_nowhere_else(small_county):
    key_file = small_county.root / "case_id.key"  # the data folder: the raw folder's parent
    key = read_key(key_file)
    cases = _published(
        small_county, "select case_id, kind, child_key, cast(opened_on as varchar) as opened_on from marts.ledger_cases"
    )
    assert len(cases) > 20
    expected = [case_id(key, r.kind, r.child_key, r.opened_on) for r in cases.itertuples()]
    assert cases["case_id"].tolist() == expected
    assert not any(r.child_key in r.case_id for r in cases.itertuples())
    # the key is read when the query runs: not in compiled SQL, run logs or the warehouse
    places = [
        Path(small_county.env["DAGSTER_HOME"]),
        Path(__file__).parents[2] / "dbt" / "target",
        small_county.warehouse,
    ]
    for place in places:
        for path in [place] if place.is_file() else place.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), f"the case-number key is in {path}"
