"""The corrupt-input suite: each bad input runs the real nightly job against copies of a
clean county's build and published warehouses. A blocked run must say what is wrong (file,
row, column, what to do) and leave the published warehouse byte-for-byte unchanged; a run with
row-level problems must quarantine exactly those rows and publish the rest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from samplegen import idnumber
from tests.conftest import BIN, REPO, generate, mart_digest, pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e


@dataclass
class Base:
    root: Path
    raw: Path
    build: Path
    published: Path


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    root = tmp_path_factory.mktemp("clean")
    raw = root / "raw"
    generate(raw, root / "truth", "--students", "1500", "--seed", "11")
    env = pipeline_env(root, raw)
    result = run_pipeline(env)
    assert result.returncode == 0, result.stdout[-3000:]
    return Base(root, raw, Path(env["KCBX_BUILD_DB"]), Path(env["KCBX_WAREHOUSE"]))


@dataclass
class Webhook:
    url: str
    received: list[dict]


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    """A real HTTP endpoint on loopback standing in for the county's alert channel."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body.decode("utf-8")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Webhook(f"http://127.0.0.1:{server.server_address[1]}/alert", received)
    server.shutdown()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(path: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


@dataclass
class Case:
    root: Path
    raw: Path
    env: dict[str, str]
    before: str

    @property
    def published(self) -> Path:
        return Path(self.env["KCBX_WAREHOUSE"])


def _case(base: Base, tmp_path: Path, mutate: Callable[[Path], None]) -> Case:
    raw = tmp_path / "raw"
    shutil.copytree(base.raw, raw)
    for name in ("case_id.key", "casework.sqlite"):  # the county's case-number key and case-work store
        shutil.copyfile(base.root / name, tmp_path / name)
    mutate(raw)
    env = pipeline_env(tmp_path, raw)
    Path(env["KCBX_BUILD_DB"]).parent.mkdir(parents=True, exist_ok=True)
    Path(env["KCBX_WAREHOUSE"]).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(base.build, env["KCBX_BUILD_DB"])
    shutil.copyfile(base.published, env["KCBX_WAREHOUSE"])
    return Case(tmp_path, raw, env, _sha(Path(env["KCBX_WAREHOUSE"])))


def _latest(raw: Path, folder: str, pattern: str) -> Path:
    return sorted((raw / folder).glob(pattern))[-1]


def _read(path: Path, **kw) -> pd.DataFrame:
    encoding = "gbk" if "户籍" in path.name else "utf-8-sig"
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **kw)


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, encoding="gbk" if "户籍" in path.name else "utf-8-sig")


# --- the bad inputs that must stop publishing --------------------------------------------


def undecodable(raw: Path) -> None:
    path = _latest(raw, "household", "户籍_*.csv")
    path.write_bytes(path.read_bytes() + b"H9,\xff\xfe\xff,\xff\n")


def missing_required_column(raw: Path) -> None:
    path = _latest(raw, "attendance", "考勤_*.csv")
    _write(_read(path).drop(columns=["考勤状态"]), path)


def empty_file(raw: Path) -> None:
    (raw / "attendance" / "考勤_202602.csv").write_bytes(b"")


def truncated_xlsx(raw: Path) -> None:
    path = _latest(raw, "poverty", "*.xlsx")
    path.write_bytes(path.read_bytes()[:4000])


def earlier_snapshot(raw: Path) -> None:
    latest = _latest(raw, "student_status", "学籍_*.csv")
    _write(_read(latest).iloc[:-1], raw / "student_status" / "学籍_20251220.csv")


def snapshot_without_date(raw: Path) -> None:
    latest = _latest(raw, "student_status", "学籍_*.csv")
    latest.rename(latest.with_name("学籍_最新.csv"))


def file_in_wrong_folder(raw: Path) -> None:
    shutil.copyfile(_latest(raw, "poverty", "*.xlsx"), raw / "household" / "户籍_20260116.xlsx")


