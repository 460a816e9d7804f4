"""Small-count suppression that cannot be undone (roles below the county, aggregate pages).

A count of 1–4 children is shown as 「<5」. That alone leaks: a total minus the other parts, a
delta from last month, or a rate beside its denominator gives the count back. So, for a table
(a frame of rows) and the sums that hold in it:

- **primary**: every count cell of 1–4 is hidden;
- **secondary**: for every sum that holds between cells — within a row (``Sum``: a total and
  its parts, or a total and a subset 「其中」 whose remainder is not shown) and down the columns
  (the frame's total row is the sum of the other rows) — a sum whose only unknown cell is hidden
  or small gets one more cell hidden (the smallest non-zero), until no sum gives a hidden cell
  away;
- **shares**: a rate whose numerator, remainder (denominator − numerator) or population is a
  hidden or small count is coarsened to the bound a 「<5」 allows (「<2.5%」, 「>97.5%」), or
  hidden when its population is; a ratio to the county's rate goes with its rate;
- **deltas**: only between two shown values (``delta``).

The result holds numbers where shown and NaN where hidden (for charts: a hidden point is a gap,
its hover text the same 「<5」) and the text of every cell (for tables): nothing hidden is in
either. The county role sees every number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SMALL = 5  # counts 1..SMALL-1 are hidden
HIDDEN = "<5"
NOT_SHOWN = "—"


@dataclass(frozen=True)
class Sum:
    """``total`` = Σ ``parts`` in every row; with ``exact=False`` the parts are subsets of the
    total (「其中」) and the remainder, not shown, is one more part."""

    total: str
    parts: tuple[str, ...]
    exact: bool = True


@dataclass(frozen=True)
class Share:
    """A rate column: ``numerator`` ÷ ``denominator`` (count columns of the same row, or None),
    over ``population`` children (defaults to the denominator); ``ratio`` columns are derived
    from it (hidden with it)."""

    column: str
    numerator: str | None = None
    denominator: str | None = None
    population: str | None = None
    ratios: tuple[str, ...] = ()
    digits: int = 1  # decimals of the percentage shown


@dataclass
class Protected:
    values: pd.DataFrame  # numbers shown; NaN where hidden (counts) or not shown (shares); bounds for coarsened shares
    text: pd.DataFrame  # every protected cell as shown: 「1,234」, 「<5」, 「12.3%」, 「<2.5%」, 「—」
    hidden: pd.DataFrame = field(repr=False)  # True where a count is hidden


def _small(value: float) -> bool:
    return 1 <= value < SMALL


def hidden_counts(
    frame: pd.DataFrame, counts: Sequence[str], sums: Iterable[Sum] = (), total_row: object | None = None
) -> pd.DataFrame:
    """Which count cells must be hidden (True), primary and secondary, for the sums that hold."""
    values = frame[list(counts)].to_numpy(dtype=float)
    col = {c: j for j, c in enumerate(counts)}
    rows = list(frame.index)
    # each constraint: its cells (the total first) as (row, column) positions, with a virtual
    # remainder value when the parts are subsets
    constraints: list[tuple[list[tuple[int, int]], float | None]] = []
    for s in sums:
        for i in range(len(rows)):
            cells = [(i, col[s.total]), *((i, col[p]) for p in s.parts)]
            if any(np.isnan(values[c]) for c in cells):
                continue  # a row without these figures
            remainder = None if s.exact else values[cells[0]] - sum(values[c] for c in cells[1:])
            constraints.append((cells, remainder))
    if total_row is not None:
        t = rows.index(total_row)
        others = [i for i in range(len(rows)) if i != t]
        for j in range(len(counts)):
            cells = [(t, j), *((i, j) for i in others)]
            if not any(np.isnan(values[c]) for c in cells):
                constraints.append((cells, None))
    # the greedy choice of which cell to hide next decides how far the suppression spreads:
    # try a few orders and keep the one that hides least (each is safe)
    orders = (
        lambda cells, c: (c == cells[0], values[c]),  # the smallest part
        lambda cells, c: (c != cells[0], values[c]),  # the total
        lambda cells, c: (c == cells[0], -values[c]),  # the largest part
    )
    best = _suppress(values, constraints, orders[0])
    primary = int(((values >= 1) & (values < SMALL)).sum())
    if best.sum() > primary:  # secondary cells were needed: another order may need fewer
        best = min([best, *(_suppress(values, constraints, order) for order in orders[1:])], key=lambda h: int(h.sum()))
    return pd.DataFrame(best, index=frame.index, columns=list(counts))


def _suppress(values: np.ndarray, constraints: list, order) -> np.ndarray:
    hidden = (values >= 1) & (values < SMALL)
    touching: dict[tuple[int, int], list[int]] = {}
    for i, (cells, _) in enumerate(constraints):
        for c in cells:
            touching.setdefault(c, []).append(i)

    def unknowns(i: int) -> int:
        cells, remainder = constraints[i]
        return sum(bool(hidden[c]) for c in cells) + (remainder is not None)

    changed = True
    while changed:
        changed = False
        for i, (cells, remainder) in enumerate(constraints):
            unknown = [c for c in cells if hidden[c]]
            if len(unknown) + (remainder is not None) != 1:
                continue  # nothing hidden here, or two unknowns that only their sum shows
            if not unknown and not _small(remainder):
                continue  # the one unknown is a remainder that may be known
            candidates = [c for c in cells if not hidden[c] and values[c] > 0]
            if not candidates:
                continue
            # a cell that opens no new gap elsewhere (a sum with nothing hidden yet) first
            pick = min(
                candidates,
                key=lambda c, cells=cells, i=i: (
                    sum(unknowns(j) == 0 for j in touching[c] if j != i),
                    *order(cells, c),
                ),
            )
            hidden[pick] = True
            changed = True
    return hidden


def _count_text(value: float) -> str:
    return f"{int(value):,}"


def _share_text(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}%}"


def protect(
    frame: pd.DataFrame,
    county: bool,
    counts: Sequence[str],
    sums: Iterable[Sum] = (),
    total_row: object | None = None,
    shares: Iterable[Share] = (),
) -> Protected:
    """The frame's count and share columns as shown to a role (``county``: everything)."""
    counts = list(counts)
    shares = list(shares)
    hidden = (
        pd.DataFrame(False, index=frame.index, columns=counts)
        if county
        else hidden_counts(frame, counts, sums, total_row)
    )
    numbers: dict[str, object] = {}
    text: dict[str, list[str]] = {}
    for col in counts:
        raw = frame[col].to_numpy(dtype=float)
        mask = hidden[col].to_numpy()
        numbers[col] = np.where(mask, np.nan, raw)
        text[col] = [
            HIDDEN if h else (NOT_SHOWN if np.isnan(v) else _count_text(v)) for v, h in zip(raw, mask, strict=True)
        ]
    for s in shares:
        shown, shown_text, exact = [], [], []
        for row, value in zip(frame.index, frame[s.column].to_numpy(dtype=float), strict=True):
            bound = None if county or np.isnan(value) else _share_bound(frame, hidden, row, s)
            if np.isnan(value) or bound == "hidden":
                shown.append(np.nan)
                shown_text.append(NOT_SHOWN)
            elif bound is None:
                shown.append(value)
                shown_text.append(_share_text(value, s.digits))
            else:
                shown.append(bound[1])
                shown_text.append(f"{bound[0]}{_share_text(bound[1], s.digits)}")
            exact.append(bound is None and not np.isnan(value))
        numbers[s.column] = np.array(shown, dtype=float)
        text[s.column] = shown_text
        for ratio in s.ratios:  # a ratio to the county's rate gives its rate back: shown only with it
            raw = frame[ratio].to_numpy(dtype=float)
            numbers[ratio] = np.where(exact, raw, np.nan)
            text[ratio] = [
                f"{v:.2f}" if keep and not np.isnan(v) else NOT_SHOWN for v, keep in zip(raw, exact, strict=True)
            ]
    values = pd.concat([frame.drop(columns=list(numbers)), pd.DataFrame(numbers, index=frame.index)], axis=1)[
        list(frame.columns)
    ]
    return Protected(values, pd.DataFrame(text, index=frame.index), hidden)


def _share_bound(frame: pd.DataFrame, hidden: pd.DataFrame, row: object, s: Share) -> tuple[str, float] | str | None:
    """None: show the rate; "hidden": its population is a small count; else (「<」 or 「>」, bound)."""

    def count(col: str | None) -> tuple[float, bool] | None:
        """(value, whether it is hidden or small) of a count column in this row."""
        if col is None:
            return None
        value = float(frame.at[row, col])
        return value, bool(hidden.at[row, col]) if col in hidden.columns else _small(value)

    population = count(s.population or s.denominator)
    if population is not None and (population[1] or _small(population[0])):
        return "hidden"
    numerator, denominator = count(s.numerator), count(s.denominator)
    if numerator is None or denominator is None or denominator[0] <= 0:
        return None
    remainder = denominator[0] - numerator[0]
    if numerator[1] or _small(numerator[0]):
        return ("<", SMALL / denominator[0])
    if _small(remainder):
        return (">", 1 - SMALL / denominator[0])
    return None


def delta(current: float, previous: float, current_hidden: bool, previous_hidden: bool) -> int | None:
    """The change to show beside a count: only between two shown values."""
    if current_hidden or previous_hidden or pd.isna(current) or pd.isna(previous):
        return None
    return int(current - previous)
