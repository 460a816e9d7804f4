"""Case work in a real browser: the township demo user records three persuasion attempts on a
suspected-dropout case of the small county, one of them late; after the next nightly run (the real
Dagster job, incremental) the case's persuasion duty is done late, in marts.case_deadlines and on
the case page. Every case-work page, for that user, shows ID numbers masked only. Screenshots go to
KCBX_SCREENSHOTS (default test-artifacts/screenshots/)."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from dashboards import browser
from samplegen.casework import WorkingDays
from tests.conftest import REPO, pipeline_env, run_pipeline

TOWNSHIP = "410527102"  # the demo township user jingdian of dashboards/users.toml
SCREENSHOTS = Path(os.environ.get("KCBX_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")


@pytest.fixture(scope="module")
def county_copy(small_county, tmp_path_factory):
    """The small county's warehouses, store and key, copied: this test's entries stay its own."""
    root = tmp_path_factory.mktemp("casework_browser")
    env = pipeline_env(root, small_county.raw)
    for key in ("KCBX_BUILD_DB", "KCBX_WAREHOUSE"):
        shutil.copytree(Path(small_county.env[key]).parent, Path(env[key]).parent)
    shutil.copyfile(small_county.root / "casework.sqlite", root / "casework.sqlite")
    env.update(
        KCBX_CASEWORK_DB=str(root / "casework.sqlite"),
        KCBX_CASE_ID_KEY_FILE=str(small_county.root / "case_id.key"),
    )
    return env


def _sql(env, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(env["KCBX_WAREHOUSE"], read_only=True)
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def _case(env) -> tuple[str, date, date]:
    """A suspected-dropout case of the township opened at least 10 working days before the as-of
    date, with no persuasion attempt recorded yet; (case number, opened on, persuasion due on)."""
    cases = _sql(
        env,
        "select case_id, opened_on, as_of_date from marts.ledger_cases where township_code = ? "
        "and kind = 'suspected_dropout' and case_id not in (select case_id from marts.case_actions "
        "where action = '劝返' and is_current) order by opened_on",
        [TOWNSHIP],
    )
    wd = WorkingDays()
    for case_id, opened, as_of in cases:
        due = wd.add(opened, 10)
        if wd.add(due, 2) <= as_of:
            return case_id, opened, due
    raise AssertionError("the small county has no suitable case in the township")


def _fill_attempt(page, day: date, person: str) -> None:
    form = page.locator('[data-testid="stForm"]').first
    date_field = form.get_by_label("日期", exact=True)  # year / month / day segments, typed one by one
    for part, digits in (("year", f"{day.year:04d}"), ("month", f"{day.month:02d}"), ("day", f"{day.day:02d}")):
        date_field.locator(f'[data-type="{part}"]').click()
        page.keyboard.type(digits)
    page.keyboard.press("Tab")
    form.get_by_label("责任人", exact=True).fill(person)
    form.get_by_role("button", name="登记").click()
    page.get_by_text("已登记（第").first.wait_for(timeout=30_000)


def _visible_text(page) -> str:
    return page.inner_text("body") + " ".join(
        t or "" for t in page.locator('[data-testid="stDataFrame"]').all_text_contents()
    )


def test_a_township_user_records_three_attempts_one_late_and_the_night_marks_the_duty_done_late(county_copy):
    browser.chromium_path()  # fails with what to install when Chromium is missing: never a silent skip
    env = county_copy
    case_id, opened, due = _case(env)
    wd = WorkingDays()
    attempts = [wd.add(opened, 1), wd.add(opened, 3), wd.add(due, 2)]  # the third after the deadline
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    server_env = dict(os.environ, **{k: env[k] for k in ("KCBX_WAREHOUSE", "KCBX_RAW_DIR", "KCBX_CASEWORK_DB")})
    server_env.pop("KCBX_USERS_FILE", None)
    with browser.streamlit_server(server_env) as url, sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 2400}, locale="zh-CN")
        browser.login(page, url, "jingdian", "kcbx-township")  # lands on 今日待办
        for title in ("今日待办", "劝返成效"):
            if title != "今日待办":
                browser.open_page(page, title)
            text = _visible_text(page)
            assert not FULL_ID.findall(text), f"{title}: a full ID number shown to a township user"
            page.screenshot(path=str(SCREENSHOTS / f"casework_{title}.png"), full_page=True)

        # a row of 今日待办 leads to its case with the action form, and back again
        browser.open_page(page, "今日待办")
        first_case = _sql(
            env,
            "select case_id from marts.case_deadlines where status in ('due', 'overdue') and is_open "
            "and township_code = ? order by status desc, due_on, case_id, duty limit 1",
            [TOWNSHIP],
        )[0][0]  # the list's first row
        box = page.locator('[data-testid="stDataFrame"]').last.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box
        page.get_by_text(f"案件 {first_case}").first.wait_for()
        page.get_by_role("button", name="登记").wait_for()  # with the action form
        browser.open_page(page, "今日待办")
        page.wait_for_timeout(1500)
        assert page.get_by_role("heading", name="今日待办", level=1).is_visible()

        browser.open_page(page, "案件")
        box = page.get_by_label("案件编号", exact=True)
        box.fill(case_id.lower().replace("-", " "))  # as read out on the phone
        box.press("Enter")
        page.get_by_text(f"案件 {case_id}").first.wait_for()
        assert "?case=" + case_id in page.url  # the case number, and nothing personal, in the URL
        for n, day in enumerate(attempts, start=1):
            _fill_attempt(page, day, f"班主任测试{n}")
        timeline = page.locator('[data-testid="stDataFrame"]').last
        for day in attempts:
            timeline.get_by_text(day.isoformat()).first.wait_for(state="attached")  # recorded, shown at once
        assert not FULL_ID.findall(_visible_text(page)), "case page: a full ID number shown to a township user"
        page.screenshot(path=str(SCREENSHOTS / "casework_案件_登记后.png"), full_page=True)

        result = run_pipeline(env)  # the next night: incremental, the store's entries land
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-4000:]
        assert "casework entries: " in output and "landed" in output

        browser.open_page(page, "今日待办")  # the next click: the newly published warehouse
        browser.open_page(page, "案件")
        box = page.get_by_label("案件编号", exact=True)
        box.fill(case_id)
        box.press("Enter")
        page.get_by_text(f"案件 {case_id}").first.wait_for()
        duties = page.locator('[data-testid="stDataFrame"]').first
        duties.get_by_text("逾期完成").first.wait_for(state="attached", timeout=30_000)
        page.screenshot(path=str(SCREENSHOTS / "casework_案件_运行后.png"), full_page=True)
        chromium.close()

    row = _sql(
        env,
        "select status, done_on, done_count, due_on from marts.case_deadlines where case_id = ? and duty = 'persuasion'",
        [case_id],
    )
    assert row == [("done_late", attempts[2], 3, due)]
    entries = _sql(
        env,
        "select action_date, person, recorded_by from marts.case_actions where case_id = ? and source = 'dashboard' "
        "and action = '劝返' order by action_date",
        [case_id],
    )
    assert entries == [(day, f"班主任测试{n}", "jingdian") for n, day in enumerate(attempts, start=1)]
