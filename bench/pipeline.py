"""The pipeline benchmark (`make bench`): generation, each pipeline stage, end to end and peak
memory at three scales, a nightly incremental run, and the floor: DuckDB's bare read of the
same raw files. Each scale's figures go to ``<workdir>/<scale>/result.json``; BENCHMARKS.md is
written from every result present, so one scale can be measured again on its own:

    make bench                      # all three scales (about 40 minutes on 2 cores)
    make bench BENCH_SCALES="a b"   # some of them

With (a), the dashboard's page loads are measured too (dashboards/bench.py) and included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.config import REPO_ROOT
from dagster_project.ingest.readers import undecodable_line
from samplegen import deliveries

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Scale:
    name: str
    title: str
    args: tuple[str, ...]  # samplegen arguments
    target_seconds: float | None  # end to end, full load
    target_memory_gb: float | None = None


ONE_TERM = ("--start", "2025-09-01", "--end", "2026-01-16")  # the benchmark's term, whatever the sample's default
SCALES = {
    "a": Scale("a", "default county: 60,000 students × one term", ("--students", "60000", *ONE_TERM), None),
    "b": Scale(
        "b",
        "100,000 students × a full school year",
        ("--students", "100000", "--start", "2025-09-01", "--end", "2026-07-03"),
        120,
    ),
    "c": Scale("c", "1,000,000 students × one term", ("--students", "1000000", *ONE_TERM), 20 * 60, 16),
}
INCREMENTAL_TARGET_SECONDS = 20  # at (b)
FLOOR_RATIO_TARGET = 5


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_gb: float


@dataclass
class Result:
    scale: str
    title: str
    measured_at: str
    commit: str
    raw_rows: int
    raw_bytes: int
    generate: Measured
    full: Measured
    full_stages: dict[str, float]
    incremental: Measured
    incremental_stages: dict[str, float]
    floor_seconds: float
    notes: list[str] = field(default_factory=list)


def timed(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run a command to completion; wall time and the peak resident memory of it and the
    processes it waited for (dbt runs as a child of the Dagster process)."""
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)}; see {log}")
    return Measured(round(seconds, 1), round(usage.ru_maxrss / 1024**2, 2))


STAGES = (
    ("land", lambda key: key.startswith("raw__") and not key.endswith("_expectations")),
    ("row checks (GX)", lambda key: key.startswith("raw__") and key.endswith("_expectations")),
    ("dbt build", lambda key: key == "kcbx_dbt_models"),
    ("delivery checks (GX)", lambda key: key.startswith("staging__")),
    ("publish", lambda key: key == "published__warehouse"),
)


def stage_seconds(step_seconds: dict[str, float]) -> dict[str, float]:
    """Dagster step durations summed into the pipeline's stages (steps run one at a time)."""
    out = {name: round(sum(s for k, s in step_seconds.items() if match(k)), 1) for name, match in STAGES}
    unmatched = [k for k in step_seconds if not any(match(k) for _, match in STAGES)]
    if unmatched:
        raise ValueError(f"steps in no stage: {unmatched}")
    return out


def last_run_steps(dagster_home: Path) -> dict[str, float]:
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        return {s.step_key: s.end_time - s.start_time for s in instance.get_run_step_stats(run.run_id)}


def floor_seconds(raw: Path, scratch: Path) -> float:
    """DuckDB's bare read of every raw file into a table: the work no pipeline can skip. UTF-8
    CSVs are read by DuckDB directly; GBK ones are first transcoded (DuckDB has no GBK reader
    without an extension); xlsx through openpyxl, as the pipeline must."""
    from openpyxl import load_workbook

    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(scratch / "floor.duckdb"))  # a file, so that a large county can spill
    start = time.perf_counter()
    for path in sorted(raw.rglob("*")):
        if path.suffix == ".csv":
            source = path
            if undecodable_line(path, "utf-8") is not None:  # streamed: memory stays flat
                source = scratch / "transcoded.csv"
                with path.open(encoding="gb18030") as src, source.open("w", encoding="utf-8") as out:
                    shutil.copyfileobj(src, out, 1 << 24)
            con.execute(
                "create or replace table t as select * from read_csv(?, all_varchar = true, header = true)",
                [str(source)],
            )
        elif path.suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
            wb.close()
    seconds = time.perf_counter() - start
    con.close()
    return round(seconds, 1)


