"""Nothing outside a user's scope leaves the server: a real `streamlit run` on the small
county's published warehouse and headless Chromium, logged in as the township and as the school
demo user. Everything the browser receives — every websocket frame (the page elements, the
tables as Arrow, the charts' JSON), every HTTP response and every downloaded file, unzipped — is
kept and searched for every identifier of a child outside the user's scope: full ID numbers,
student numbers, case numbers and names that no child in scope carries, and the masked forms of
those ID and student numbers that no child in scope shares. Every download clicked is in the
access log, with the user's scope and none of those identifiers."""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from casework.store import Store
from dashboards import browser
from dashboards.data import mask_id

pytestmark = pytest.mark.e2e
log = logging.getLogger(__name__)

# Child-level marts and the columns that identify a child or a case (those a mart has).
_IDENTIFIERS = ("id_number", "student_no", "case_id", "person_name", "student_name")
# Demo users of dashboards/users.toml: (user, password, township_code, school_code)
_USERS = {
    "township": ("jingdian", "kcbx-township", "410527102", None),
    "school": ("fanyang01", "kcbx-school", None, "2410527001"),
}


@dataclass
class Capture:
    """All bytes the browser received, page by page."""

    chunks: list[tuple[str, bytes]] = field(default_factory=list)

    def add(self, where: str, payload: bytes | str) -> None:
        self.chunks.append((where, payload.encode("utf-8") if isinstance(payload, str) else payload))

    def add_download(self, where: str, content: bytes) -> None:
        """A download as its bytes and, for an xlsx (a zip), each member unpacked."""
        self.add(where, content)
        if zipfile.is_zipfile(io.BytesIO(content)):
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                for name in z.namelist():
                    self.add(f"{where}:{name}", z.read(name))

    def find(self, needles: set[str]) -> dict[str, list[str]]:
        """Needle → where it was seen (one pass over each chunk, whatever the number of needles)."""
        pattern = _trie_pattern(sorted(needles))
        hits: dict[str, list[str]] = {}
        for where, payload in self.chunks:
            for found in set(pattern.findall(payload.decode("utf-8", errors="replace"))):
                hits.setdefault(found, []).append(where)
        return hits


def _trie_pattern(words: list[str]) -> re.Pattern:
    """One regular expression matching any of ``words``, shaped as their trie (fast for thousands)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return re.compile(render(trie))


def _identifiers(warehouse, township: str | None, school: str | None) -> tuple[set[str], dict[str, str]]:
    """(in scope, out of scope → what it is) identifiers over every child-level mart, by the
    dashboard's rule: a row is in scope when its township (and school, for a school user) is the
    user's. Out of scope: what appears on no row in scope, and the masked form of an ID number or
    student number whose masked form no child in scope shares."""
    con = duckdb.connect(str(warehouse), read_only=True)
    inside: set[str] = set()
    kinds: dict[str, str] = {}
    try:
        marts = con.execute(
            "select table_name, list(column_name) from information_schema.columns where table_schema = 'marts' "
            "group by table_name"
        ).fetchall()
        for table, columns in marts:
            ids = [c for c in _IDENTIFIERS if c in columns]
            if not ids or "township_code" not in columns:
                continue
            school_col = "school_code" if "school_code" in columns else "cast(null as varchar)"
            for col in ids:
                rows = con.execute(
                    f"select distinct {col}, township_code, {school_col} from marts.{table} where {col} is not null"
                ).fetchall()
                for value, town, sch in rows:
                    kinds.setdefault(value, f"{table}.{col}")
                    if (township is None or town == township) and (school is None or sch == school):
                        inside.add(value)
    finally:
        con.close()
    outside = {v: k for v, k in kinds.items() if v not in inside and len(v) >= 2}
    # a name outside that is part of a name inside (王伟 in 王伟明) proves nothing when found
    names_inside = [v for v in inside if len(v) <= 6]
    outside = {v: k for v, k in outside.items() if not any(v in name for name in names_inside)}
    masked_inside = {mask_id(v) for v in inside}
    for value, kind in list(outside.items()):
        masked = mask_id(value)
        if masked != value and masked not in masked_inside:
            outside[masked] = f"{kind} (masked)"
    return inside, outside


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    """The server's operational store (its access log), its own for this module."""
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'casework.sqlite'}"


