"""A real ``streamlit run`` of the app and headless Debian Chromium driving it (for the browser
test and the page-load benchmark)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APP = Path(__file__).resolve().parent / "app.py"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Page titles as in the navigation, in order.
PAGES = ("今日待办", "总览", "三比对", "一生一档", "台账", "名单", "报表", "风险", "案件", "劝返成效", "数据质量")


def chromium_path() -> str:
    """Debian's chromium (``KCBX_CHROMIUM`` to override); a clear error when it is not installed."""
    path = os.environ.get("KCBX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError(
            f"no Chromium at {path}: install it (apt-get install chromium fonts-noto-cjk) or set KCBX_CHROMIUM"
        )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str], timeout: float = 90) -> Iterator[str]:
    """Start ``streamlit run`` on a free port; yield its URL once healthy; stop it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=APP.parents[1],  # the repository's .streamlit/config.toml
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)


# Resolves once the script run is over and the page has not changed for `quiet` ms; returns the
# time (performance.now()) of the last change, i.e. when the page finished rendering. Rejects
# when the page is still changing after `limit` ms (a page that never settles fails, not hangs).
_SETTLED = """([quiet, limit]) => new Promise((resolve, reject) => {
  const start = performance.now();
  let last = start;
  const seen = new MutationObserver(() => { last = performance.now(); });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
  const tick = () => {
    // the app's own script state (the status widget is hidden with the toolbar)
    const state = document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state');
    const running = document.querySelector('[data-testid="stStatusWidget"]') || state !== 'notRunning';
    if (!running && performance.now() - last > quiet) { seen.disconnect(); resolve(last); }
    else if (performance.now() - start > limit) { seen.disconnect(); reject(new Error(`page still changing after ${limit} ms`)); }
    else setTimeout(tick, 25);
  };
  tick();
})"""


def wait_settled(page, timeout_ms: float = 120_000) -> float:
    """Wait until the page has finished re-running and rendering; the finish time (ms, page clock)."""
    return page.evaluate(_SETTLED, [500, timeout_ms])


def wait_rendered(page, title: str, timeout_ms: float = 30_000) -> float:
    """Wait until the page's title is shown and it has finished rendering; the finish time (ms, page clock)."""
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=timeout_ms)
    return page.evaluate(_SETTLED, [500, 4 * timeout_ms])


def login(page, url: str, username: str, password: str) -> float:
    """Log in; the milliseconds from the click until the first page finished rendering."""
    page.goto(url)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    start = page.evaluate("performance.now()")
    page.get_by_role("button", name="登录").click()
    return wait_rendered(page, PAGES[0]) - start


def download(page, button, timeout_ms: float = 60_000):
    """Click a download button (a locator) on a settled page; the Download. A click while the
    page is still re-running can be lost: once more if no file came (a download that never
    arrives still fails)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        wait_settled(page)
        try:
            with page.expect_download(timeout=timeout_ms) as started:  # a whole list built on a loaded machine
                button.click()
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    return started.value


def open_page(page, title: str) -> float:
    """Open a page from the navigation; the milliseconds from the click until it finished rendering."""
    start = page.evaluate("performance.now()")
    page.get_by_role("link", name=title).first.click()
    return wait_rendered(page, title) - start
