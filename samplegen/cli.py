"""Command line: generate a synthetic county's raw extracts and its truth files."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date
from pathlib import Path

from samplegen import casework, writers
from samplegen import world as world_mod


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="kcbx-generate",
        description=(
            "Generate a synthetic county (all people are fictitious) as the four raw extracts plus "
            "reference files, and a truth folder listing every planted case."
        ),
    )
    ap.add_argument("--county", default="410527", help="county code (410527 内黄县, 341522, 530113, 410781)")
    ap.add_argument("--students", type=int, default=60_000, help="about how many students (default 60000)")
    # the spring term and the start of the next school year: the 6→7 handover and a school year's
    # end are in the sample, at about the size of one term
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 3, 2), help="first day, YYYY-MM-DD")
    ap.add_argument("--end", type=date.fromisoformat, default=date(2026, 9, 30), help="last day, YYYY-MM-DD")
    ap.add_argument("--seed", type=int, default=20250901, help="random seed (same seed, same files)")
    ap.add_argument("--raw", type=Path, default=Path("data/raw"), help="raw folder to write (default data/raw)")
    ap.add_argument("--truth", type=Path, default=Path("data/truth"), help="truth folder (default data/truth)")
    ap.add_argument("--force", action="store_true", help="replace existing raw and truth folders")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.end <= args.start:
        print("error: --end must be after --start", file=sys.stderr)
        return 2
    for folder in (args.raw, args.truth):
        if folder.exists() and any(c.name != "README.md" for c in folder.iterdir()):
            if not args.force:
                print(f"error: {folder} is not empty; pass --force to replace it", file=sys.stderr)
                return 2
            for child in folder.iterdir():  # the folder's own README (data/raw/README.md) stays
                if child.is_dir():
                    shutil.rmtree(child)
                elif child.name != "README.md":
                    child.unlink()
    t0 = time.perf_counter()
    params = world_mod.Params(args.county, args.students, args.start, args.end, args.seed)
    print(f"generating a synthetic county {args.county}, {args.students:,} students, {args.start}..{args.end}")
    world = world_mod.build(params)
    casework.plant(world, args.seed + 12)
    counts = writers.write_all(world, args.raw, args.truth)
    casework.write(world, args.raw, args.truth, force=args.force)
    total = sum(counts.values())
    print(
        f"done: {total:,} rows in {args.raw} (truth in {args.truth}), "
        f"{len(world.plants)} planted cases, {time.perf_counter() - t0:.1f} s"
    )
    return 0