@pytest.fixture(scope="module")
def server(small_county, store_url):
    env = dict(os.environ, KCBX_WAREHOUSE=str(small_county.warehouse), KCBX_CASEWORK_DB=store_url)
    env.pop("KCBX_USERS_FILE", None)  # the shipped demo users
    with browser.streamlit_server(env) as url:
        yield url


def _visit_everything(page, capture: Capture, inside_id: str) -> list[str]:
    """Open every page of the navigation, every tab on it and every download; search 一生一档
    for a child in scope. Returns the pages visited."""
    # a link reads "<icon name>\n\n<title>"
    titles = [t.split("\n")[-1].strip() for t in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]
    assert titles, "no navigation links found"
    for title in titles:
        log.info("page %s", title)
        browser.open_page(page, title)
        if title == "一生一档":
            box = page.locator('[data-testid="stTextInput"] input').first
            box.fill(inside_id)
            box.press("Enter")
            page.wait_for_timeout(1500)
        for i in range(page.get_by_role("tab").count()):
            page.get_by_role("tab").nth(i).click()
            page.wait_for_timeout(400)
            _downloads(page, capture, title)
        # the lists a page chooses with a radio (三比对, 台账, 名单): each one, with its download
        options = page.locator('[data-testid="stRadio"] [role="radiogroup"] label')
        for i in range(options.count()):
            options.nth(i).click()
            browser.wait_rendered(page, title)
            _downloads(page, capture, title)
        _downloads(page, capture, title)
    return titles


def _downloads(page, capture: Capture, title: str) -> None:
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if not button.is_visible():
            continue
        log.info("download %d on %s", i, title)
        download = browser.download(page, button)
        path = download.path()
        capture.add_download(f"{title}: download {download.suggested_filename}", Path(path).read_bytes())


@pytest.mark.parametrize("role", sorted(_USERS))
def test_nothing_out_of_scope_reaches_the_browser(server, store_url, small_county, role):
    browser.chromium_path()  # fails with what to install when Chromium is missing: never a silent skip
    user, password, township, school = _USERS[role]
    inside, outside = _identifiers(small_county.warehouse, township, school)
    assert len(outside) > 1000, f"too few out-of-scope identifiers to search for ({len(outside)}): wrong county?"
    inside_id = next(v for v in sorted(inside) if len(v) == 18 and v[:6].isdigit())
    inside_names = {v for v in inside if not v[:1].isascii()}
    capture = Capture()
    with sync_playwright() as p:
        chromium = browser.launch(p)
        page = chromium.new_page(viewport={"width": 1400, "height": 2000}, accept_downloads=True, locale="zh-CN")
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: capture.add("websocket", payload)))
        finished = []  # requests whose response body has arrived in full (not the websocket, not downloads)
        page.on("requestfinished", lambda request: finished.append(request))
        browser.login(page, server, user, password)
        visited = _visit_everything(page, capture, inside_id)
        for request in finished:
            response = request.response()
            if response is not None and "/static/" not in request.url:  # the app's own JavaScript and fonts
                capture.add(f"http {request.url}", response.body())
        chromium.close()
    received = sum(len(c) for _, c in capture.chunks)
    assert received > 100_000, f"the browser received only {received} bytes: did the pages render?"
    leaks = capture.find(outside)
    # what leaked is named by the mart column it comes from, never by its value (no ID in a log)
    assert not leaks, (
        f"{role} user: {len(leaks)} out-of-scope identifiers reached the browser on {visited}, e.g. "
        + "; ".join(f"{outside[k]} in {sorted(set(v))[:3]}" for k, v in list(leaks.items())[:8])
    )
    # the same search does find what the user may see: the capture itself works
    seen = capture.find(inside_names)
    assert len(seen) >= 10, f"only {len(seen)} names of children in scope were received: is the capture broken?"
    # every click on a download was logged, with the user's scope and no child's identifier
    downloads = [where for where, _ in capture.chunks if ": download " in where and where.endswith(".xlsx")]
    log = Store(store_url).access_log(limit=100_000)
    mine = log[log["username"] == user]
    assert "login" in set(mine["action"]) and (mine["action"] == "export").sum() == len(downloads) > 0
    assert set(mine["township_code"].dropna()) | set(mine["school_code"].dropna()) == {township or school}
    logged = Capture()
    logged.add("access log", log.to_csv(index=False))
    assert not logged.find(inside | set(outside)), "the access log holds a child's identifier"
