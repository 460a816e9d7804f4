"""The contract's case-work vocabulary (措施, 结果, 辍学原因, 参与部门), read from the dbt seeds
``casework_values.csv`` and ``casework_cause_departments.csv``: one list for the dashboard's
form, the workbook's validation lists and the dbt models that check and count the actions."""

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

    def code(self, list_name: str, value: str) -> str:
        return self.codes[(list_name, value)]

    def value(self, list_name: str, code: str) -> str:
        return next(v for (lst, v), c in self.codes.items() if lst == list_name and c == code)


@cache
def vocabulary() -> Vocabulary:
    with (SEEDS / "casework_values.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (SEEDS / "casework_cause_departments.csv").open(encoding="utf-8") as f:
        pairs = [(r["cause"], r["department"]) for r in csv.DictReader(f)]

    def values(name: str) -> tuple[str, ...]:
        return tuple(r["value"] for r in rows if r["list"] == name)

    return Vocabulary(
        actions=values("action"),
        results=values("result"),
        causes=values("cause"),
        departments=values("department"),
        codes={(r["list"], r["value"]): r["code"] for r in rows},
        cause_departments={c: tuple(d for cause, d in pairs if cause == c) for c in values("cause")},
    )


# Chinese labels of the codes the marts use (case_deadlines.duty, .status, .file_kind).
DUTIES = {
    "contact": "联系家长或家访",
    "three_line_platform": "三线报告-平台",
    "three_line_township": "三线报告-乡镇",
    "three_line_county": "三线报告-县局",
    "persuasion": "劝返",
    "dropout_report": "辍学情况报告单",
    "return_notice": "限期返校通知书",
    "joint_persuasion": "联合劝返",
    "hukou_letter": "发函户籍地",
    "home_teaching": "送教上门",
}
STATUSES = {"done": "按期完成", "done_late": "逾期完成", "due": "未到期", "overdue": "已逾期"}
FILE_KINDS = {
    "suspected_dropout": "疑似辍学",
    "out_of_school": "适龄失学",
    "absent_3d": "连续旷课3天",
    "home_teaching": "送教上门",
}
