"""End to end in a real browser: `streamlit run` on the small county's published warehouse,
headless Debian Chromium driven by Playwright.

- Every page (and every list of the list pages) for the county, a township and a school user:
  its rendered text holds no code value, no 「None」 and no English word of Streamlit's own; no
  request leaves the server; a screenshot of each goes to KCBX_SCREENSHOTS (default
  test-artifacts/screenshots/).
- The county and the township download every workbook: the township's 月报 and quarterly table
  total is, cell for cell, the township's row in the county's; each list's workbook opens."""

from __future__ import annotations

import os
import re
from io import BytesIO
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from playwright.sync_api import sync_playwright

from dashboards import browser, lists, reports
from tests.conftest import REPO

TOWNSHIP, TOWNSHIP_NAME = "410527102", "井店镇"  # the demo township user of dashboards/users.toml
SCREENSHOTS = Path(os.environ.get("KCBX_SCREENSHOTS", REPO / "test-artifacts" / "screenshots"))
ROLES = (
    ("county", "county", "kcbx-county"),
    ("township", "jingdian", "kcbx-township"),
    ("school", "fanyang01", "kcbx-school"),
)
LIST_PAGES = {
    "三比对": ("out_of_school", "dropout_watch", "poverty_dropouts"),
    "台账": ("age_eligible", "cases", "dropouts"),
    "名单": ("home_teaching", "handover", "leave_filings", "suspended", "transferred_out"),
}
# Streamlit's and plotly's own English that a Chinese page must not show, and what a missing
# value or an English date looks like.
ENGLISH = (
    "None",
    "nan",
    "NaN",
    "NaT",
    "null",
    "undefined",
    "Select all",
    "Clear all",
    "Download",
    "CSV",
    "Search",
    "No results",
    "Choose",
    "Press Enter",
    "Deploy",
    "Rerun",
    "Settings",
    "Running",
    "Made with Streamlit",
    "Fullscreen",
    "Show/hide",
    "Loading",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
    "Q1",
    "Q2",
    "Q3",
    "Q4",
)


@pytest.fixture(scope="module")
def server(small_county):
    env = dict(os.environ, KCBX_WAREHOUSE=str(small_county.warehouse))
    env.pop("KCBX_USERS_FILE", None)  # the shipped demo users
    with browser.streamlit_server(env) as url:
        yield url


