"""The corrupt-input suite. A blocked input must say what is wrong (file, row, column, what to do)
and leave the published warehouse byte-for-byte unchanged; an accepted one must keep every data
row of the file, loaded or quarantined, and publish the rest.

Each bad input is tested on the function that stops it, on copies of a landed county: the
landing itself, as the job's first step runs it (unreadable, half-copied, truncated, shrunk,
vanished files, blank padding), or the row suite that fails it before dbt. One input of each
kind, the row-level problems (all in one night) and the runs that are killed or wait for a copy
run the real nightly job against copies of a clean county's build and published warehouses."""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from dagster_project.checks import asset_checks, frames
from dagster_project.checks.asset_checks import ROW_SUITES
from dagster_project.ingest import decisions
from dagster_project.ingest.delivery import DeliveryRules
from dagster_project.ingest.landing import land_extract
from dagster_project.ingest.readers import IngestError
from dagster_project.ingest.specs import load_specs
from samplegen import idnumber
from tests.conftest import BIN, REPO, generate, mart_digest, pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e


@dataclass
class Base:
    root: Path
    raw: Path
    build: Path
    published: Path


# the autumn term the cases name their files by (学籍_20260115.csv, 考勤_202601.csv …)
CORRUPT_RANGE = ("--start", "2025-09-01", "--end", "2026-01-16")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    root = tmp_path_factory.mktemp("clean")
    raw = root / "raw"
    generate(raw, root / "truth", "--students", "1500", "--seed", "11", *CORRUPT_RANGE)
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


# Where each is stopped, and what it says: "landing" (the job's first step refuses the file), a
# row suite's name (its Great Expectations check fails before dbt), or a delivery suite's (after
# dbt). Each is tested on the function that stops it; END_TO_END run the whole job as well.
BLOCKED = {
    "undecodable encoding": (undecodable, "landing", ["户籍_20260115.csv 第", "文件编码无法识别"]),
    "missing required column": (missing_required_column, "landing", ["考勤_202601.csv", "缺少必需列「考勤状态」"]),
    "empty file": (empty_file, "landing", ["考勤_202602.csv: 文件是空的"]),
    "truncated xlsx": (truncated_xlsx, "landing", ["脱贫户监测户_20260115.xlsx: 不是可读的 xlsx 文件"]),
    "snapshot earlier than one loaded": (
        earlier_snapshot,
        "landing",
        ["学籍_20251220.csv", "早于已入库的最新快照 2026-01-15"],
    ),
    "snapshot without a date": (
        snapshot_without_date,
        "landing",
        ["学籍_最新.csv: 快照文件名中没有8位数字的截至日期"],
    ),
    "file in the wrong folder": (
        file_in_wrong_folder,
        "landing",
        ["户籍_20260116.xlsx 第3行", "缺少必需列「姓名、户籍地乡镇」"],
    ),
    "the same column twice": (duplicate_column, "landing", ["户籍_20260115.csv 第1行", "列「公民身份号码」出现了两次"]),
    "half the students missing": (
        half_the_students,
        "landing",
        ["student_status/学籍_20260115.csv: 这份快照只有 ", " 行数据，比它替换的上一版本的 ", " 行少了 50%"],
    ),
    "missing extract folder": (missing_extract_folder, "landing", ["没有找到脱贫户/监测户文件"]),
    "swapped columns": (swapped_columns, "attendance", ["全国学籍号", "检查列是否错位"]),
    "unknown status values": (unknown_status_values, "student_status", ["出现未知的学籍状态"]),
    "a snapshot merged twice": (merged_twice, "student_status", ["同一快照中同一学籍号出现多次"]),
    "poverty file of another county": (poverty_of_another_county, "poverty", ["外县"]),
    "unknown school codes": (unknown_school_everywhere, "attendance", ["学校名录里没有的学校"]),
    "a township missing from attendance": (township_missing_from_attendance, "attendance_freshness", ["整个乡镇"]),
}
# one of each kind through the whole job: refused at the landing, by a row suite, by a delivery suite
END_TO_END = ("undecodable encoding", "unknown status values", "a township missing from attendance")


def _check_name(stage: str) -> str:
    return f"{stage}_expectations" if stage in ROW_SUITES else stage


@pytest.mark.parametrize("name", [n for n, (_, stage, _) in BLOCKED.items() if stage == "landing"])
def test_bad_input_is_refused_at_the_landing_and_says_why(landed, tmp_path, name):
    mutate, _, messages = BLOCKED[name]
    night = _night(landed, tmp_path, mutate)
    assert night.error is not None, f"{name}: the landing took it"
    for message in messages:
        assert message in night.error, f"{name}: the user is not told {message!r}"
    assert night.published_unchanged


@pytest.mark.parametrize("name", [n for n, (_, stage, _) in BLOCKED.items() if stage in ROW_SUITES])
def test_bad_input_fails_its_row_suite_and_says_why(landed, tmp_path, name):
    mutate, suite, messages = BLOCKED[name]
    night = _night(landed, tmp_path, mutate)
    assert night.error is None, night.error
    con = duckdb.connect(str(night.build), read_only=True)
    try:
        critical = [
            f.describe() for _, o, _ in asset_checks.validate(con, suite, frames.row_batches) for f in o.critical
        ]
    finally:
        con.close()
    for message in messages:
        assert any(message in c for c in critical), f"{name}: the user is not told {message!r}: {critical}"