def measure(scale: Scale, workdir: Path) -> Result:
    root = workdir / scale.name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    raw, outbox, home = root / "raw", root / "outbox", root / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ)
    env.update(
        DAGSTER_HOME=str(home),
        KCBX_RAW_DIR=str(raw),
        KCBX_BUILD_DB=str(root / "build" / "warehouse.duckdb"),
        KCBX_WAREHOUSE=str(root / "published" / "warehouse.duckdb"),
        KCBX_DOCS_DIR=str(root / "docs"),
        KCBX_ALERTS_FILE=str(root / "alerts.jsonl"),
        KCBX_SETTLE_SECONDS="0",  # generated just now, not being copied: measure the run, not the wait
    )
    env.pop("KCBX_FULL_REFRESH", None)
    job = [str(BIN / "dagster"), "job", "execute", "-m", "dagster_project.definitions", "-j", "kcbx_nightly"]

    print(f"== bench ({scale.name}) {scale.title}: generating", flush=True)
    gen = timed(
        [sys.executable, "-m", "samplegen", "--raw", str(raw), "--truth", str(root / "truth"), "--force", *scale.args],
        env,
        root / "generate.log",
    )
    raw_bytes = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())
    print(f"   generated in {gen.seconds:.0f} s; the floor: DuckDB reads the raw files", flush=True)
    floor = floor_seconds(raw, root / "scratch")
    # in a process of its own, so that the benchmark's process stays small while the runs go
    subprocess.run(
        [sys.executable, "-m", "samplegen.deliveries", "hold-back", "--raw", str(raw), "--outbox", str(outbox)],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (day,) = outbox.glob("考勤_*.csv")
    print(f"   floor {floor:.0f} s; full run (all but {day.name})", flush=True)
    full = timed(job, env, root / "full.log")
    full_stages = stage_seconds(last_run_steps(home))
    print(f"   full run {full.seconds:.0f} s; incremental run with {day.name} alone", flush=True)
    deliveries.deliver(raw, outbox)
    incremental = timed(job, env, root / "incremental.log")
    incremental_stages = stage_seconds(last_run_steps(home))
    con = duckdb.connect(env["KCBX_WAREHOUSE"], read_only=True)
    raw_rows = con.execute("select sum(rows_loaded) from raw.load_files").fetchone()[0]
    con.close()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True)
    result = Result(
        scale=scale.name,
        title=scale.title,
        measured_at=datetime.now().isoformat(timespec="minutes"),
        commit=commit.stdout.strip(),
        raw_rows=int(raw_rows),
        raw_bytes=raw_bytes,
        generate=gen,
        full=full,
        full_stages=full_stages,
        incremental=incremental,
        incremental_stages=incremental_stages,
        floor_seconds=floor,
    )
    (root / "result.json").write_text(json.dumps(asdict(result), ensure_ascii=False, indent=1))
    shutil.rmtree(root / "scratch", ignore_errors=True)
    print(
        f"   ({scale.name}) full {full.seconds:.0f} s, incremental {incremental.seconds:.0f} s, "
        f"peak {full.peak_rss_gb:.1f} GB, {full.seconds / floor:.1f}× the floor",
        flush=True,
    )
    return result


