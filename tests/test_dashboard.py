"""Every dashboard page for every role, run by AppTest against the warehouse the real pipeline published."""

from __future__ import annotations

import os
import shutil
from io import BytesIO

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboards import data, reports
from dashboards.users import User
from tests.conftest import REPO

APP = str(REPO / "dashboards" / "app.py")
PAGES = {
    "总览": "views/overview.py",
    "三比对": "views/compare.py",
    "一生一档": "views/student.py",
    "台账": "views/ledgers.py",
    "报表": "views/reports.py",
    "风险": "views/risk.py",
    "数据质量": "views/quality.py",
}
TOWNSHIP, TOWNSHIP_NAME = "410527102", "井店镇"
SCHOOL = "2410527001"
USERS = {
    "county": User("county", "县教育局", "county"),
    "township": User("jingdian", "井店镇中心校", "township", township_code=TOWNSHIP),
    "school": User("fanyang01", "繁阳街道中心小学", "school", school_code=SCHOOL),
}


@pytest.fixture
def app_env(small_county, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(small_county.warehouse))
    return small_county


def sql(county, statement: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(county.warehouse), read_only=True)
    try:
        return con.execute(statement, params or []).fetchall()
    finally:
        con.close()


def page(name: str, user: User) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = user
    at.run()
    at.switch_page(PAGES[name]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_for_every_role(app_env, name, role):
    at = page(name, USERS[role])
    assert at.title[0].value == name
    assert "数据截至 2026年07月03日" in at.caption[0].value


def test_login_rejects_a_wrong_password_and_admits_the_demo_user(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input[0].input("jingdian")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert "用户名或密码不正确" in at.error[0].value
    assert "user" not in at.session_state
    at.text_input[1].input("kcbx-township")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["user"].township_code == TOWNSHIP
    assert at.title[0].value == "总览"


def test_overview_key_counts_come_from_the_monthly_report(app_env):
    (county_status, county_new), (town_status, town_new) = (
        sql(
            app_env,
            "select students_with_status, new_cases from marts.monthly_report "
            "where level = ? and unit_code like ? order by month desc limit 1",
            [level, code],
        )[0]
        for level, code in (("county", "%"), ("township", TOWNSHIP))
    )
    metrics = {m.label: m.value for m in page("总览", USERS["county"]).metric}
    assert metrics["有学籍学生"] == f"{county_status:,}"
    assert metrics["本月新增案件"] == f"{county_new:,}"
    metrics = {m.label: m.value for m in page("总览", USERS["township"]).metric}
    assert metrics["有学籍学生"] == f"{town_status:,}"
    assert metrics["本月新增案件"] == (f"{town_new:,}" if not 1 <= town_new < 5 else "<5")


def test_township_user_sees_only_its_township_and_small_counts_suppressed(app_env):
    at = page("三比对", USERS["township"])
    watch = at.dataframe[1].value
    expected = sql(app_env, "select count(*) from marts.dropout_watch where township_code = ?", [TOWNSHIP])[0][0]
    assert len(watch) == expected > 0
    assert set(watch["乡镇"]) == {TOWNSHIP_NAME}
    # ID numbers masked: first 6, last 4
    assert watch["身份证号"].dropna().str.fullmatch(r"\d{6}\*{8}[\dX]{4}").all()

    table = page("总览", USERS["township"]).dataframe[0].value
    schools = sql(
        app_env,
        "select report_unit_name, new_cases from marts.monthly_report where parent_code = ? "
        "and month = (select max(month) from marts.monthly_report)",
        [TOWNSHIP],
    )
    assert sorted(table["单位"]) == sorted(name for name, _ in schools)
    shown = dict(zip(table["单位"], table["本月新增案件"], strict=True))
    for name, n in schools:  # a column holding 「<5」 reaches the page as text
        assert str(shown[name]) == ("<5" if 1 <= n < 5 else str(n))


def test_school_user_sees_only_its_school(app_env):
    at = page("三比对", USERS["school"])
    assert "不属于任何学校" in at.info[0].value
    watch = at.dataframe[0].value
    expected = sql(app_env, "select count(*) from marts.dropout_watch where school_code = ?", [SCHOOL])[0][0]
    assert len(watch) == expected
    assert set(watch["学校"]) <= {"内黄县繁阳街道中心小学"}


def test_county_with_full_id_flag_sees_full_numbers(app_env):
    user = User("analyst", "分析", "county", full_id=True)
    watch = page("三比对", user).dataframe[1].value
    ids = watch["身份证号"].dropna()
    assert len(ids) > 0 and ids.str.fullmatch(r"\d{17}[\dX]").all()


def test_student_page_shows_one_childs_cases_within_scope(app_env):
    case_id, id_number, township = sql(
        app_env,
        "select case_id, id_number, township_code from marts.ledger_cases "
        "where id_number in (select id_number from marts.ledger_age_eligible) and kind = 'suspected_dropout' "
        "order by case_id limit 1",
    )[0]
    user = User("t", "乡镇", "township", township_code=township)
    at = page("一生一档", user)
    at.text_input[0].input(id_number).run()
    assert not at.exception
    tables = {d.value.columns[0]: d.value for d in at.dataframe}
    assert case_id in set(tables["案件编号"]["案件编号"])
    months = sql(
        app_env,
        "select month, present_days from marts.student_history where id_number = ? order by month",
        [id_number],
    )
    assert len(months) > 0
    assert list(tables["月份"]["月份"]) == [m for m, _ in months]
    assert list(tables["月份"]["在校天数"]) == [n for _, n in months]
    assert id_number[:6] + "********" + id_number[-4:] in at.markdown[0].value + "".join(m.value for m in at.markdown)

    other = "410527101" if township != "410527101" else "410527102"
    at = page("一生一档", User("o", "他乡", "township", township_code=other))
    at.text_input[0].input(id_number).run()
    assert "没有找到" in at.warning[0].value


def test_ledgers_count_open_and_closed_cases(app_env):
    total, open_, dropouts = sql(
        app_env,
        "select count(*), count(case when is_open then 1 end), count(escalated_on) from marts.ledger_cases",
    )[0]
    metrics = {m.label: m.value for m in page("台账", USERS["county"]).metric}
    assert metrics["案件总数"] == f"{total:,}"
    assert metrics["在办"] == f"{open_:,}"
    assert metrics["已销号"] == f"{total - open_:,}"
    assert metrics["辍学案件"] == f"{dropouts:,}"


def test_reports_offer_both_workbooks_and_default_to_the_last_complete_period(app_env):
    at = page("报表", USERS["township"])
    assert len(at.get("download_button")) == 2
    quarters = sql(
        app_env, "select distinct quarter, quarter_name, is_complete from marts.quarterly_rectification order by 1 desc"
    )
    assert at.selectbox(key="report_quarter").options == [name for _, name, _ in quarters]
    assert at.selectbox(key="report_quarter").value == next(q for q, _, complete in quarters if complete)
    months = sql(app_env, "select distinct month, is_complete from marts.monthly_report order by 1 desc")
    assert not months[0][1], "the test county ends inside a month"
    assert at.selectbox(key="report_month").value == next(m for m, complete in months if complete)


# ---- the submitted tables agree across levels ------------------------------------------------

REPORTS = ((reports.MONTHLY, "report_month", 0), (reports.QUARTERLY, "report_quarter", 1))


def _report_users(county) -> list[tuple[str, str, str, User]]:
    """(level, unit code, 填报单位 name, user) for the county, every township and every school."""
    units = sql(
        county,
        "select level, unit_code, report_unit_name from marts.report_units where level != 'no_school' "
        "order by level, unit_code",
    )
    users = []
    for level, code, name in units:
        if level == "county":
            users.append((level, code, name, USERS["county"]))
        elif level == "township":
            users.append((level, code, name, User(f"t{code}", name, "township", township_code=code)))
        else:
            users.append((level, code, name, User(f"s{code}", name, "school", school_code=code)))
    return users


def _children(county, layout: reports.Layout, period: str) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(level, code) → the (level, 填报单位 name) of the units directly under it in one period's
    table, in order (the county's row for what belongs to no township only when it has any)."""
    rows = sql(
        county,
        f"select parent_level, parent_code, level, report_unit_name from marts.{layout.table} "
        f"where {layout.period} = ? and parent_code is not null order by parent_level, parent_code, unit_order",
        [period],
    )
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for parent_level, parent_code, level, name in rows:
        out.setdefault((parent_level, parent_code), []).append((level, name))
    return out


def _check_levels_agree(tables: dict, users: list, children: dict, layout: reports.Layout, period: str) -> None:
    """Every unit's own total is its row in its parent's table; its rows add up to its total."""
    counts = [c for c in next(iter(tables.values())).columns[1:]]
    counts = counts[:-1] if layout.rate else counts
    for level, code, name, _ in users:
        table = tables[(level, code)].set_index(reports.UNIT)
        below = children.get((level, code), [])
        if below:  # a table of the rows under the unit, then its own row as 合计
            assert list(table.index) == [n for _, n in below] + [reports.TOTAL], (level, code, period)
            own = table.loc[reports.TOTAL]
            body = table.drop(index=reports.TOTAL)[counts].astype(int)
            assert (body.sum() == own[counts].astype(int)).all(), (name, period, body.sum() - own[counts])
        else:  # a school submits its own row
            assert list(table.index) == [name], (level, code, period)
            own = table.loc[name]
        for (parent_level, parent_code), units in children.items():
            if (level, name) in units:
                parent_row = tables[(parent_level, parent_code)].set_index(reports.UNIT).loc[name]
                assert list(parent_row) == list(own), (name, period, "differs from its row in", parent_code)


def test_every_units_table_on_screen_agrees_with_its_row_above_it(app_env):
    """For every month and quarter of the test county, as the county, every township and every
    school see them on 报表: a township's 合计 is its row in the county's table, cell for cell; a
    school's row is its row in its township's (or, county-run, the county's) table; every table's
    rows add up to its 合计."""
    users = _report_users(app_env)
    for layout, key, index in REPORTS:
        periods = [p for (p,) in sql(app_env, f"select distinct {layout.period} from marts.{layout.table} order by 1")]
        screens: dict[str, dict] = {p: {} for p in periods}
        for level, code, _, user in users:
            at = page("报表", user)
            for p in periods:
                at.selectbox(key=key).set_value(p).run()
                assert not at.exception, [e.message for e in at.exception]
                screens[p][(level, code)] = at.dataframe[index].value
        for p in periods:
            _check_levels_agree(screens[p], users, _children(app_env, layout, p), layout, p)
        # and the county's 合计 is the mart's county row
        county = sql(
            app_env,
            f"select {', '.join(layout.columns)} from marts.{layout.table} where level = 'county' "
            f"and {layout.period} = ?",
            [periods[-1]],
        )[0]
        shown = screens[periods[-1]][("county", users[0][1])].set_index(reports.UNIT).loc[reports.TOTAL]
        assert list(shown.iloc[: len(layout.columns)].astype(int)) == list(county)


def _workbook_table(content: bytes) -> pd.DataFrame:
    """The body of a submitted workbook: from the row under the two header rows to the last unit row."""
    ws = load_workbook(BytesIO(content)).active
    header = next(r for r in range(1, 10) if ws.cell(r, 1).value == reports.UNIT)
    width = ws.max_column
    rows = []
    r = header + 2
    while ws.cell(r, 1).value not in (None, ""):
        rows.append([ws.cell(r, c).value for c in range(1, width + 1)])
        if rows[-1][0] == reports.TOTAL:
            break
        r += 1
    return pd.DataFrame(rows, columns=[reports.UNIT, *range(1, width)])


def test_every_units_workbook_agrees_with_its_row_above_it(app_env):
    """The same for the workbooks each unit downloads, every month and quarter."""
    users = _report_users(app_env)
    labels = {
        code: label
        for domain, code, label in sql(app_env, "select domain, code, label from marts.code_labels")
        if domain == "column"
    }
    for layout, _, _ in REPORTS:
        loader = data.monthly_report if layout is reports.MONTHLY else data.quarterly_rectification
        scoped = {(level, code): (data.Scope.of(user), loader(data.Scope.of(user))) for level, code, _, user in users}
        periods = sorted(next(iter(scoped.values()))[1][layout.period].unique())
        for p in periods:
            books = {}
            for (level, code), (scope, rows) in scoped.items():
                own = data.own_unit(scope)
                books[(level, code)] = _workbook_table(
                    reports.submitted_workbook(layout, labels, rows[rows[layout.period] == p], own)
                )
            _check_levels_agree(books, users, _children(app_env, layout, p), layout, p)


RISK_MARTS = ("risk_by_group", "risk_by_grade", "risk_by_area", "student_risk", "risk_backtest", "risk_backtest_days")


def test_risk_page_says_plainly_until_the_risk_marts_are_published(app_env, tmp_path, monkeypatch):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(app_env.warehouse, copy)
    con = duckdb.connect(str(copy))
    for table in RISK_MARTS:
        con.execute("drop table marts." + table)
    con.close()
    monkeypatch.setenv("KCBX_WAREHOUSE", str(copy))
    at = page("风险", USERS["county"])
    assert at.info[0].value.startswith("风险指标尚未发布")


def test_risk_page_shows_the_township_its_groups_students_and_the_backtest(app_env):
    at = page("风险", USERS["township"])
    assert not at.info
    groups = sql(
        app_env,
        "select group_name, cases from marts.risk_by_group where level = 'township' and unit_code = ? "
        "order by group_code",
        [TOWNSHIP],
    )
    group_table = at.dataframe[0].value
    assert sorted(group_table[""]) == sorted(name for name, _ in groups)
    shown = dict(zip(group_table[""], group_table["案件数"], strict=True))
    for name, n in groups:  # cases of 1..4 suppressed below the county role
        assert str(shown[name]) == ("<5" if 1 <= n < 5 else str(n))
    high = sql(
        app_env, "select count(*) from marts.student_risk where township_code = ? and tier = 'high'", [TOWNSHIP]
    )[0][0]
    risk = at.dataframe[3].value
    assert len(risk) == high > 0
    assert risk["身份证号"].dropna().str.fullmatch(r"\d{6}\*{8}[\dX]{4}").all()
    backtest = at.dataframe[4].value
    assert len(backtest) == sql(app_env, "select count(*) from marts.risk_backtest")[0][0]


def test_quality_page_shows_checks_quarantine_and_freshness(app_env):
    suites = sql(
        app_env,
        "select count(*), count(case when failed_critical > 0 then 1 end) from meta.check_results "
        "where run_id = (select run_id from meta.publish_log order by published_at desc limit 1)",
    )[0]
    quarantined = sql(app_env, "select count(*) from audit.quarantine")[0][0]
    at = page("数据质量", USERS["county"])
    metrics = {m.label: m.value for m in at.metric}
    assert suites[0] >= 7 and suites[1] == 0
    assert metrics["结果"] == "已发布"
    assert metrics["隔离行"] == f"{quarantined:,}"
    assert metrics["检查套件通过"].endswith(f"/ {suites[0]}")
    quarantine_table = at.dataframe[1].value
    assert quarantine_table["行数"].sum() == quarantined
    fresh = at.dataframe[3].value
    assert len(fresh) == 17
    assert any("Data Docs" in m.value for m in at.markdown)


def test_a_newly_published_warehouse_is_picked_up_without_a_restart(app_env, tmp_path, monkeypatch):
    published = tmp_path / "warehouse.duckdb"
    shutil.copyfile(app_env.warehouse, published)
    monkeypatch.setenv("KCBX_WAREHOUSE", str(published))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = USERS["county"]
    at.run()
    before = {m.label: m.value for m in at.metric}["有学籍学生"]

    staged = tmp_path / ".warehouse.new"
    shutil.copyfile(app_env.warehouse, staged)
    con = duckdb.connect(str(staged))
    con.execute("update marts.monthly_report set students_with_status = 123456 where level = 'county'")
    con.close()
    os.replace(staged, published)  # as the publisher does
    at.run()
    assert not at.exception
    assert before != "123,456"
    assert {m.label: m.value for m in at.metric}["有学籍学生"] == "123,456"


def test_without_a_published_warehouse_the_app_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("KCBX_WAREHOUSE", str(tmp_path / "nothing.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = USERS["county"]
    at.run()
    assert not at.exception
    assert "尚未发布数据仓库" in at.warning[0].value
    assert "make demo" in at.warning[0].value
