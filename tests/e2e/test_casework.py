"""Case work end to end: opaque case numbers, the landed entries and workbooks, every duty's
status exactly as the generator planted it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from casework.case_ids import case_id, read_key

pytestmark = pytest.mark.e2e


def _published(county, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def test_case_numbers_are_the_keyed_hash_and_the_key_is_nowhere_else(small_county):
    key_file = small_county.root / "case_id.key"  # the data folder: the raw folder's parent
    key = read_key(key_file)
    cases = _published(
        small_county, "select case_id, kind, child_key, cast(opened_on as varchar) as opened_on from marts.ledger_cases"
    )
    assert len(cases) > 20
    expected = [case_id(key, r.kind, r.child_key, r.opened_on) for r in cases.itertuples()]
    assert cases["case_id"].tolist() == expected
    assert not any(r.child_key in r.case_id for r in cases.itertuples())
    # the key is read when the query runs: not in compiled SQL, run logs or the warehouse
    places = [
        Path(small_county.env["DAGSTER_HOME"]),
        Path(__file__).parents[2] / "dbt" / "target",
        small_county.warehouse,
    ]
    for place in places:
        for path in [place] if place.is_file() else place.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), f"the case-number key is in {path}"


def test_every_duty_of_every_case_has_the_planted_status(small_county):
    got = _published(
        small_county,
        "select case_id, file_kind, id_number, duty, month, cast(trigger_on as varchar) as trigger_on, "
        "cast(due_on as varchar) as due_on, cast(done_on as varchar) as done_on, done_count, status "
        "from marts.case_deadlines",
    )
    got = got.astype(object).where(got.notna(), "").astype(str)
    truth = pd.read_csv(small_county.truth / "case_deadlines.csv", dtype=str, keep_default_na=False)
    # the planted variety is there: each status, each kind of case file, every duty of the defaults
    assert set(truth["status"]) == {"done", "done_late", "due", "overdue"}
    assert set(truth["file_kind"]) == {"suspected_dropout", "out_of_school", "absent_3d", "home_teaching"}
    assert {"contact", "persuasion", "dropout_report", "return_notice", "joint_persuasion", "hukou_letter"} <= set(
        truth["duty"]
    )
    keys = ["case_id", "duty", "due_on"]
    merged = got.merge(truth, on=keys, how="outer", indicator=True, suffixes=("", "_truth"))
    extra, missed = merged[merged["_merge"] == "left_only"], merged[merged["_merge"] == "right_only"]
    assert extra.empty and missed.empty, (
        f"not in the truth: {extra[keys].values.tolist()}; missed: {missed[keys].values.tolist()}"
    )
    for column in truth.columns.difference(keys):
        differs = merged[merged[column] != merged[f"{column}_truth"]]
        assert differs.empty, (
            f"{column} differs: {differs[[*keys, column, column + '_truth']].head(10).values.tolist()}"
        )


def test_home_teaching_months_with_0_1_and_2_visits(small_county):
    months = _published(
        small_county, "select case_id, month, visits, required_visits, is_short from marts.home_teaching"
    )
    assert {0, 1, 2} <= set(months["visits"])
    assert (months["is_short"] == (months["visits"] < months["required_visits"])).all()
    assert len(months) == len(pd.read_csv(small_county.truth / "case_deadlines.csv").query("duty == 'home_teaching'"))


def test_a_dropped_workbook_lands_and_its_bad_rows_are_quarantined_with_reasons(small_county):
    truth = pd.read_csv(small_county.truth / "casework_quarantine.csv")
    got = _published(
        small_county,
        "select source_file as file, source_row as row, reason from audit.quarantine where extract = 'casework'",
    )
    assert sorted(map(tuple, got.values.tolist())) == sorted(map(tuple, truth.values.tolist()))
    # nothing lost: every workbook row is an action, a quarantined row, a copy of a row, or blank
    rows = _published(
        small_county,
        "select source, count(*) as n, count(case when is_blank then 1 end) as blank from staging.stg_casework "
        "where source_kind = 'file' group by source",
    )
    landed = _published(
        small_county,
        "select _source_file as source, count(*) as n from raw.casework group by _source_file",
    )
    assert dict(rows[["source", "n"]].values) == dict(landed.values)
    accounted = _published(
        small_county,
        "select source, count(case when is_accepted then 1 end) as accepted, "
        "count(case when is_duplicate then 1 end) as copies, count(case when not is_accepted and not is_duplicate "
        "then 1 end) as quarantined from intermediate.int_case_action_rows where source_kind = 'file' group by source",
    ).set_index("source")
    copy = next(s for s in accounted.index if s.endswith("_重交.xlsx"))
    assert (
        accounted.loc[copy, "accepted"] == 0 and accounted.loc[copy, "quarantined"] == 0
    )  # the same file again adds nothing
    assert accounted["quarantined"].sum() == len(truth)
    for source, r in rows.set_index("source").iterrows():
        a = accounted.loc[source]
        assert a["accepted"] + a["copies"] + a["quarantined"] + r["blank"] == r["n"], source


def test_dashboard_entries_land_with_their_corrections(small_county):
    from casework import config
    from casework.store import Store

    store = Store(config.store_url(small_county.raw))
    entries = store.export()
    store.dispose()
    landed = _published(
        small_county,
        "select entry_id, supersedes, superseded_by, is_withdrawal, is_current from marts.case_actions "
        "where source = 'dashboard' order by entry_id",
    )
    assert landed["entry_id"].tolist() == entries["entry_id"].tolist()
    corrected = landed[landed["superseded_by"].notna()]
    assert len(corrected) == 2 and not corrected["is_current"].any()
    assert landed.loc[landed["is_withdrawal"], "is_current"].eq(False).all()
    assert landed["is_current"].sum() == len(landed) - 3  # two superseded, one withdrawal


def test_effectiveness_agrees_across_levels(small_county):
    eff = _published(small_county, "select * from marts.casework_effectiveness")
    counts = ["cases_opened", "cases_returned", "duties_settled", "duties_on_time", "returns_relapsed"]
    cases = _published(
        small_county,
        "select cast(case when month(opened_on) >= 9 then year(opened_on) else year(opened_on) - 1 end as integer) "
        "as school_year, count(*) as n, count(case when close_reason = 'returned' then 1 end) as returned "
        "from marts.ledger_cases group by 1",
    ).set_index("school_year")
    county = eff[eff["level"] == "county"].set_index("school_year")
    assert county["cases_opened"].to_dict() == cases["n"].to_dict()
    assert county["cases_returned"].to_dict() == cases["returned"].to_dict()
    assert county["returns_relapsed"].sum() >= 1  # the planted relapse
    # the county's rows (townships, county-run schools, what belongs to no township) add up to it
    under = eff[eff["parent_level"] == "county"].groupby("school_year")[counts].sum()
    assert (under.reindex(county.index, fill_value=0) == county[counts]).all().all()
    # a township's schools and its 未入学（乡镇直管） row add up to it exactly
    below = eff[eff["parent_level"] == "township"].groupby(["school_year", "parent_code"])[counts].sum()
    by_town = eff[eff["level"] == "township"].set_index(["school_year", "unit_code"])[counts]
    assert (below.reindex(by_town.index, fill_value=0) == by_town).all().all()


def test_quarterly_persuasion_attempts_and_causes_are_the_planted_ones(small_county):
    """The county's 劝返次数 (劝返 and 联合劝返 dated in the quarter, by the case's stage that day)
    and 辍学原因 (cases open at the quarter's start or new in it, by the cause recorded last up to
    its end) in every quarter, as the planted actions imply."""
    from dashboards import reports

    actions = pd.read_csv(small_county.truth / "casework_actions.csv", dtype=str, keep_default_na=False)
    labels = _published(small_county, "select code, label from marts.code_labels where domain = 'cause'")
    cause_code = dict(zip(labels["label"], labels["code"], strict=True))
    assert set(cause_code.values()) == set(reports.CAUSES)
    attempts = actions[actions["action"].isin(["劝返", "联合劝返"]) & (actions["action_date"] >= actions["opened_on"])]
    causes = actions[actions["cause"] != ""].sort_values("action_date")
    got = _published(
        small_county,
        "select quarter, cast(quarter_start as varchar) as quarter_start, cast(period_end as varchar) as period_end, "
        "persuasion_attempts, persuasion_attempts_suspected, persuasion_attempts_dropout, "
        "persuasion_attempts_out_of_school, cases_with_cause, "
        + ", ".join(f"cause_{c}" for c in reports.CAUSES)
        + " from marts.quarterly_rectification where level = 'county' order by quarter",
    )
    totals: dict[str, int] = {}
    for q in got.itertuples():
        done = attempts[attempts["action_date"].between(q.quarter_start, q.period_end)]
        suspected = done[done["file_kind"] == "suspected_dropout"]
        dropout = suspected[(suspected["escalated_on"] != "") & (suspected["escalated_on"] <= suspected["action_date"])]
        expected = {
            "persuasion_attempts": len(done),
            "persuasion_attempts_suspected": len(suspected),
            "persuasion_attempts_dropout": len(dropout),
            "persuasion_attempts_out_of_school": int((done["file_kind"] == "out_of_school").sum()),
        }
        worked = causes[
            (causes["opened_on"] <= q.period_end)
            & ((causes["closed_on"] == "") | (causes["closed_on"] >= q.quarter_start))
            & (causes["action_date"] <= q.period_end)
        ]
        last = worked.groupby("case_id")["cause"].last().map(cause_code)
        expected["cases_with_cause"] = len(last)
        expected.update({f"cause_{c}": int((last == c).sum()) for c in reports.CAUSES})
        assert {k: getattr(q, k) for k in expected} == expected, q.quarter
        totals = {k: totals.get(k, 0) + v for k, v in expected.items()}
    # the plants reach every split and every cause: the test compares real figures, not zeros
    assert all(totals.values()), totals
