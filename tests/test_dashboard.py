"""The Streamlit page, run by AppTest against a warehouse published by the real pipeline."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")


@pytest.fixture
def app_env(small_county, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(small_county.warehouse))
    return small_county


def test_front_page_shows_county_totals_and_townships(app_env):
    con = duckdb.connect(str(app_env.warehouse), read_only=True)
    county = con.execute(
        "select students_with_status, out_of_school, suspected_dropouts, poverty_cases "
        "from marts.unit_summary where level = 'county'"
    ).fetchone()
    n_towns = con.execute("select count(*) from marts.unit_summary where level = 'township'").fetchone()[0]
    con.close()

    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["有学籍学生"] == f"{county[0]:,}"
    assert metrics["适龄失学儿童"] == f"{county[1]:,}"
    assert metrics["疑似辍学"] == f"{county[2]:,}"
    assert metrics["脱贫户/监测户失学辍学"] == f"{county[3]:,}"
    table = at.dataframe[0].value
    assert len(table) == n_towns == 17
    assert list(table.columns[:2]) == ["乡镇", "乡镇代码"]
    assert "数据截至 2026年07月03日" in at.caption[0].value


def test_front_page_without_a_published_warehouse_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "尚未发布数据仓库" in at.warning[0].value
    assert "make demo" in at.warning[0].value
