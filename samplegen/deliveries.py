"""Nightly deliveries from a generated county: hold back the last school day of attendance, to
deliver it later as a file of its own, as a county's system would the next night.

    python -m samplegen.deliveries hold-back --raw data/raw --outbox data/outbox
    python -m samplegen.deliveries deliver --raw data/raw --outbox data/outbox
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

_DATE_COLUMNS = ("考勤日期", "日期")


def _dates(df: pd.DataFrame) -> pd.Series:
    column = next(c for c in _DATE_COLUMNS if c in df.columns)
    text = df[column].astype(str).str.replace("/", "-")
    compact = text.str.fullmatch(r"\d{8}")
    text = text.where(~compact, text.str[:4] + "-" + text.str[4:6] + "-" + text.str[6:])
    return pd.to_datetime(text, format="mixed").dt.date


def _read(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", **kwargs)


def hold_back_last_day(raw: Path, outbox: Path) -> Path:
    """Move the rows of the latest attendance date out of the files in ``raw/attendance`` into
    ``outbox/考勤_YYYYMMDD.csv``; returns that file. One file in memory at a time."""
    files = sorted((raw / "attendance").glob("*.csv"))
    last = max(_dates(_read(p, usecols=lambda c: c in _DATE_COLUMNS)).max() for p in files)
    held = []
    for path in files:
        df = _read(path)
        on_last = (_dates(df) == last).to_numpy()
        if on_last.any():
            held.append(df[on_last])
            df[~on_last].to_csv(path, index=False, encoding="utf-8-sig")
    outbox.mkdir(parents=True, exist_ok=True)
    day_file = outbox / f"考勤_{last:%Y%m%d}.csv"
    pd.concat(held).to_csv(day_file, index=False, encoding="utf-8-sig")
    return day_file


def deliver(raw: Path, outbox: Path) -> list[Path]:
    """Move every held-back file into ``raw/attendance``."""
    moved = []
    for path in sorted(outbox.glob("考勤_*.csv")):
        target = raw / "attendance" / path.name
        shutil.move(path, target)
        moved.append(target)
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samplegen.deliveries", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["hold-back", "deliver"])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--outbox", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.action == "hold-back":
        day_file = hold_back_last_day(args.raw, args.outbox)
        print(f"held back {day_file.name}: deliver it with `python -m samplegen.deliveries deliver`")
    else:
        moved = deliver(args.raw, args.outbox)
        print(f"delivered {len(moved)} file(s) into {args.raw / 'attendance'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