def _rows(county, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _code_values(county) -> set[str]:
    """Every English code value the marts hold (and the glossary labels): none may be shown."""
    codes = {
        c
        for (c,) in _rows(
            county, "select code from marts.code_labels where domain not in ('column', 'county', 'quarter')"
        )
    }
    for table, column in (
        ("ledger_cases", "trigger"),
        ("ledger_cases", "close_reason"),
        ("dropout_watch", "stage"),
        ("out_of_school", "category"),
        ("poverty_dropouts", "household_type"),
        ("poverty_dropouts", "detail"),
        ("leave_filings", "filing_level"),
        ("handover_6_to_7", "outcome"),
        ("student_risk", "tier"),
        ("ledger_age_eligible", "status"),
    ):
        codes |= {
            v for (v,) in _rows(county, f"select distinct {column} from marts.{table} where {column} is not null")
        }
    codes |= {r for (r,) in _rows(county, "select distinct reason from audit.quarantine")}
    return {c for c in codes if re.fullmatch(r"[a-z][a-z0-9_]+", c)}


def _text(page) -> str:
    """What the page shows: its visible text and the text drawn in its charts."""
    charts = page.evaluate("[...document.querySelectorAll('svg text')].map(t => t.textContent).join(' ')")
    return page.inner_text("body") + " " + charts


def _settle(page) -> None:
    browser.wait_settled(page)


def _forbidden(text: str, codes: set[str]) -> list[str]:
    words = [w for w in ENGLISH if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]
    words += [c for c in codes if re.search(rf"(?<![A-Za-z_]){re.escape(c)}(?![A-Za-z_])", text)]
    return words


def _visit(page, title: str, role: str, i: int, codes: set[str], child: str) -> None:
    """Open a page (each list of a list page), check its text, take its screenshot."""
    if title != browser.PAGES[0]:
        browser.open_page(page, title)
    variants = [None, *LIST_PAGES.get(title, ())[1:]]
    for variant in variants:
        if variant:
            page.get_by_text(lists.SPECS[variant].title, exact=True).first.click()
            _settle(page)
        if title == "一生一档":
            page.get_by_label("姓名、身份证号或全国学籍号", exact=True).fill(child)
            page.keyboard.press("Enter")
            page.get_by_text("案件（疑似辍学台账）").wait_for()
            _settle(page)
        text = _text(page)
        found = _forbidden(text, codes)
        assert not found, f"{role} {title} {variant or ''}: shows {found}"
        name = f"{role}_{i:02d}_{title}" + (f"_{lists.SPECS[variant].title}" if variant else "")
        name = name.replace("/", "、")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_every_page_speaks_chinese_to_every_role_and_nothing_leaves_the_server(server, small_county):
    browser.chromium_path()  # fails with what to install when Chromium is missing: never a silent skip
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    codes = _code_values(small_county)
    assert {"transferred_out", "suspected_dropout", "not_on_roster"} <= codes
    requests: list[str] = []
    with sync_playwright() as p:
        chromium = browser.launch(p)
        for role, username, password in ROLES:
            page = chromium.new_page(viewport={"width": 1400, "height": 3000}, locale="zh-CN")
            page.on("request", lambda r: requests.append(r.url))
            page.goto(server)
            if role == "county":
                page.screenshot(path=str(SCREENSHOTS / "00_登录.png"), full_page=True)
            browser.login(page, server, username, password)
            child = _child_of(small_county, role)
            for i, title in enumerate(browser.PAGES, start=1):
                if title == "一生一档" and child is None:
                    continue
                _visit(page, title, role, i, codes, child)
            page.close()
        chromium.close()
    outside = sorted({u for u in requests if not u.startswith(server)})
    assert not outside, f"requests left the server: {outside}"
    shots = {p.name for p in SCREENSHOTS.glob("*.png")}
    for role, _, _ in ROLES:
        assert {f"{role}_{i:02d}_{t}.png" for i, t in enumerate(browser.PAGES, 1) if t != "一生一档"} <= shots


def _child_of(county, role: str) -> str | None:
    """The full ID number of a child with a case in the role's scope (typed in full)."""
    where = {"county": "true", "township": "township_code = ?", "school": "school_code = ?"}[role]
    params = {"county": [], "township": [TOWNSHIP], "school": ["2410527001"]}[role]
    found = _rows(
        county,
        f"select id_number from marts.ledger_cases where {where} and id_number is not null order by case_id limit 1",
        params,
    )
    return found[0][0] if found else None


def _download(page, button: str, folder: Path) -> Path:
    download = browser.download(page, page.get_by_role("button", name=button))
    saved = folder / download.suggested_filename
    download.save_as(saved)
    return saved


def _sheet(path: Path) -> dict[str, list]:
    """A submitted workbook's rows by unit name, from under the two header rows to 合计."""
    ws = load_workbook(path).active
    rows = {}
    r = 5
    while ws.cell(r, 1).value not in (None, ""):
        values = [ws.cell(r, c).value for c in range(1, ws.max_column + 1)]
        rows[values[0]] = values[1:]
        if values[0] == reports.TOTAL:
            break
        r += 1
    return rows


def test_the_townships_workbooks_equal_its_row_in_the_countys(server, small_county, tmp_path):
    books: dict[str, dict[str, Path]] = {}
    with sync_playwright() as p:
        chromium = browser.launch(p)
        for role, username, password in ROLES[:2]:
            folder = tmp_path / role
            folder.mkdir()
            page = chromium.new_page(viewport={"width": 1400, "height": 2400}, accept_downloads=True, locale="zh-CN")
            browser.login(page, server, username, password)
            browser.open_page(page, "报表")
            books[role] = {"monthly": _download(page, "下载月报（.xlsx）", folder)}
            page.get_by_role("tab", name="学期汇总控辍保学排查整改工作情况统计表（卫辉）").click()
            _settle(page)
            books[role]["quarterly"] = _download(page, "下载季度整改表（.xlsx）", folder)
            for title, names in LIST_PAGES.items():
                browser.open_page(page, title)
                for name in names:
                    spec = lists.SPECS[name]
                    page.get_by_text(spec.title, exact=True).first.click()
                    _settle(page)
                    button = page.get_by_role("button", name=f"下载{spec.title}（.xlsx）")
                    if button.count():  # a list with rows
                        saved = _download(page, f"下载{spec.title}（.xlsx）", folder)
                        ws = load_workbook(BytesIO(saved.read_bytes())).active
                        assert ws["A1"].value == spec.title
                        books[role][name] = saved
            page.close()
        chromium.close()

    town = f"{TOWNSHIP_NAME}中心校"
    for table in ("monthly", "quarterly"):
        county, township = _sheet(books["county"][table]), _sheet(books["township"][table])
        assert county[town] == township[reports.TOTAL], table  # cell for cell
        body = [v for k, v in township.items() if k != reports.TOTAL]
        counts = len(body[0]) - (1 if table == "quarterly" else 0)
        assert [sum(r[c] for r in body) for c in range(counts)] == township[reports.TOTAL][:counts], table
        assert load_workbook(books["township"][table]).active["A2"].value == f"填报单位（盖章）：{town}"
    # the township's lists hold its own children only: their schools are the township's (lists of
    # children out of school show the last school, wherever it was)
    mine = {
        n
        for (n,) in _rows(
            small_county,
            "select unit_name from marts.report_units where level = 'school' and parent_code = ?",
            [TOWNSHIP],
        )
    }
    for name, path in books["township"].items():
        if name in ("monthly", "quarterly", "out_of_school", "transferred_out", "poverty_dropouts"):
            continue
        ws = load_workbook(path).active
        header = [c.value for c in ws[3]]
        schools = {row[header.index("学校")].value for row in ws.iter_rows(min_row=4)} - {None, ""}
        assert schools <= mine, (name, schools - mine)
