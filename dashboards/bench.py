"""Page-load benchmark (not a test): `streamlit run` on the published warehouse, headless Chromium,
each page loaded several times as the county user and as a township user.

    python -m dashboards.bench [--rounds 5] [--out data/bench/pages.md]

A page's load time runs from the click in the navigation until the page has finished rendering
(the script run is over and nothing on the page changes any more). "first" is the first load
for that user (empty cache for the user's scope); 总览's first load is the log-in itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from dashboards import browser
from dashboards.data import warehouse_path

# Demo users of dashboards/users.toml (synthetic county); passwords documented in the README.
USERS = (("县级用户", "county", "kcbx-county"), ("乡镇用户", "jingdian", "kcbx-township"))
TARGET_MS = 1000


def measure(url: str, rounds: int) -> dict[str, dict[str, list[float]]]:
    times: dict[str, dict[str, list[float]]] = {}
    with sync_playwright() as p:
        chromium = browser.launch(p)
        for label, username, password in USERS:
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            per_page = times.setdefault(label, {title: [] for title in browser.PAGES})
            per_page[browser.PAGES[0]].append(browser.login(page, url, username, password))
            for r in range(rounds):
                for title in browser.PAGES:
                    if r == 0 and title == browser.PAGES[0]:
                        continue  # measured by the log-in
                    per_page[title].append(browser.open_page(page, title))
                print(f"bench: {label} round {r + 1}/{rounds} done", flush=True)
            page.close()
        chromium.close()
    return times


def report(times: dict[str, dict[str, list[float]]], rounds: int, warehouse: Path) -> str:
    labels = list(times)
    head = "| 页面 | " + " | ".join(f"{u} 首次 | {u} 中位数 | {u} 最大" for u in labels) + " |"
    rule = "|---|" + "---:|---:|---:|" * len(labels)
    lines = [
        "## Dashboard page loads",
        "",
        f"{datetime.now():%Y-%m-%d %H:%M}, warehouse `{warehouse}` ({warehouse.stat().st_size / 1e6:.0f} MB), "
        f"{os.cpu_count()} cores, headless Chromium, {rounds} loads per page and user; milliseconds from the "
        f"click in the navigation until the page finished rendering (first = empty cache for the user's scope; "
        f"总览 first = the log-in). Target < {TARGET_MS} ms.",
        "",
        head,
        rule,
    ]
    for title in browser.PAGES:
        cells = []
        for u in labels:
            t = times[u][title]
            cells += [f"{t[0]:.0f}", f"{statistics.median(t):.0f}", f"{max(t):.0f}"]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("data/bench/pages.md"))
    args = parser.parse_args(argv)
    warehouse = warehouse_path()
    if not warehouse.exists():
        print(f"no published warehouse at {warehouse}: run `make sample pipeline` first", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env.pop("KCBX_USERS_FILE", None)  # the demo users
    with browser.streamlit_server(env) as url:
        print(f"bench: {url} on {warehouse}", flush=True)
        times = measure(url, args.rounds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report(times, args.rounds, warehouse), encoding="utf-8")
    worst = max(statistics.median(t) for per_page in times.values() for t in per_page.values())
    print(
        f"bench: {len(browser.PAGES)} pages × {len(times)} users × {args.rounds}: slowest median {worst:.0f} ms → {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
