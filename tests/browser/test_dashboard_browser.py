"""End to end in a real browser: `streamlit run` on the small county's published warehouse,
headless Debian Chromium driven by Playwright. A township user logs in, sees only that
township, downloads the quarterly table and its cells are checked. A screenshot of every page
goes to KCBX_SCREENSHOTS (default test-artifacts/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

from dashboards import browser, reports
from tests.conftest import REPO

TOWNSHIP, TOWNSHIP_NAME = "410527102", "井店镇"  # the demo township user of dashboards/users.toml
SCREENSHOTS = Path(os.environ.get("KCBX_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))


@pytest.fixture(scope="module")
def server(small_county):
    env = dict(os.environ, KCBX_WAREHOUSE=str(small_county.warehouse))
    env.pop("KCBX_USERS_FILE", None)  # the shipped demo users
    with browser.streamlit_server(env) as url:
        yield url


def _rows(county, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_township_user_in_a_real_browser(server, small_county, tmp_path):
    browser.chromium_path()  # fails with what to install when Chromium is missing: never a silent skip
    towns = dict(
        _rows(small_county, "select unit_code, unit_name from marts.monthly_report where level = ?", ["township"])
    )
    others = [name for code, name in towns.items() if code != TOWNSHIP]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 2600}, accept_downloads=True, locale="zh-CN")
        page.goto(server)
        page.screenshot(path=str(SCREENSHOTS / "00_登录.png"), full_page=True)
        browser.login(page, server, "jingdian", "kcbx-township")
        assert f"范围：乡镇 {TOWNSHIP}" in page.inner_text("body")

        for i, title in enumerate(browser.PAGES, start=1):
            if i > 1:
                browser.open_page(page, title)
            if title == "三比对":
                page.get_by_role("tab", name="学籍比在校：疑似辍学").click()
                page.wait_for_timeout(500)
            if title == "一生一档":
                page.get_by_label("身份证号、全国学籍号或姓名", exact=True).fill(_child_in(small_county))
                page.keyboard.press("Enter")
                page.get_by_text("案件（疑似辍学台账）").wait_for()
            text = page.inner_text("body") + " ".join(
                t or "" for t in page.locator('[data-testid="stDataFrame"]').all_text_contents()
            )
            leaked = [name for name in others if name in text]
            assert not leaked, f"{title}: other townships shown to a township user: {leaked}"
            page.screenshot(path=str(SCREENSHOTS / f"{i:02d}_{title}.png"), full_page=True)

        watch = _rows(small_county, "select count(*) from marts.dropout_watch where township_code = ?", [TOWNSHIP])[0][
            0
        ]
        browser.open_page(page, "三比对")
        page.get_by_role("tab", name="学籍比在校：疑似辍学").click()
        assert page.get_by_text(f"共 {watch:,} 人").first.is_visible()

        browser.open_page(page, "报表")
        page.get_by_role("tab", name="季度疑似辍学排查整改统计表（卫辉）").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="下载季度整改表（.xlsx）").click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        chromium.close()

    quarter, quarter_name = _rows(
        small_county,
        "select max(quarter), max(quarter_name) from marts.quarterly_rectification where is_complete "
        "group by all order by 1 desc limit 1",
        [],
    )[0]
    assert saved.name == f"季度整改表_{TOWNSHIP_NAME}中心校_{quarter}.xlsx"
    count_cols = list(reports.QUARTERLY.columns)
    below = _rows(
        small_county,
        "select report_unit_name, " + ", ".join(count_cols) + " from marts.quarterly_rectification "
        "where quarter = ? and parent_level = 'township' and parent_code = ? order by unit_order",
        [quarter, TOWNSHIP],
    )
    township = _rows(
        small_county,
        "select " + ", ".join(count_cols) + " from marts.quarterly_rectification "
        "where quarter = ? and level = 'township' and unit_code = ?",
        [quarter, TOWNSHIP],
    )[0]
    ws = load_workbook(saved).active
    assert ws["A1"].value == f"学期汇总控辍保学排查整改工作情况统计表（{quarter_name}）"
    assert ws["A2"].value == f"填报单位：{TOWNSHIP_NAME}中心校"
    assert [ws.cell(3, c).value for c in range(1, 3)] == ["单位", "期初在办"]
    body = [[ws.cell(r, c).value for c in range(1, 2 + len(count_cols))] for r in range(5, 5 + len(below))]
    assert body == [list(s) for s in below]  # every school of the township and its no-school row, nothing else
    totals = [ws.cell(5 + len(below), c).value for c in range(1, 2 + len(count_cols))]
    assert totals[0] == "合计"
    assert totals[1:] == list(township)  # the township's own row of the mart
    assert {f"{i:02d}_{t}.png" for i, t in enumerate(browser.PAGES, 1)} <= {p.name for p in SCREENSHOTS.glob("*.png")}


def _child_in(county) -> str:
    """The full ID number of a child of the township with a case (the user types it in full)."""
    return _rows(
        county,
        "select id_number from marts.ledger_cases where township_code = ? and id_number in "
        "(select id_number from marts.ledger_age_eligible) order by case_id limit 1",
        [TOWNSHIP],
    )[0][0]
