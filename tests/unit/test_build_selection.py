"""Which models a night's dbt build selects: everything on a first build or after the project
changed, only what derives from the extracts that landed since the last build otherwise."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.assets.dbt import (
    changed_sources,
    dbt_test_counts,
    not_downstream,
    project_fingerprint,
    record_build,
)
from dagster_project.checks.asset_checks import last_build_published
from dagster_project.ingest.landing import BOOKKEEPING_DDL
from dagster_project.resources import NightResource


def _land(con: duckdb.DuckDBPyConnection, extract: str, source_file: str, at: datetime) -> None:
    con.execute(
        "insert into raw.load_files (extract, source_file, loaded_at) values (?, ?, ?)", [extract, source_file, at]
    )


def test_selection_follows_what_landed_since_the_last_build():
    con = duckdb.connect()
    con.execute(BOOKKEEPING_DDL)
    _land(con, "attendance", "attendance/考勤_202509.csv", datetime(2025, 10, 1, 2))
    _land(con, "student_status", "student_status/学籍_20250915.csv", datetime(2025, 10, 1, 2))
    assert changed_sources(con, "v1") is None, "no build yet: everything"
    record_build(con, "v1", None, "run-1")
    assert changed_sources(con, "v1") == [], "nothing landed: nothing to build"
    assert changed_sources(con, "v2") is None, "the project changed: everything"

    _land(con, "attendance", "attendance/考勤_20251009.csv", datetime(2025, 10, 10, 2))
    assert changed_sources(con, "v1") == ["attendance", "load_files", "load_file_columns", "load_quarantine"]
    record_build(con, "v1", ["int_student_status"], "run-2")
    _land(con, "student_status", "student_status/学籍_20251015.csv", datetime(2025, 10, 16, 2))
    _land(con, "attendance", "attendance/考勤_20251016.csv", datetime(2025, 10, 16, 2))
    assert changed_sources(con, "v1")[:2] == ["attendance", "student_status"]
    assert con.execute("select left_out from raw.dbt_builds order by built_at").fetchall() == [
        ("nothing",),
        ("int_student_status",),
    ]


def test_the_delivery_suites_rest_only_while_the_last_build_stands_published():
    con = duckdb.connect()
    con.execute(BOOKKEEPING_DDL)
    assert not last_build_published(con), "nothing built or published yet"
    record_build(con, "v1", None, "run-1")
    con.execute("create schema meta; create table meta.publish_log (run_id varchar, published_at timestamp)")
    assert not last_build_published(con), "built, not published (its gates failed, or it was killed)"
    con.execute("insert into meta.publish_log (run_id, published_at) values ('run-1', now())")
    assert last_build_published(con), "the models stand as the run that published them built them"
    record_build(con, "v1", ["int_student_status"], "run-2")
    assert not last_build_published(con), "rebuilt since: the new tables are checked before they publish"
    con.execute("insert into meta.publish_log (run_id, published_at) values ('run-3', now())")
    # a night that built nothing checked run-2's tables and published them: the gates still run
    # until run-2's own publish is on record (or a later build is), never the other way round
    assert not last_build_published(con)
    con.execute("insert into meta.publish_log (run_id, published_at) values ('run-2', now())")
    assert last_build_published(con)


def test_models_not_downstream_of_the_changed_sources_are_left_out():
    def node(kind: str, name: str) -> tuple[str, dict]:
        return f"{kind}.kcbx.{name}", {"resource_type": kind, "name": name}

    manifest = {
        "sources": {
            f"source.kcbx.raw.{n}": {"source_name": "raw", "name": n} for n in ("attendance", "student_status")
        },
        "nodes": dict(
            [
                node("model", "stg_attendance"),
                node("model", "stg_student_status"),
                node("model", "int_enrolled_days"),
                node("model", "int_student_identity"),
                node("seed", "grade_values"),
                node("test", "not_null_stg_attendance_student_no"),
            ]
        ),
        "child_map": {
            "source.kcbx.raw.attendance": ["model.kcbx.stg_attendance"],
            "source.kcbx.raw.student_status": ["model.kcbx.stg_student_status"],
            "model.kcbx.stg_attendance": [
                "model.kcbx.int_enrolled_days",
                "test.kcbx.not_null_stg_attendance_student_no",
            ],
            "model.kcbx.stg_student_status": ["model.kcbx.int_enrolled_days", "model.kcbx.int_student_identity"],
        },
    }
    assert not_downstream(manifest, ["attendance"]) == ["grade_values", "int_student_identity", "stg_student_status"]
    assert not_downstream(manifest, ["student_status"]) == ["grade_values", "stg_attendance"]


def test_the_fingerprint_follows_the_project_files(tmp_path: Path):
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1")
    before = project_fingerprint(tmp_path)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text("{}")
    assert project_fingerprint(tmp_path) == before, "build output is not the project"
    model.write_text("select 2")
    assert project_fingerprint(tmp_path) != before
    after = project_fingerprint(tmp_path)
    # an as-of date asked for reads into every model: every model is built, and again without it
    as_of = project_fingerprint(tmp_path, as_of=date(2026, 1, 15))
    assert as_of not in (after, project_fingerprint(tmp_path, as_of=date(2026, 1, 14)))
    assert project_fingerprint(tmp_path) == after


def test_the_as_of_date_asked_for_is_a_date_or_the_run_stops_saying_how():
    assert NightResource().as_of() is None
    assert NightResource(as_of_date="2026-01-15").as_of() == date(2026, 1, 15)
    with pytest.raises(dg.Failure) as failure:
        NightResource(as_of_date="2026-13-01").as_of()
    assert failure.value.description.startswith("as_of_date（截至日期）「2026-13-01」不是日期：请写成 YYYY-MM-DD")


def test_a_test_that_did_not_run_is_counted_as_not_run_never_as_passed():
    manifest = {
        "nodes": {
            "model.kcbx.a": {"resource_type": "model"},
            **{f"test.kcbx.t{i}": {"resource_type": "test"} for i in range(6)},
        }
    }
    results = {
        "results": [
            {"unique_id": "model.kcbx.a", "status": "success"},
            {"unique_id": "test.kcbx.t0", "status": "pass"},
            {"unique_id": "test.kcbx.t1", "status": "warn"},
            {"unique_id": "test.kcbx.t2", "status": "fail"},
            {"unique_id": "test.kcbx.t3", "status": "skipped"},  # its model failed: not evaluated
        ]
    }
    assert dbt_test_counts(manifest, results) == {"ran": 3, "failed": 1, "warned": 1, "not_run": 3}
    assert dbt_test_counts(manifest, None) == {"ran": 0, "failed": 0, "warned": 0, "not_run": 6}  # no build tonight


def test_a_night_reports_only_the_models_read_outside_the_dbt_step_and_publishing_waits_for_the_guarded_ones():
    """Each event costs the run (the event log is a database): dbt's tests are not Dagster
    checks, and a model left standing is reported only where a later step or a check reads it."""
    import dagster as dg

    from dagster_project.assets.dbt import read_outside
    from dagster_project.definitions import defs

    repo = defs.get_repository_def()
    graph = repo.asset_graph
    dbt_step = repo.assets_defs_by_key[dg.AssetKey(["marts", "out_of_school"])]
    own = set(dbt_step.keys)
    outside = {key.to_user_string() for key in read_outside(graph, own)}
    marts = {key.to_user_string() for key in own if key.path[0] in ("marts", "audit")}
    # the delivery suites (blocking) check the attendance staging model; publishing reads the rest
    assert outside == marts | {"staging/stg_attendance"}
    assert "intermediate/int_attendance_status" not in outside
    publish_deps = {key.to_user_string() for key in graph.get(dg.AssetKey(["published", "warehouse"])).parent_keys}
    assert publish_deps == outside
    checks = {key.name for key in graph.asset_check_keys}
    assert not any(name.startswith(("not_null", "unique", "accepted_values")) for name in checks), sorted(checks)[:5]
    assert {"attendance_freshness", "delivery_volume"} <= checks