@pytest.mark.parametrize("name", END_TO_END)
def test_bad_input_stops_publishing_and_says_why(base, tmp_path, webhook, name):
    mutate, stage, messages = BLOCKED[name]
    case = _case(base, tmp_path, mutate)
    case.env["KCBX_ALERT_WEBHOOK"] = webhook.url
    result = run_pipeline(case.env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    if stage != "landing":
        messages = [_check_name(stage), *messages]
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


@dataclass
class DirtyNight:
    case: Case
    output: str
    lines: dict[str, int]  # the appended attendance lines' numbers, by what they hold
    future_id: str


@pytest.fixture(scope="module")
def dirty(base, tmp_path_factory) -> DirtyNight:
    """One night whose files hold every row-level problem at once: each row is quarantined with
    its reason, the rest is published."""
    lines: dict[str, int] = {}
    future_id = idnumber.build_ids(
        np.array(["410527"]), np.array(["2031-05-01"], dtype="datetime64[D]"), np.array([11])
    )[0]

    def mutate(raw):
        attendance = _latest(raw, "attendance", "考勤_*.csv")
        for what, line in (
            ("extra field", "2026-01-16,2410527001,G1,出勤,,多出来的一列"),
            ("header", "考勤日期,学校标识码,全国学籍号,考勤状态,缺勤原因"),
            ("future_date", "2099-01-01,2410527001,G1,出勤,"),
            ("bad_date", "2026-13-45,2410527001,G1,出勤,"),
            ("date_out_of_range", "1999-12-31,2410527001,G1,出勤,"),
            ("unknown school", "2026-01-16,9999999999,G1,出勤,"),
        ):
            lines[what] = _append_line(attendance, line)
        household = _latest(raw, "household", "户籍_*.csv")
        df = _read(household)
        # birth dates as Excel serial numbers, then a child whose ID number is born in the future
        dates = pd.to_datetime(df["出生日期"], format="%Y/%m/%d")
        df["出生日期"] = (dates - pd.Timestamp("1899-12-30")).dt.days.astype(str)
        df.loc[len(df)] = ["H-FUTURE", "未来", "男", future_id, "2031/5/1", "子", df["乡镇(街道)"].iloc[0], "", "正常"]
        _write(df, household)

    case = _case(base, tmp_path_factory.mktemp("dirty"), mutate)
    result = run_pipeline(case.env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return DirtyNight(case, result.stdout + result.stderr, lines, future_id)


def test_a_night_with_row_problems_publishes_the_rest(dirty):
    assert _sha(dirty.case.published) != dirty.case.before
    # a file replaced under the same name: its old rows may live on in incremental models
    assert "dbt build --full-refresh: files replaced or removed: attendance/考勤_202601.csv" in dirty.output


def test_a_row_with_an_extra_field_is_quarantined(dirty):
    q = _quarantine(dirty.case)
    row = q[q["reason"] == "字段数为6，应为5"]
    assert list(zip(row["source_file"], row["source_row"], strict=True)) == [
        ("attendance/考勤_202601.csv", dirty.lines["extra field"])
    ]


def test_a_repeated_header_row_is_quarantined(dirty):
    q = _quarantine(dirty.case)
    assert q.loc[q["reason"] == "重复的表头行", "source_row"].tolist() == [dirty.lines["header"]]


def test_future_and_unreadable_dates_are_quarantined_and_do_not_move_the_as_of_date(dirty):
    q = _quarantine(dirty.case)
    dates = q[q["column_name"] == "考勤日期"]
    assert dict(zip(dates["source_row"], dates["reason"], strict=True)) == {
        dirty.lines[reason]: reason for reason in ("future_date", "bad_date", "date_out_of_range")
    }
    as_of = _query(dirty.case.published, "select max(as_of_date) as d from marts.ledger_age_eligible")["d"][0]
    assert str(as_of)[:10] == "2026-01-16"


def test_an_unknown_school_code_in_one_row_is_flagged(dirty):
    q = _quarantine(dirty.case)
    flagged = q[q["reason"] == "unknown_school_code"]
    assert flagged[["source_row", "value"]].values.tolist() == [[dirty.lines["unknown school"], "9999999999"]]


def test_a_future_birth_date_in_an_id_number_is_quarantined_not_a_negative_age(dirty):
    q = _query(
        dirty.case.published,
        "select * from audit.quarantine where extract = 'household' and value = ?",
        [dirty.future_id],
    )
    assert q["reason"].tolist() == ["bad_birth_date"]
    ages = _query(dirty.case.published, "select min(age) as a from marts.ledger_age_eligible")["a"][0]
    assert ages >= 6


def test_excel_serial_birth_dates_are_read(dirty):
    mismatches = _query(
        dirty.case.published,
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


# --- delivery completeness: the landing, as the job's first step runs it ----------------------

SPECS = load_specs(REPO / "dbt")
RULES = DeliveryRules(settle_seconds=0, max_wait_seconds=5, shrink_tolerance=0.2)
CUT_OFF = "：文件可能还没有复制完，或在复制、导出时被截断。请等复制完成，或从源系统重新导出、重新复制完整的文件后重新运行（make pipeline）"


@dataclass
class Landed:
    raw: Path
    build: Path
    published: Path


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Landed:
    """A clean county landed and accepted (no dbt: these cases never get past the landing),
    with its files an hour old, as files delivered on earlier nights are."""
    root = tmp_path_factory.mktemp("landed")
    raw = root / "raw"
    generate(raw, root / "truth", "--students", "1500", "--seed", "11", *CORRUPT_RANGE)
    then = time.time() - 3600
    for path in raw.rglob("*"):
        os.utime(path, (then, then))
    build = root / "build.duckdb"
    con = duckdb.connect(str(build))
    for spec in SPECS.values():
        land_extract(con, spec, raw, datetime.now(), lambda _: None, rules=RULES)
    con.execute("update raw.load_files set accepted = true")
    con.close()
    published = root / "published.duckdb"
    shutil.copyfile(build, published)
    return Landed(raw, build, published)


@dataclass
class Night:
    raw: Path
    build: Path
    error: str | None
    published_unchanged: bool

    def rows(self, source_file: str) -> tuple[int, int]:
        """(rows in raw, rows in the landing's quarantine) of one file."""
        con = duckdb.connect(str(self.build), read_only=True)
        try:
            extract = con.execute("select extract from raw.load_files where source_file = ?", [source_file])
            table = extract.fetchone()[0]
            loaded = con.execute(f"select count(*) from raw.{table} where _source_file = ?", [source_file]).fetchone()
            quarantined = con.execute(
                "select count(*) from raw.load_quarantine where source_file = ?", [source_file]
            ).fetchone()
            return loaded[0], quarantined[0]
        finally:
            con.close()


def _night(landed: Landed, tmp_path: Path, mutate: Callable[[Path], object], rules: DeliveryRules = RULES) -> Night:
    raw = tmp_path / "raw"
    shutil.copytree(landed.raw, raw, symlinks=True)
    mutate(raw)
    build = tmp_path / "build.duckdb"
    published = tmp_path / "published.duckdb"
    shutil.copyfile(landed.build, build)
    shutil.copyfile(landed.published, published)
    before = _sha(published)
    con = duckdb.connect(str(build))
    error = None
    try:
        for spec in SPECS.values():
            land_extract(con, spec, raw, datetime.now(), lambda _: None, rules=rules)
    except IngestError as e:
        error = str(e)
    finally:
        con.close()
    return Night(raw, build, error, _sha(published) == before)


def _data_rows(path: Path) -> int:
    """Rows holding any value below the header, counted by the csv module."""
    encoding = "gb18030" if "户籍" in path.name else "utf-8-sig"
    with path.open(encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    return sum(any(c.strip() for c in r) for r in rows[1:])


def _cut_mid_row(data: bytes, at: float = 0.5) -> bytes:
    """A copy stopped part-way through a row, right after its first field."""
    row_start = data.index(b"\n", int(len(data) * at)) + 1
    return data[: data.index(b",", row_start) + 1]


def _last_line(data: bytes, encoding: str = "utf-8") -> tuple[int, int]:
    """(line number, fields) of a file's unterminated last line."""
    last = data.rsplit(b"\n", 1)[-1].decode(encoding)
    return data.count(b"\n") + 1, len(next(csv.reader([last])))


def _smaller_snapshot(rel: str, rows: int, previous: str, before: int) -> str:
    """The message for a snapshot far smaller than the one before it."""
    return (
        f"{rel}: 这份快照只有 {rows:,} 行数据，比上一份（{previous}）的 {before:,} 行少了 {1 - rows / before:.0%}，"
        "可能导出不全或复制未完成。请与源系统导出的行数核对，或重新导出、重新复制后重新运行（make pipeline）；"
        f"如确认数据本来就是这样（如学校撤并），运行 make accept FILE={rel} 后重新运行"
    )


def half_copied_snapshot(raw: Path) -> str:
    data = _latest(raw, "student_status", "学籍_*.csv").read_bytes()
    cut = _cut_mid_row(data)
    (raw / "student_status" / "学籍_20260215.csv").write_bytes(cut)
    line, fields = _last_line(cut)
    return f"学籍_20260215.csv 第{line}行: 最后一行不完整（只有 {fields} 个字段，表头有 17 个）{CUT_OFF}"


def half_copied_snapshot_at_a_row_end(raw: Path) -> str:
    latest = _latest(raw, "student_status", "学籍_*.csv")
    data = latest.read_bytes()
    cut = data[: data.index(b"\n", len(data) // 2) + 1]
    target = raw / "student_status" / "学籍_20260215.csv"
    target.write_bytes(cut)
    n, before = _data_rows(target), _data_rows(latest)
    return _smaller_snapshot("student_status/学籍_20260215.csv", n, "student_status/学籍_20260115.csv", before)


def half_copied_household_gbk(raw: Path) -> str:
    data = _latest(raw, "household", "户籍_*.csv").read_bytes()
    cut = _cut_mid_row(data, 0.3)
    (raw / "household" / "户籍_20260215.csv").write_bytes(cut)
    line, fields = _last_line(cut, "gb18030")
    return f"户籍_20260215.csv 第{line}行: 最后一行不完整（只有 {fields} 个字段，表头有 9 个）{CUT_OFF}"


def half_copied_attendance_month(raw: Path) -> str:
    data = (raw / "attendance" / "考勤_202601.csv").read_bytes()
    cut = _cut_mid_row(data, 0.6)
    (raw / "attendance" / "考勤_202602.csv").write_bytes(cut)
    line, fields = _last_line(cut)
    return f"考勤_202602.csv 第{line}行: 最后一行不完整（只有 {fields} 个字段，表头有 5 个）{CUT_OFF}"


def cut_inside_a_character(raw: Path) -> str:
    data = (raw / "attendance" / "考勤_202601.csv").read_bytes()
    lead = next(i for i in range(len(data) // 2, len(data)) if 0xE0 <= data[i] <= 0xEF)
    cut = data[: lead + 1]
    (raw / "attendance" / "考勤_202602.csv").write_bytes(cut)
    line = cut.count(b"\n") + 1
    return f"考勤_202602.csv 第{line}行: 文件在最后一个汉字的中间结束{CUT_OFF}"


def loaded_month_replaced_by_a_shorter_copy(raw: Path) -> str:
    path = raw / "attendance" / "考勤_202601.csv"
    before = _data_rows(path)
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"\n", len(data) * 2 // 5) + 1])
    n = _data_rows(path)
    return (
        f"attendance/考勤_202601.csv: 这个文件只有 {n:,} 行数据，比它替换的上一版本的 {before:,} 行少了 "
        f"{1 - n / before:.0%}，可能导出不全或复制未完成。请与源系统导出的行数核对，或重新导出、重新复制后重新运行"
        "（make pipeline）；如确认数据本来就是这样（如学校撤并），运行 make accept FILE=attendance/考勤_202601.csv 后重新运行"
    )


def half_copied_xlsx(raw: Path) -> str:
    data = _latest(raw, "poverty", "*.xlsx").read_bytes()
    (raw / "poverty" / "脱贫户监测户_20260215.xlsx").write_bytes(data[: len(data) // 2])
    return (
        "脱贫户监测户_20260215.xlsx: 不是可读的 xlsx 文件（BadZipFile），可能还没有复制完、已损坏或被截断。"
        "请等复制完成，或重新导出、重新复制该文件后重新运行（make pipeline）"
    )


def xlsx_with_a_damaged_part(raw: Path) -> str:
    """Every part present, one part's content not what its checksum says (a bad copy)."""
    source = _latest(raw, "poverty", "*.xlsx")
    target = raw / "poverty" / "脱贫户监测户_20260215.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item))
    data = bytearray(target.read_bytes())
    with zipfile.ZipFile(target) as z:
        sheet = z.getinfo("xl/worksheets/sheet1.xml")
    wrong = (sheet.CRC ^ 0xFFFF).to_bytes(4, "little")
    data[sheet.header_offset + 14 : sheet.header_offset + 18] = wrong  # the checksum in the part's header
    name = sheet.filename.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:  # ... and in the central directory, which readers trust
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            data[at + 16 : at + 20] = wrong
        at = data.find(b"PK\x01\x02", at + 4)
    target.write_bytes(bytes(data))
    return (
        "脱贫户监测户_20260215.xlsx: 不是可读的 xlsx 文件（其中的 xl/worksheets/sheet1.xml 校验失败），"
        "可能还没有复制完、已损坏或被截断。请等复制完成，或重新导出、重新复制该文件后重新运行（make pipeline）"
    )


def loaded_file_deleted(raw: Path) -> str:
    (raw / "attendance" / "考勤_202512.csv").unlink()
    return (
        "attendance/考勤_202512.csv: 已入库的在校考勤文件不见了。文件消失不会删除它已入库的数据。"
        f"请把文件放回 {raw / 'attendance'} 后重新运行（make pipeline）；如确需删除它的数据，"
        "运行 make forget FILE=attendance/考勤_202512.csv"
    )


def loaded_file_now_a_dangling_link(raw: Path) -> str:
    path = raw / "attendance" / "考勤_202601.csv"
    gone = raw.parent / "nas" / "考勤_202601.csv"
    path.unlink()
    path.symlink_to(gone)
    return (
        f"attendance/考勤_202601.csv: 已入库的在校考勤文件无法读取：它是一个链接，指向的 {gone} 不存在。"
        "无法读取不会删除它已入库的数据。请恢复该文件后重新运行（make pipeline）；如确需删除它的数据，"
        "先把它移出目录，再运行 make forget FILE=attendance/考勤_202601.csv"
    )


def loaded_file_now_a_link_loop(raw: Path) -> str:
    path = raw / "student_status" / "学籍_20251215.csv"
    path.unlink()
    path.symlink_to(path)
    return (
        f"student_status/学籍_20251215.csv: 已入库的学籍文件无法读取：它是一个链接，指向的 {path} 无法访问"
        f"（{os.strerror(errno.ELOOP)}）。无法读取不会删除它已入库的数据。请恢复该文件后重新运行（make pipeline）；"
        "如确需删除它的数据，先把它移出目录，再运行 make forget FILE=student_status/学籍_20251215.csv"
    )


def loaded_file_renamed(raw: Path) -> str:
    path = raw / "attendance" / "考勤_202510_重报.csv"
    path.rename(path.with_name("考勤_202510_更正.csv"))
    return (
        "attendance/考勤_202510_重报.csv: 已入库的在校考勤文件不见了。文件消失不会删除它已入库的数据。"
        f"请把文件放回 {raw / 'attendance'} 后重新运行（make pipeline）；如确需删除它的数据，"
        "运行 make forget FILE=attendance/考勤_202510_重报.csv"
    )


def several_loaded_files_gone(raw: Path) -> str:
    for name in ("学籍_20250915.csv", "学籍_20251015.csv", "学籍_20251115.csv"):
        (raw / "student_status" / name).unlink()
    return (
        "student_status/学籍_20250915.csv: 已入库的学籍文件不见了（另有 2 个已入库的文件同样不见了或无法读取："
        "student_status/学籍_20251015.csv、student_status/学籍_20251115.csv）。文件消失不会删除它已入库的数据。"
        f"请把文件放回 {raw / 'student_status'} 后重新运行（make pipeline）；如确需删除它的数据，"
        "运行 make forget FILE=student_status/学籍_20250915.csv"
    )


def attendance_folder_emptied(raw: Path) -> str:
    for path in (raw / "attendance").iterdir():
        path.unlink()
    return (
        f"{raw / 'attendance'}: 没有找到在校考勤文件（.csv 或 .xlsx），而已入库的 7 个文件（attendance/更正考勤_202511.csv、"
        "attendance/考勤_202509.csv、attendance/考勤_202510.csv）不见了或无法读取。请把在校考勤导出文件放入该目录，"
        "或设置 KCBX_RAW_DIR 指向正确的数据目录；如确需删除已入库文件的数据，运行 make forget FILE=<文件>"
    )


def new_file_a_dangling_link(raw: Path) -> str:
    gone = raw.parent / "usb" / "考勤_202602.csv"
    (raw / "attendance" / "考勤_202602.csv").symlink_to(gone)
    return (
        f"attendance/考勤_202602.csv: 新放入的文件无法读取：它是一个链接，指向的 {gone} 不存在。"
        "请放入完整的文件本身（不要放失效的链接或没有读取权限的文件）后重新运行（make pipeline）"
    )


def _xlsx_rows(path: Path, header_row: int) -> list[list]:
    wb = load_workbook(path)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows[header_row:]


def poverty_snapshot_with_half_the_members(raw: Path) -> str:
    source = _latest(raw, "poverty", "*.xlsx")
    target = raw / "poverty" / "脱贫户监测户_20260215.xlsx"
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    before = ws.max_row - 3
    ws.delete_rows(4 + before // 2, before - before // 2)
    wb.save(target)
    n = before // 2
    return _smaller_snapshot("poverty/脱贫户监测户_20260215.xlsx", n, "poverty/脱贫户监测户_20260115.xlsx", before)


def household_snapshot_a_quarter_short(raw: Path) -> str:
    latest = _latest(raw, "household", "户籍_*.csv")
    df = _read(latest)
    target = raw / "household" / "户籍_20260215.csv"
    _write(df.iloc[: len(df) * 3 // 4], target)
    n, before = len(df) * 3 // 4, len(df)
    return _smaller_snapshot("household/户籍_20260215.csv", n, "household/户籍_20260115.csv", before)


def snapshot_with_only_its_header(raw: Path) -> str:
    latest = _latest(raw, "student_status", "学籍_*.csv")
    header = latest.read_text(encoding="utf-8-sig").splitlines()[0]
    (raw / "student_status" / "学籍_20260215.csv").write_text(header + "\n", encoding="utf-8-sig")
    before = _data_rows(latest)
    return _smaller_snapshot("student_status/学籍_20260215.csv", 0, "student_status/学籍_20260115.csv", before)


def school_list_cut_short(raw: Path) -> str:
    path = raw / "reference" / "schools.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df.iloc[:10].to_csv(path, index=False, encoding="utf-8-sig")
    return (
        f"reference/schools.csv: 这个文件只有 10 行数据，比它替换的上一版本的 {len(df)} 行少了 {1 - 10 / len(df):.0%}，"
        "可能导出不全或复制未完成。请与源系统导出的行数核对，或重新导出、重新复制后重新运行（make pipeline）；"
        "如确认数据本来就是这样（如学校撤并），运行 make accept FILE=reference/schools.csv 后重新运行"
    )


def attendance_month_from_half_the_schools(raw: Path) -> str:
    df = _read(raw / "attendance" / "考勤_202601.csv")
    schools = sorted(df["学校标识码"].unique())
    month = df[df["学校标识码"].isin(schools[: len(schools) // 2])].copy()
    month["考勤日期"] = month["考勤日期"].str.replace("2026-01-", "2026-02-")
    _write(month, raw / "attendance" / "考勤_202602.csv")
    now = float(month.groupby("考勤日期").size().median())
    history = pd.concat(
        [_read(raw / "attendance" / n) for n in ("考勤_202601.csv", "考勤_202512.csv", "考勤_202511.csv")]
    )
    before = float(history.groupby(["考勤日期"]).size().median())
    return (
        f"attendance/考勤_202602.csv: 这份考勤平均每个上学日只有 {now:,.0f} 行，此前的考勤（attendance/考勤_202601.csv、"
        f"attendance/考勤_202512.csv、attendance/考勤_202511.csv）每个上学日约 {before:,.0f} 行，少了 "
        f"{1 - now / before:.0%}，可能漏了乡镇或学校、导出不全或复制未完成。请与源系统核对该月考勤是否完整，补全后重新运行"
        "（make pipeline）；如确认数据本来就是这样，运行 make accept FILE=attendance/考勤_202602.csv 后重新运行"
    )


class _Writer(threading.Thread):
    """A copy that never finishes: appends a row every 0.2 s until told to stop."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.done = path, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            with self.path.open("a", encoding="utf-8") as f:
                f.write("2026-02-02,2410527001,G1,出勤,\n")
            self.done.wait(0.2)


def test_a_copy_that_never_settles_is_refused(landed, tmp_path):
    writers: list[_Writer] = []

    def mutate(raw: Path) -> None:
        path = raw / "attendance" / "考勤_202602.csv"
        path.write_text("考勤日期,学校标识码,全国学籍号,考勤状态,缺勤原因\n", encoding="utf-8")
        writers.append(_Writer(path))
        writers[0].start()

    try:
        night = _night(landed, tmp_path, mutate, DeliveryRules(settle_seconds=1, max_wait_seconds=3))
    finally:
        writers[0].done.set()
        writers[0].join()
    assert night.error == (
        "考勤_202602.csv: 文件在等待的 3 秒内一直在变化，可能仍在复制或写入。请等复制完成后重新运行（make pipeline）；"
        "新文件传感器会在文件稳定后自动启动运行"
    )
    assert night.published_unchanged


DELIVERY_BLOCKED = {
    "a student-status snapshot copied half-way": half_copied_snapshot,
    "a snapshot copied half-way, cut at a row's end": half_copied_snapshot_at_a_row_end,
    "a GBK household snapshot copied half-way": half_copied_household_gbk,
    "an attendance month copied half-way": half_copied_attendance_month,
    "a copy cut inside a Chinese character": cut_inside_a_character,
    "a loaded month replaced by a shorter copy": loaded_month_replaced_by_a_shorter_copy,
    "an xlsx copied half-way": half_copied_xlsx,
    "an xlsx with a damaged part": xlsx_with_a_damaged_part,
    "a loaded file deleted": loaded_file_deleted,
    "a loaded file now a dangling link": loaded_file_now_a_dangling_link,
    "a loaded file now a link to itself": loaded_file_now_a_link_loop,
    "a loaded file renamed": loaded_file_renamed,
    "three loaded snapshots gone": several_loaded_files_gone,
    "the attendance folder emptied": attendance_folder_emptied,
    "a new file that is a dangling link": new_file_a_dangling_link,
    "a poverty snapshot with half the members": poverty_snapshot_with_half_the_members,
    "a household snapshot a quarter short": household_snapshot_a_quarter_short,
    "a snapshot with only its header": snapshot_with_only_its_header,
    "the school list cut short": school_list_cut_short,
    "an attendance month from half the schools": attendance_month_from_half_the_schools,
}


@pytest.mark.parametrize("name", list(DELIVERY_BLOCKED))
def test_an_incomplete_delivery_is_refused_by_name(landed, tmp_path, name):
    expected: list[str] = []
    night = _night(landed, tmp_path, lambda raw: expected.append(DELIVERY_BLOCKED[name](raw)))
    assert night.error == expected[0]
    assert night.published_unchanged


# accepted: every data row of the file is in raw or in the landing's quarantine


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(text)


def trailing_blank_rows(raw: Path) -> tuple[str, int]:
    path = raw / "attendance" / "考勤_202601.csv"
    rows = _data_rows(path)
    _append(path, ",,,,\n" * 10_000)
    return "attendance/考勤_202601.csv", rows


def blank_lines_of_every_kind(raw: Path) -> tuple[str, int]:
    path = raw / "attendance" / "考勤_202601.csv"
    rows = _data_rows(path)
    _append(
        path, '\n,,,\n  ,  , ,,\n"","","","",""\n\n\u3000,,,,\n' + "2026-01-16,2410527001,G1,出勤,\n" + ",,,,\n" * 3
    )
    return "attendance/考勤_202601.csv", rows + 1


def last_row_without_a_line_break(raw: Path) -> tuple[str, int]:
    path = raw / "attendance" / "考勤_202601.csv"
    rows = _data_rows(path)
    _append(path, "2026-01-16,2410527001,G1,出勤,")
    return "attendance/考勤_202601.csv", rows + 1


def crlf_file_without_a_final_break(raw: Path) -> tuple[str, int]:
    source = raw / "attendance" / "考勤_202601.csv"
    text = source.read_text(encoding="utf-8-sig").rstrip("\n").replace("\n", "\r\n")
    (raw / "attendance" / "考勤_202602.csv").write_bytes(
        codecs.BOM_UTF8 + text.replace("2026-01-", "2026-02-").encode()
    )
    return "attendance/考勤_202602.csv", _data_rows(source)


def xlsx_with_formatted_empty_rows(raw: Path) -> tuple[str, int]:
    source = _latest(raw, "poverty", "*.xlsx")
    target = raw / "poverty" / "脱贫户监测户_20260215.xlsx"
    wb = load_workbook(source)
    ws = wb.worksheets[0]
    rows = ws.max_row - 3
    for r in range(ws.max_row + 1, ws.max_row + 2001):
        ws.cell(row=r, column=1).number_format = "@"  # formatted, empty
    wb.save(target)
    return "poverty/脱贫户监测户_20260215.xlsx", rows


def snapshot_a_little_smaller(raw: Path) -> tuple[str, int]:
    df = _read(_latest(raw, "student_status", "学籍_*.csv"))
    keep = int(len(df) * 0.85)
    _write(df.iloc[:keep], raw / "student_status" / "学籍_20260215.csv")
    return "student_status/学籍_20260215.csv", keep


def one_school_reports_one_day(raw: Path) -> tuple[str, int]:
    df = _read(raw / "attendance" / "考勤_202601.csv")
    day = df[(df["考勤日期"] == df["考勤日期"].max()) & (df["学校标识码"] == df["学校标识码"].iloc[0])]
    _write(day, raw / "attendance" / "考勤_20260116_补报.csv")
    return "attendance/考勤_20260116_补报.csv", len(day)


def rows_with_too_many_fields(raw: Path) -> tuple[str, int]:
    path = raw / "attendance" / "考勤_202601.csv"
    rows = _data_rows(path)
    _append(path, "2026-01-16,2410527001,G1,出勤,,多出来的一列\n2026-01-16,2410527001,G2,出勤,\n")
    return "attendance/考勤_202601.csv", rows + 2


DELIVERY_ACCEPTED = {
    "ten thousand trailing ,,,, rows": trailing_blank_rows,
    "blank lines of every kind": blank_lines_of_every_kind,
    "a last row without a line break": last_row_without_a_line_break,
    "CRLF line endings without a final break": crlf_file_without_a_final_break,
    "an xlsx with 2,000 formatted empty rows": xlsx_with_formatted_empty_rows,
    "a snapshot 15% smaller (within tolerance)": snapshot_a_little_smaller,
    "one school re-reporting one day": one_school_reports_one_day,
    "a row with too many fields": rows_with_too_many_fields,
}


@pytest.mark.parametrize("name", list(DELIVERY_ACCEPTED))
def test_a_complete_delivery_keeps_every_data_row(landed, tmp_path, name):
    expected: list[tuple[str, int]] = []
    night = _night(landed, tmp_path, lambda raw: expected.append(DELIVERY_ACCEPTED[name](raw)))
    assert night.error is None
    source_file, data_rows = expected[0]
    loaded, quarantined = night.rows(source_file)
    assert loaded + quarantined == data_rows
    con = duckdb.connect(str(night.build), read_only=True)
    reasons = [
        r[0]
        for r in con.execute("select reason from raw.load_quarantine where source_file = ?", [source_file]).fetchall()
    ]
    con.close()
    assert all(r.startswith("字段数为") for r in reasons), reasons  # blank lines are never quarantined
    assert quarantined == (1 if name == "a row with too many fields" else 0)


def test_blank_lines_are_counted_not_quarantined(landed, tmp_path):
    night = _night(landed, tmp_path, trailing_blank_rows)
    con = duckdb.connect(str(night.build), read_only=True)
    assert con.execute(
        "select rows_blank, rows_quarantined from raw.load_files where source_file = 'attendance/考勤_202601.csv'"
    ).fetchone() == (10_000, 0)
    con.close()


def test_a_copy_still_running_is_waited_for_and_loaded_whole(landed, tmp_path):
    finished: list[int] = []

    def mutate(raw: Path) -> None:
        source = (
            (raw / "attendance" / "考勤_202601.csv").read_text(encoding="utf-8-sig").replace("2026-01-", "2026-02-")
        )
        lines = source.splitlines(keepends=True)
        path = raw / "attendance" / "考勤_202602.csv"
        path.write_text("".join(lines[:100]), encoding="utf-8")

        def copy_rest() -> None:
            for i in range(100, len(lines), len(lines) // 8 + 1):
                time.sleep(0.3)
                _append(path, "".join(lines[i : i + len(lines) // 8 + 1]))
            finished.append(len(lines) - 1)

        threading.Thread(target=copy_rest, daemon=True).start()

    night = _night(landed, tmp_path, mutate, DeliveryRules(settle_seconds=1.5, max_wait_seconds=60))
    assert night.error is None
    assert finished, "the landing did not wait for the copy to finish"
    assert sum(night.rows("attendance/考勤_202602.csv")) == finished[0]


def test_a_much_smaller_snapshot_lands_after_make_accept(landed, tmp_path):
    night = _night(landed, tmp_path, half_copied_snapshot_at_a_row_end)
    assert night.error is not None
    con = duckdb.connect(str(night.build))
    decisions.accept(con, night.raw, "student_status/学籍_20260215.csv", datetime.now())
    land_extract(con, SPECS["student_status"], night.raw, datetime.now(), lambda _: None, rules=RULES)
    loaded = con.execute(
        "select rows_loaded + rows_quarantined from raw.load_files where source_file = 'student_status/学籍_20260215.csv'"
    ).fetchone()[0]
    con.close()
    assert loaded == _data_rows(night.raw / "student_status" / "学籍_20260215.csv")


# --- delivery completeness through the whole job -------------------------------------------


def _as_of(published: Path) -> str:
    return str(_query(published, "select max(as_of_date) as d from marts.ledger_age_eligible")["d"][0])[:10]


def test_a_vanished_file_stops_the_run_until_it_is_forgotten_on_purpose(base, tmp_path):
    """A loaded month that became a dangling link used to be taken as removed: its rows deleted
    and the as-of date moved back a month without a word."""
    gone = tmp_path / "nas" / "考勤_202601.csv"

    def mutate(raw: Path) -> None:
        path = raw / "attendance" / "考勤_202601.csv"
        path.unlink()
        path.symlink_to(gone)

    case = _case(base, tmp_path, mutate)
    as_of = _as_of(case.published)
    result = run_pipeline(case.env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        f"attendance/考勤_202601.csv: 已入库的在校考勤文件无法读取：它是一个链接，指向的 {gone} 不存在。"
        "无法读取不会删除它已入库的数据。请恢复该文件后重新运行（make pipeline）；如确需删除它的数据，"
        "先把它移出目录，再运行 make forget FILE=attendance/考勤_202601.csv"
    ) in output
    assert _sha(case.published) == case.before
    assert _as_of(case.published) == as_of == "2026-01-16"

    # deleting the month's rows is an explicit act, recorded
    forget = [str(BIN / "python"), "-m", "dagster_project.ingest.decisions", "forget", "attendance/考勤_202601.csv"]
    refused = subprocess.run(forget, cwd=REPO, env=case.env, capture_output=True, text=True)
    assert refused.returncode == 1
    assert "attendance/考勤_202601.csv：它还在目录里（它是一个链接" in refused.stderr
    (case.raw / "attendance" / "考勤_202601.csv").unlink()
    done = subprocess.run(forget, cwd=REPO, env=case.env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("已删除 attendance/考勤_202601.csv 的 ")
    result = run_pipeline(case.env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "dbt build --full-refresh: files replaced or removed: attendance/考勤_202601.csv" in (
        result.stdout + result.stderr
    )
    assert _as_of(case.published) < as_of
    changes = _query(case.published, "select source_file, change from raw.load_changes")
    assert changes.values.tolist() == [["attendance/考勤_202601.csv", "forgotten"]]


def test_a_copy_that_stops_half_way_is_waited_for_then_refused(base, tmp_path):
    """The issue's case: a student-status snapshot still being copied when the run starts. The
    run (as the schedule or `make pipeline` starts it) waits like the sensor does while the copy
    goes on; when the copy stops part-way through a row, it refuses the file by name and the
    published warehouse stays as it was (out-of-school children do not jump from 10 to 261)."""
    source = _latest(base.raw, "student_status", "学籍_*.csv").read_bytes()
    case = _case(base, tmp_path, lambda raw: None)
    case.env["KCBX_SETTLE_SECONDS"] = "3"
    target = case.raw / "student_status" / "学籍_20260215.csv"
    target.write_bytes(source[: len(source) // 10])
    stop = source.index(b",", source.index(b"\n", len(source) // 2) + 1) + 1  # where the copy dies
    out_of_school = _query(case.published, "select count(*) as n from marts.out_of_school")["n"][0]
    log = tmp_path / "run.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "dagster"), "job", "execute", "-m", "dagster_project.definitions", "-j", "kcbx_nightly"],
            cwd=REPO,
            env=case.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        written, deadline = len(source) // 10, time.monotonic() + 300
        # the copy goes on, a little every second, until the run has said it waits for it
        while "学籍_20260215.csv: modified" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, "the run did not wait for the copy"
            step = min(stop, written + len(source) // 50)
            with target.open("ab") as f:
                f.write(source[written:step])
            written = step
            os.utime(target)
            time.sleep(1)
        with target.open("ab") as f:
            f.write(source[written:stop])
        assert proc.wait(timeout=900) != 0
    output = log.read_text()
    assert "student_status: 学籍_20260215.csv: modified" in output and "perhaps still being copied" in output
    line = source[:stop].count(b"\n") + 1
    assert (
        f"学籍_20260215.csv 第{line}行: 最后一行不完整（只有 2 个字段，表头有 17 个）：文件可能还没有复制完，"
        "或在复制、导出时被截断。请等复制完成，或从源系统重新导出、重新复制完整的文件后重新运行（make pipeline）"
    ) in output
    assert _sha(case.published) == case.before
    assert _query(case.published, "select count(*) as n from marts.out_of_school")["n"][0] == out_of_school
