"""The contract's case-work vocabulary (措施, 结果, 辍学原因, 参与部门), read from the dbt seed
``casework_values.csv``: one list for the dashboard's form, the workbook's validation lists and
the dbt models that check and count the actions."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from casework.config import REPO_ROOT

SEED = REPO_ROOT / "dbt" / "seeds" / "casework_values.csv"


@dataclass(frozen=True)
class Vocabulary:
    actions: tuple[str, ...]
    results: tuple[str, ...]
    causes: tuple[str, ...]
    departments: tuple[str, ...]
    codes: dict[tuple[str, str], str]  # (list, value) -> English code
    cause_departments: dict[str, tuple[str, ...]]  # cause -> the departments that join its joint persuasion

    def code(self, list_name: str, value: str) -> str:
        return self.codes[(list_name, value)]

    def value(self, list_name: str, code: str) -> str:
        return next(v for (lst, v), c in self.codes.items() if lst == list_name and c == code)


@cache
def vocabulary() -> Vocabulary:
    with SEED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    def values(name: str) -> tuple[str, ...]:
        return tuple(r["value"] for r in rows if r["list"] == name)

    return Vocabulary(
        actions=values("action"),
        results=values("result"),
        causes=values("cause"),
        departments=values("department"),
        codes={(r["list"], r["value"]): r["code"] for r in rows},
        cause_departments={
            r["value"]: tuple(d for d in r["departments"].split("、") if d) for r in rows if r["list"] == "cause"
        },
    )
