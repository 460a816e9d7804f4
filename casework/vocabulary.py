"""The contract's case-work vocabulary (措施, 结果, 辍学原因, 参与部门) and the labels of the case
marts' codes (职责, 期限状态, 案件类别), read from the glossary seed ``glossary.csv`` (domains
action, result, cause, department, duty, duty_status, file_kind) and
``casework_cause_departments.csv``: one list for the dashboard's form, the workbook's validation
lists and the dbt models that check and count the actions."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from casework.config import REPO_ROOT

SEEDS = REPO_ROOT / "dbt" / "seeds"


@dataclass(frozen=True)
class Vocabulary:
    actions: tuple[str, ...]
    results: tuple[str, ...]
    causes: tuple[str, ...]
    departments: tuple[str, ...]
    codes: dict[tuple[str, str], str]  # (list, value) -> English code
    cause_departments: dict[str, tuple[str, ...]]  # cause -> the departments that join its joint persuasion
    labels: dict[str, dict[str, str]]  # domain -> code -> Chinese label (duty, duty_status, file_kind too)

    def code(self, list_name: str, value: str) -> str:
        return self.codes[(list_name, value)]

    def value(self, list_name: str, code: str) -> str:
        return self.labels[list_name][code]


@cache
def vocabulary() -> Vocabulary:
    with (SEEDS / "glossary.csv").open(encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: (r["domain"], int(r["sort_order"] or 0)))
    with (SEEDS / "casework_cause_departments.csv").open(encoding="utf-8") as f:
        pairs = [(r["cause"], r["department"]) for r in csv.DictReader(f)]
    labels: dict[str, dict[str, str]] = {}
    for r in rows:
        labels.setdefault(r["domain"], {})[r["code"]] = r["label"]

    def values(name: str) -> tuple[str, ...]:
        return tuple(labels[name].values())

    return Vocabulary(
        actions=values("action"),
        results=values("result"),
        causes=values("cause"),
        departments=values("department"),
        codes={
            (name, label): code
            for name in ("action", "result", "cause", "department")
            for code, label in labels[name].items()
        },
        cause_departments={c: tuple(d for cause, d in pairs if cause == c) for c in values("cause")},
        labels=labels,
    )
