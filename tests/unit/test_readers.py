"""Reading extract files: encodings, title rows, aliases, row numbers, and clear errors."""

import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from dagster_project.config import REPO_ROOT
from dagster_project.ingest.readers import IngestError, read_file
from dagster_project.ingest.specs import load_specs

SPECS = load_specs(REPO_ROOT / "dbt")


def test_gbk_csv_with_aliases_and_title_row(tmp_path: Path):
    path = tmp_path / "户籍_20260115.csv"
    text = (
        "内黄县户籍人口信息（合成）\n"
        "户编号,姓名,性别,身份证号,出生日期,乡镇(街道),村(社区),备注\n"
        "H1,张三,男,410527201509010012,2015/9/1,井店镇,陈岗村,无\n"
        "H1,李四,女,410527201608310020,2016/8/31,井店镇,陈岗村,\n"
    )
    path.write_bytes(text.encode("gbk"))
    parsed = read_file(path, SPECS["household"])
    assert parsed.encoding == "gb18030"
    assert parsed.header_row == 2
    t = parsed.table.to_pydict()
    assert t["公民身份号码"] == ["410527201509010012", "410527201608310020"]
    assert t["户籍地乡镇"] == ["井店镇", "井店镇"]
    assert t["_row_number"] == [3, 4]
    assert t["_extra"][0] == '{"备注": "无"}'
    assert parsed.canonical[-1] is None  # 备注 is not a contract column


def test_utf8_bom_is_detected(tmp_path: Path):
    path = tmp_path / "schools.csv"
    path.write_bytes("\ufeff学校标识码,学校名称,学段,乡镇,城乡类型\n2410527001,一小,小学,井店镇,乡村\n".encode())
    parsed = read_file(path, SPECS["schools"])
    assert parsed.encoding == "utf-8-sig"
    assert parsed.table.column("学校标识码").to_pylist() == ["2410527001"]


def test_missing_required_column_names_file_and_column(tmp_path: Path):
    path = tmp_path / "考勤_202509.csv"
    path.write_text("考勤日期,学校标识码,全国学籍号\n2025-09-01,2410527001,G1\n", encoding="utf-8")
    with pytest.raises(IngestError) as e:
        read_file(path, SPECS["attendance"])
    assert "考勤_202509.csv" in str(e.value)
    assert "缺少必需列「考勤状态」" in str(e.value)


def test_malformed_row_is_quarantined_with_its_line_number(tmp_path: Path):
    path = tmp_path / "考勤_202509.csv"
    path.write_text(
        "考勤日期,学校标识码,全国学籍号,考勤状态\n"
        "2025-09-01,2410527001,G1,出勤\n"
        "2025-09-01,2410527001,G2,出勤,多出来的一列\n"
        "2025-09-01,2410527001,G3,旷课\n",
        encoding="utf-8",
    )
    parsed = read_file(path, SPECS["attendance"])
    assert parsed.table.column("全国学籍号").to_pylist() == ["G1", "G3"]
    assert parsed.table.column("_row_number").to_pylist() == [2, 4]
    assert [(b.row, b.reason) for b in parsed.bad_rows] == [(3, "字段数为5，应为4")]


def test_xlsx_with_title_rows(tmp_path: Path):
    path = tmp_path / "脱贫户监测户_20260115.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["内黄县脱贫户及监测户家庭成员信息表"])
    ws.append(["导出日期：2026-01-15"])
    ws.append(["户编号", "成员姓名", "证件号码", "户类型"])
    ws.append(["P1", "王五", "410527201509010012", "脱贫户"])
    wb.save(path)
    parsed = read_file(path, SPECS["poverty"])
    assert parsed.header_row == 3
    assert parsed.table.column("姓名").to_pylist() == ["王五"]
    assert parsed.table.column("_row_number").to_pylist() == [4]


def test_truncated_xlsx_is_a_clear_error(tmp_path: Path):
    good = tmp_path / "good.xlsx"
    wb = Workbook()
    wb.active.append(["户编号", "成员姓名", "证件号码", "户类型"])
    wb.save(good)
    bad = tmp_path / "脱贫户监测户_20260115.xlsx"
    bad.write_bytes(good.read_bytes()[:200])
    with pytest.raises(IngestError, match=re.escape("脱贫户监测户_20260115.xlsx: 不是可读的 xlsx 文件")):
        read_file(bad, SPECS["poverty"])


def test_empty_file(tmp_path: Path):
    path = tmp_path / "学籍_20250915.csv"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match=re.escape("学籍_20250915.csv: 文件是空的")):
        read_file(path, SPECS["student_status"])


def test_undecodable_file_names_the_line(tmp_path: Path):
    path = tmp_path / "户籍_20260115.csv"
    path.write_bytes("户号,姓名,公民身份号码,户籍地乡镇\n".encode() + b"H1,\xff\xff\xff,1,2\n")
    with pytest.raises(IngestError, match=re.escape("户籍_20260115.csv 第2行: 文件编码无法识别")):
        read_file(path, SPECS["household"])
