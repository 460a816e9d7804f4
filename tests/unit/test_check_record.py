"""The run's quality record (Data Docs index.json → meta.check_results): what was evaluated, and
what was not, per suite; a suite that evaluated nothing reads 未评估, never 通过."""

import json

from dagster_project.checks.asset_checks import record_outcome


def test_each_suite_keeps_its_counts_and_the_index_says_what_was_not_evaluated(tmp_path):
    folder = tmp_path / "run-1"
    record_outcome(folder, "attendance", "<p>a</p>", 9, 0, 1)
    record_outcome(folder, "household", "<p>h</p>", 0, 0, 0, 7)
    record_outcome(folder, "dbt", "<p>d</p>", 40, 0, 0, 260)
    assert json.loads((folder / "index.json").read_text(encoding="utf-8")) == {
        "attendance": {"expectations": 9, "critical": 0, "warning": 1, "not_evaluated": 0},
        "household": {"expectations": 0, "critical": 0, "warning": 0, "not_evaluated": 7},
        "dbt": {"expectations": 40, "critical": 0, "warning": 0, "not_evaluated": 260},
    }
    index = (folder / "index.html").read_text(encoding="utf-8")
    rows = index.split("<tr>")[2:]  # after the header row, by suite name
    verdicts = {r.split('">')[1].split("<")[0]: r for r in rows}
    assert "有警告" in verdicts["attendance"]
    assert "未评估" in verdicts["household"] and "通过" not in verdicts["household"]
    assert "<td>通过</td>" in verdicts["dbt"] and "<td>260</td>" in verdicts["dbt"]
    assert (folder / "household.html").read_text(encoding="utf-8") == "<p>h</p>"
