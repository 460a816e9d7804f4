"""Case work without the pipeline: the contract's vocabulary, the workbook out and back, landing the
store into raw, and the new-file sensor noticing entries made in the dashboard."""

from __future__ import annotations

import io
import os
import time
from datetime import date, datetime

import dagster as dg
import duckdb
import pandas as pd
from openpyxl import load_workbook

from casework import workbook
from casework.store import Action, Actor, CaseRef, Store
from casework.vocabulary import vocabulary
from dagster_project.assets.casework import land_store
from dagster_project.automation.triggers import new_files_sensor, raw_folder_state
from dagster_project.ingest.readers import read_file
from dagster_project.ingest.specs import load_specs
from tests.conftest import REPO

CASE = CaseRef("7K3MQ-9XDT4", "410527201511020842", None, "410527102", "2410527005", date(2025, 9, 1))
TOWNSHIP = Actor("jingdian", "township", township_code="410527102")


def test_the_vocabulary_is_the_contracts():
    words = vocabulary()
    assert words.actions == (
        "联系家长", "家访", "三线报告-平台", "三线报告-乡镇", "三线报告-县局", "劝返",
        "辍学报告单", "限期返校通知书", "联合劝返", "发函户籍地", "送教上门", "其他",
    )  # fmt: skip
    assert words.results == ("已返校", "承诺返校", "拒绝", "无法联系", "已送达", "其他")
    assert words.causes == ("学习困难", "外出打工", "监护人不履行义务", "残疾", "早婚早育", "信教", "失联", "其他")
    assert words.cause_departments["外出打工"] == ("人社", "公安")
    assert words.cause_departments["其他"] == ()


def test_the_workbook_goes_out_with_lists_and_comes_back_as_a_casework_extract(tmp_path):
    rows = [
        {"案件编号": "7K3MQ-9XDT4", "姓名": "张三", "身份证号": "410527********0842", "期限": date(2026, 7, 10)},
        {"案件编号": "7K3MQ-9XDT4", "日期": datetime(2026, 7, 2), "措施": "劝返", "责任人": "李老师", "结果": "拒绝"},
    ]
    content = workbook.build(rows, "井店镇", date(2026, 7, 3))
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.title == workbook.SHEET and ws["A1"].value.startswith("井店镇")
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    columns = {name: chr(ord("A") + i) for i, name in enumerate(workbook.COLUMNS)}
    assert lists[columns["措施"]] == '"' + ",".join(vocabulary().actions) + '"'
    assert lists[columns["结果"]] == '"' + ",".join(vocabulary().results) + '"'
    assert lists[columns["辍学原因"]] == '"' + ",".join(vocabulary().causes) + '"'
    path = tmp_path / "劝返工作记录_井店镇.xlsx"
    path.write_bytes(content)
    parsed = read_file(path, load_specs(REPO / "dbt")["casework"])
    assert parsed.header_row == workbook.HEADER_ROW
    table = parsed.table.to_pandas()
    assert table["_row_number"].tolist() == [4, 5]  # the blank rows with lists are not read
    assert table.loc[1, ["案件编号", "日期", "措施", "责任人", "结果"]].tolist() == [
        "7K3MQ-9XDT4", "2026-07-02", "劝返", "李老师", "拒绝",
    ]  # fmt: skip
    assert "待办事项" in table.loc[0, "_extra"]  # the prefilled columns are kept, not needed


def test_an_upload_naming_a_case_outside_the_scope_is_refused():
    table = pd.DataFrame(
        {
            "_row_number": [4, 5, 6, 7],
            "案件编号": ["AAAAA-AAAAA", "BBBBB-BBBBB", None, "BBBBB-BBBBB"],
            "身份证号": ["410527********0842", None, "410527201511020842", None],
            "日期": ["2026-07-01", "2026-07-01", "2026-07-01", None],
            "措施": ["劝返", "劝返", "家访", None],
        }
    )
    assert workbook.rows_outside(table, {"AAAAA-AAAAA"}, {"410527201511020842"}) == [5]  # row 7 is blank


def test_the_store_lands_into_raw_only_when_it_changed(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'casework.sqlite'}")
    con = duckdb.connect()
    assert land_store(con, store, datetime(2026, 7, 4)) == (0, True)  # the first night: an empty copy
    store.record(TOWNSHIP, CASE, Action(date(2026, 7, 2), "劝返", "李老师"), today=date(2026, 7, 4))
    assert land_store(con, store, datetime(2026, 7, 5)) == (1, True)
    assert land_store(con, store, datetime(2026, 7, 6)) == (1, False)
    assert land_store(con, store, datetime(2026, 7, 7), full=True) == (1, True)
    landed = con.execute("select case_id, action, person, entered_by from raw.casework_entries").fetchall()
    assert landed == [("7K3MQ-9XDT4", "劝返", "李老师", "jingdian")]
    files = con.execute(
        "select source_file, rows_loaded, loaded_at, delivery_seq from raw.load_files where extract = 'casework_entries'"
    ).fetchall()
    assert files == [("看板录入", 1, datetime(2026, 7, 7), 3)]  # each landing that changed: a later delivery


def test_store_entries_landed_before_delivery_numbers_are_numbered(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'casework.sqlite'}")
    con = duckdb.connect()
    land_store(con, store, datetime(2026, 7, 4))
    con.execute("update raw.load_files set delivery_seq = null")  # as landed by an older version
    assert land_store(con, store, datetime(2026, 7, 5)) == (0, False)
    assert con.execute("select delivery_seq from raw.load_files").fetchall() == [(1,)]


def test_the_sensor_fires_on_new_entries_in_the_dashboard(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "household").mkdir(parents=True)
    extract = raw / "household" / "户籍_20260115.csv"
    extract.write_text("a,b\n1,2\n", encoding="utf-8")
    os.utime(extract, (time.time() - 3600, time.time() - 3600))
    monkeypatch.setenv("KCBX_RAW_DIR", str(raw))
    monkeypatch.setenv("KCBX_SETTLE_SECONDS", "0")
    monkeypatch.delenv("KCBX_CASEWORK_DB", raising=False)
    before = raw_folder_state(raw)
    assert not (tmp_path / "casework.sqlite").exists()  # looking does not create the store
    first = new_files_sensor(dg.build_sensor_context())
    store = Store(f"sqlite:///{tmp_path / 'casework.sqlite'}")  # the data folder: the raw folder's parent
    assert raw_folder_state(raw) == before  # an empty store is no news
    store.record(TOWNSHIP, CASE, Action(date(2026, 7, 2), "劝返", "李老师"), today=date(2026, 7, 4))
    after = raw_folder_state(raw)
    assert after.fingerprint != before.fingerprint and after.files == before.files + 1
    result = new_files_sensor(dg.build_sensor_context(cursor=first.cursor))
    assert isinstance(result, dg.SensorResult) and result.cursor == after.fingerprint


def test_new_entries_or_workbooks_rebuild_the_case_work_marts():
    import json

    from dagster_project.assets.dbt import BOOKKEEPING_SOURCES, not_downstream

    manifest = json.loads((REPO / "dbt" / "target" / "manifest.json").read_text())
    marts = {
        "case_actions",
        "case_deadlines",
        "home_teaching",
        "casework_effectiveness",
        "int_case_persuasion",
        "quarterly_rectification",
    }
    for landed in ("casework_entries", "casework"):
        left_out = set(not_downstream(manifest, [landed, *BOOKKEEPING_SOURCES]))
        assert not marts & left_out, f"a night with new {landed} leaves {marts & left_out} as they were"
        assert "ledger_cases" in left_out  # the case ledger does not depend on case work