def load_result(path: Path) -> Result:
    data = json.loads(path.read_text())
    for key in ("generate", "full", "incremental"):
        data[key] = Measured(**data[key])
    return Result(**data)


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def render(results: list[Result], machine: str, pages: str | None) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/pipeline.py); do not edit by hand. Times are wall-clock seconds",
        "on the machine below; peak memory is the largest resident set of the process and the",
        "processes it waited for (the Dagster run includes dbt). The full run loads everything but the",
        "last school day; the incremental run then brings that day alone, as a county's night does.",
        "The floor is DuckDB's bare read of the same raw files into a table.",
        "",
        f"Machine: {machine}",
        "",
        "| | " + " | ".join(f"({r.scale}) {r.title}" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(label: str, cells: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("measured at (commit)", [f"{r.measured_at} ({r.commit})" for r in results])
    row("raw files", [f"{r.raw_rows:,} rows, {r.raw_bytes / 1024**2:,.0f} MB" for r in results])
    row("generate", [f"{r.generate.seconds:.1f} s, {r.generate.peak_rss_gb:.1f} GB" for r in results])

    def run_rows(name: str, runs: list[Measured], stages: list[dict[str, float]]) -> None:
        for stage, _ in STAGES:
            row(f"{name}: {stage}", [f"{s[stage]:.1f} s" for s in stages])
        row(f"**{name}, end to end**", [f"**{m.seconds:.1f} s**" for m in runs])
        row(f"{name}, peak memory", [f"{m.peak_rss_gb:.1f} GB" for m in runs])

    run_rows("full run", [r.full for r in results], [r.full_stages for r in results])
    row("floor (DuckDB bare read)", [f"{r.floor_seconds:.1f} s" for r in results])
    row("**ratio to the floor**", [f"**{r.full.seconds / r.floor_seconds:.1f}×**" for r in results])
    run_rows("incremental night", [r.incremental for r in results], [r.incremental_stages for r in results])

    lines += ["", "## Targets (2 cores)", "", "| target | measured | |", "|---|---|---|"]
    by = {r.scale: r for r in results}
    if "b" in by:
        b = by["b"]
        lines.append(f"| (b) end to end ≤ 120 s | {b.full.seconds:.0f} s | {_verdict(b.full.seconds <= 120)} |")
        lines.append(
            f"| (b) incremental night ≤ {INCREMENTAL_TARGET_SECONDS} s | {b.incremental.seconds:.0f} s "
            f"| {_verdict(b.incremental.seconds <= INCREMENTAL_TARGET_SECONDS)} |"
        )
    if "c" in by:
        c = by["c"]
        ok = c.full.seconds <= 20 * 60 and c.full.peak_rss_gb <= 16
        lines.append(
            f"| (c) ≤ 20 min within 16 GB | {c.full.seconds / 60:.1f} min, {c.full.peak_rss_gb:.1f} GB | {_verdict(ok)} |"
        )
    for r in results:
        ratio = r.full.seconds / r.floor_seconds
        lines.append(
            f"| ({r.scale}) ratio to the floor ≤ {FLOOR_RATIO_TARGET} | {ratio:.1f}× "
            f"| {_verdict(ratio <= FLOOR_RATIO_TARGET)} |"
        )
    if pages:
        lines += ["", pages.strip()]
    return "\n".join(lines) + "\n"


def machine_description() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB, Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("scales", nargs="*", default=list(SCALES), choices=list(SCALES))
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "data" / "bench")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    for name in args.scales:
        measure(SCALES[name], args.workdir)
    if "a" in args.scales:
        # the dashboard's page loads, on the default county just published
        env = dict(os.environ, KCBX_WAREHOUSE=str(args.workdir / "a" / "published" / "warehouse.duckdb"))
        subprocess.run(
            [sys.executable, "-m", "dashboards.bench", "--out", str(args.workdir / "pages.md")],
            cwd=REPO_ROOT,
            env=env,
            check=True,
        )
    results = [load_result(p) for p in sorted(args.workdir.glob("*/result.json")) if p.parent.name in SCALES]
    pages = args.workdir / "pages.md"
    args.output.write_text(render(results, machine_description(), pages.read_text() if pages.exists() else None))
    print(f"benchmark: {len(args.scales)} scale(s) measured; {args.output} holds {len(results)}", flush=True)
    return 0