def duplicate_column(raw: Path) -> None:
    path = _latest(raw, "household", "户籍_*.csv")
    df = _read(path)
    df["公民身份号码"] = df["身份证号"]
    _write(df, path)


def swapped_columns(raw: Path) -> None:
    path = _latest(raw, "attendance", "考勤_*.csv")
    df = _read(path)
    df[["学校标识码", "全国学籍号"]] = df[["全国学籍号", "学校标识码"]].to_numpy()
    _write(df, path)


def unknown_status_values(raw: Path) -> None:
    path = _latest(raw, "student_status", "学籍_*.csv")
    df = _read(path)
    df["学籍状态"] = "Active"
    _write(df, path)


def merged_twice(raw: Path) -> None:
    path = _latest(raw, "student_status", "学籍_*.csv")
    df = _read(path)
    _write(pd.concat([df, df]), path)


def half_the_students(raw: Path) -> None:
    path = _latest(raw, "student_status", "学籍_*.csv")
    df = _read(path)
    _write(df.iloc[: len(df) // 2], path)


def township_missing_from_attendance(raw: Path) -> None:
    schools = pd.read_csv(raw / "reference" / "schools.csv", dtype=str)
    town = schools["乡镇"].iloc[0]
    gone = set(schools.loc[schools["乡镇"] == town, "学校标识码"])
    path = _latest(raw, "attendance", "考勤_*.csv")
    df = _read(path)
    _write(df[~df["学校标识码"].isin(gone)], path)


def poverty_of_another_county(raw: Path) -> None:
    path = _latest(raw, "poverty", "*.xlsx")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(min_row=4):
        row[4].value = "城郊乡"  # 乡(镇): a township of 卫辉市, not of this county
    wb.save(path)


def unknown_school_everywhere(raw: Path) -> None:
    path = _latest(raw, "attendance", "考勤_*.csv")
    df = _read(path)
    df["学校标识码"] = "9999999999"
    _write(df, path)


def missing_extract_folder(raw: Path) -> None:
    shutil.rmtree(raw / "poverty")


BLOCKED = {
    "undecodable encoding": (undecodable, ["户籍_20260115.csv 第", "文件编码无法识别"]),
    "missing required column": (missing_required_column, ["考勤_202601.csv", "缺少必需列「考勤状态」"]),
    "empty file": (empty_file, ["考勤_202602.csv: 文件是空的"]),
    "truncated xlsx": (truncated_xlsx, ["脱贫户监测户_20260115.xlsx: 不是可读的 xlsx 文件"]),
    "snapshot earlier than one loaded": (earlier_snapshot, ["学籍_20251220.csv", "早于已入库的最新快照 2026-01-15"]),
    "snapshot without a date": (snapshot_without_date, ["学籍_最新.csv: 快照文件名中没有8位数字的截至日期"]),
    "file in the wrong folder": (file_in_wrong_folder, ["户籍_20260116.xlsx 第3行", "缺少必需列「姓名、户籍地乡镇」"]),
    "the same column twice": (duplicate_column, ["户籍_20260115.csv 第1行", "列「公民身份号码」出现了两次"]),
    "swapped columns": (swapped_columns, ["attendance_expectations", "全国学籍号", "检查列是否错位"]),
    "unknown status values": (unknown_status_values, ["student_status_expectations", "出现未知的学籍状态"]),
    "a snapshot merged twice": (merged_twice, ["student_status_expectations", "同一快照中同一学籍号出现多次"]),
    "half the students missing": (half_the_students, ["delivery_volume", "student_status", "相差超过30%"]),
    "a township missing from attendance": (township_missing_from_attendance, ["attendance_freshness", "整个乡镇"]),
    "poverty file of another county": (poverty_of_another_county, ["poverty_expectations", "外县"]),
    "unknown school codes": (unknown_school_everywhere, ["attendance_expectations", "学校名录里没有的学校"]),
    "missing extract folder": (missing_extract_folder, ["没有找到脱贫户/监测户文件"]),
}


@pytest.mark.parametrize("name", list(BLOCKED))
def test_bad_input_stops_publishing_and_says_why(base, tmp_path, webhook, name):
    mutate, messages = BLOCKED[name]
    case = _case(base, tmp_path, mutate)
    case.env["KCBX_ALERT_WEBHOOK"] = webhook.url
    result = run_pipeline(case.env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for message in messages:
        assert message in output, f"{name}: the user is not told {message!r}"
    assert _sha(case.published) == case.before
    assert _query(case.published, "select count(*) as n from marts.out_of_school")["n"][0] > 0
    # the failure raised an alert, in the alerts file and at the webhook, saying the same thing
    alerts = [json.loads(line) for line in Path(case.env["KCBX_ALERTS_FILE"]).read_text("utf-8").splitlines()]
    assert alerts and all(a["message"].startswith("夜间作业未发布") for a in alerts)
    assert any(messages[-1] in a["message"] for a in alerts), f"{name}: the alert does not say {messages[-1]!r}"
    mine = [a for a in webhook.received if a["run_id"] in {x["run_id"] for x in alerts}]
    assert mine == alerts


# --- row-level problems: quarantined, the rest published ----------------------------------


def _quarantine(case: Case) -> pd.DataFrame:
    return _query(case.published, "select * from audit.quarantine where extract != 'household'")


def _append_line(path: Path, line: str) -> int:
    """Append a line to a UTF-8 CSV; return its line number."""
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.rstrip("\n") + "\n" + line + "\n", encoding="utf-8")
    return text.rstrip("\n").count("\n") + 2


def test_a_row_with_an_extra_field_is_quarantined(base, tmp_path):
    lines = {}

    def mutate(raw):
        path = _latest(raw, "attendance", "考勤_*.csv")
        lines["n"] = _append_line(path, "2026-01-16,2410527001,G1,出勤,,多出来的一列")

    case = _case(base, tmp_path, mutate)
    assert run_pipeline(case.env).returncode == 0
    q = _quarantine(case)
    row = q[q["reason"] == "字段数为6，应为5"]
    assert list(zip(row["source_file"], row["source_row"], strict=True)) == [("attendance/考勤_202601.csv", lines["n"])]
    assert _sha(case.published) != case.before


def test_a_repeated_header_row_is_quarantined(base, tmp_path):
    lines = {}

    def mutate(raw):
        path = _latest(raw, "attendance", "考勤_*.csv")
        lines["n"] = _append_line(path, "考勤日期,学校标识码,全国学籍号,考勤状态,缺勤原因")

    case = _case(base, tmp_path, mutate)
    assert run_pipeline(case.env).returncode == 0
    q = _quarantine(case)
    assert q.loc[q["reason"] == "重复的表头行", "source_row"].tolist() == [lines["n"]]


def test_future_and_unreadable_dates_are_quarantined_and_do_not_move_the_as_of_date(base, tmp_path):
    def mutate(raw):
        path = _latest(raw, "attendance", "考勤_*.csv")
        _append_line(path, "2099-01-01,2410527001,G1,出勤,")
        _append_line(path, "2026-13-45,2410527001,G1,出勤,")
        _append_line(path, "1999-12-31,2410527001,G1,出勤,")

    case = _case(base, tmp_path, mutate)
    assert run_pipeline(case.env).returncode == 0
    q = _quarantine(case)
    assert sorted(q.loc[q["column_name"] == "考勤日期", "reason"]) == ["bad_date", "date_out_of_range", "future_date"]
    as_of = _query(case.published, "select max(as_of_date) as d from marts.ledger_age_eligible")["d"][0]
    assert str(as_of)[:10] == "2026-01-16"


def test_an_unknown_school_code_in_one_row_is_flagged(base, tmp_path):
    def mutate(raw):
        _append_line(_latest(raw, "attendance", "考勤_*.csv"), "2026-01-16,9999999999,G1,出勤,")

    case = _case(base, tmp_path, mutate)
    result = run_pipeline(case.env)
    assert result.returncode == 0
    # a file replaced under the same name: its old rows may live on in incremental models
    assert "dbt build --full-refresh: files replaced or removed: attendance/考勤_202601.csv" in (
        result.stdout + result.stderr
    )
    q = _quarantine(case)
    assert q.loc[q["reason"] == "unknown_school_code", "value"].tolist() == ["9999999999"]


def test_a_future_birth_date_in_an_id_number_is_quarantined_not_a_negative_age(base, tmp_path):
    future_id = idnumber.build_ids(
        np.array(["410527"]), np.array(["2031-05-01"], dtype="datetime64[D]"), np.array([11])
    )[0]

    def mutate(raw):
        path = _latest(raw, "household", "户籍_*.csv")
        df = _read(path)
        df.loc[len(df)] = ["H-FUTURE", "未来", "男", future_id, "2031/5/1", "子", df["乡镇(街道)"].iloc[0], "", "正常"]
        _write(df, path)

    case = _case(base, tmp_path, mutate)
    assert run_pipeline(case.env).returncode == 0
    q = _query(case.published, "select * from audit.quarantine where extract = 'household' and value = ?", [future_id])
    assert q["reason"].tolist() == ["bad_birth_date"]
    ages = _query(case.published, "select min(age) as a from marts.ledger_age_eligible")["a"][0]
    assert ages >= 6


def test_excel_serial_birth_dates_are_read(base, tmp_path):
    def mutate(raw):
        path = _latest(raw, "household", "户籍_*.csv")
        df = _read(path)
        dates = pd.to_datetime(df["出生日期"], format="%Y/%m/%d")
        df["出生日期"] = (dates - pd.Timestamp("1899-12-30")).dt.days.astype(str)
        _write(df, path)

    case = _case(base, tmp_path, mutate)
    assert run_pipeline(case.env).returncode == 0
    mismatches = _query(
        case.published,
        "select count(*) as n from intermediate.int_household_members where birth_date_conflict",
    )["n"][0]
    assert mismatches == 0  # the serial numbers give the same dates as the ID numbers


def test_loading_the_same_files_again_changes_nothing(base, tmp_path):
    case = _case(base, tmp_path, lambda raw: None)
    # an analyst's session stays open on the published warehouse all through the run
    analyst = duckdb.connect(str(case.published), read_only=True)
    try:
        result = run_pipeline(case.env)
        assert result.returncode == 0, "an open read-only session blocked the nightly run"
        assert analyst.execute("select count(*) from marts.ledger_cases").fetchone()[0] > 0
    finally:
        analyst.close()
    assert "attendance: 0 rows from 0 new or changed files" in result.stdout + result.stderr
    assert _sha(case.published) != case.before  # published anew (a new publish_log row)
    assert mart_digest(case.published) == mart_digest(base.published)


def test_a_run_killed_mid_build_leaves_the_published_warehouse_unchanged(base, tmp_path):
    def mutate(raw):
        path = _latest(raw, "attendance", "考勤_*.csv")
        _append_line(path, "2026-01-16,2410527001,G1,出勤,")  # a change, so the run would publish

    case = _case(base, tmp_path, mutate)
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "dagster"), "job", "execute", "-m", "dagster_project.definitions", "-j", "kcbx_nightly"],
            cwd=REPO,
            env=case.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        # dbt is writing the build warehouse once it reports its first created model
        while "OK created sql" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before dbt wrote a model"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _sha(case.published) == case.before
    assert _query(case.published, "select count(*) as n from marts.ledger_cases")["n"][0] > 0
    # the next run recovers and publishes
    assert run_pipeline(case.env).returncode == 0
    assert _sha(case.published) != case.before
