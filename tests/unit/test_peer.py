"""The pandas peer of the benchmark (bench/peer.py): its readers and rules on small frames, and the
three comparisons on a tiny raw folder with planted children."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from bench import peer
from samplegen import idnumber

ID = "41052720150625023X"  # synthetic, valid check character
OLD = "410527820708045"  # a 15-digit number of 1982


def test_id_numbers_are_normalised_or_refused():
    values = pd.Series(
        [
            *(ID, ID.lower(), idnumber.to_full_width(ID), "410527 20150625023X", OLD),
            *(idnumber.with_wrong_check(ID), "4.10527E+17", "", None, "410527209913310012"),
        ]
    )
    got = peer.clean_ids(values).tolist()
    converted = got[4]
    assert got[:4] == [ID] * 4
    assert converted[:17] == "41052719820708045" and idnumber.is_valid(converted)
    assert all(pd.isna(v) for v in got[5:])  # wrong check character, Excel's rendering, empty, missing, no such date


def test_the_contracts_date_forms_parse():
    got = peer.parse_dates(pd.Series(["2025-09-01", "2025/9/1", "20250901", "45901", "2025-09-01 00:00:00"]))
    assert got.tolist() == [pd.Timestamp("2025-09-01")] * 5
    assert peer.parse_dates(pd.Series(["next monday", None])).isna().all()


def test_grades_in_every_form():
    got = peer.grades(pd.Series(["一年级", "六年级", "初一", "初三", "九年级", "7", "11", "16", "21", "23", "十年级"]))
    assert got.tolist()[:10] == [1, 6, 7, 9, 9, 7, 1, 6, 7, 9]
    assert pd.isna(got.iloc[10])


def test_snapshot_dates_come_from_eight_digits_in_the_name():
    assert peer.snapshot_date(Path("学籍_20251015.xlsx")) == pd.Timestamp("2025-10-15")
    assert peer.snapshot_date(Path("劝返工作记录_410527001_20260116.xlsx")) == pd.Timestamp("2026-01-16")
    assert peer.snapshot_date(Path("考勤_202510.csv")) is None


def test_files_in_any_encoding_and_xlsx_with_title_rows(tmp_path):
    pd.DataFrame({"户号": ["1"], "姓名": ["张三"], "身份证号": [ID]}).to_csv(
        tmp_path / "gbk.csv", index=False, encoding="gbk"
    )
    pd.DataFrame({"学籍号": ["G" + ID], "学籍状态": ["在读"]}).to_csv(
        tmp_path / "bom.csv", index=False, encoding="utf-8-sig"
    )
    wb = Workbook()
    wb.active.append(["内黄县脱贫户及监测户家庭成员信息表"])
    wb.active.append(["导出日期：2026-01-15"])
    wb.active.append(["户编号", "成员姓名", "证件号码", "户类型"])
    wb.active.append(["9", "李四", ID, "脱贫户"])
    wb.save(tmp_path / "poverty.xlsx")
    assert peer.read_table(tmp_path / "gbk.csv").to_dict("records") == [
        {"household_no": "1", "name": "张三", "id_text": ID}
    ]
    assert peer.read_table(tmp_path / "bom.csv").to_dict("records") == [{"student_no": "G" + ID, "status": "在读"}]
    assert peer.read_table(tmp_path / "poverty.xlsx").to_dict("records") == [
        {"household_no": "9", "name": "李四", "id_text": ID, "household_type": "脱贫户"}
    ]
    with pytest.raises(ValueError, match="no header row"):
        peer.header_row([["a title"], ["x", "y"]])


def test_age_on_the_cutoff():
    birth = pd.Series(pd.to_datetime(["2019-08-31", "2019-09-01", "2009-09-01"]))
    assert peer.age_on(birth, pd.Timestamp("2025-08-31")).tolist() == [6, 5, 15]


def test_a_school_day_has_half_a_typical_days_records():
    dates = pd.Series(
        pd.to_datetime(["2025-09-01"] * 10 + ["2025-09-02"] * 9 + ["2025-09-06"] * 4 + ["2025-09-03"] * 10)
    )
    assert peer.school_days(dates).tolist() == list(pd.to_datetime(["2025-09-01", "2025-09-02", "2025-09-03"]))


def _attendance(rows: dict[str, str]) -> pd.DataFrame:
    """One student per key, a string of days: P present, L leave, U unexcused, - no record."""
    days = pd.bdate_range("2025-09-01", periods=len(next(iter(rows.values()))))
    kinds = {"P": "present", "L": "leave", "U": "unexcused"}
    records = [(student, days[i], kinds[c]) for student, line in rows.items() for i, c in enumerate(line) if c != "-"]
    return pd.DataFrame(records, columns=["student_no", "date", "kind"]), days


def test_streaks_in_school_days_leave_neither_extends_nor_breaks():
    att, days = _attendance(
        {
            "s1": "PPPUUUUU",  # 5 unexcused since the last present day
            "s2": "UUUPULUU",  # the days before the present one do not count; the leave is passed over
            "s3": "PPP-----",  # no record in the last five school days
            "s4": "UUUUUUUU",  # never present
        }
    )
    got = peer.streaks(att, days)
    assert got.loc["s1"].tolist() == [days[2], 5, 5]
    assert got.loc["s2"].tolist() == [days[3], 3, 5]
    assert got.loc["s3"].tolist() == [days[2], 0, 0]
    assert pd.isna(got.at["s4", "last_present"]) and got.at["s4", "streak"] == 8
    stages = peer.stage(got["streak"], got["recent_days"])
    assert stages.to_dict() == {
        "s1": "suspected_dropout",
        "s2": "absent_3d",
        "s3": "not_on_roster",
        "s4": "suspected_dropout",
    }
    few = peer.stage(pd.Series([2, 14, 15]), pd.Series([5, 5, 5]))
    assert pd.isna(few[0]) and few[1:].tolist() == ["suspected_dropout", "dropout"]


def _id(area_birth: str, seq: str) -> str:
    return area_birth + seq + idnumber.check_char(area_birth + seq)


def test_the_three_comparisons_on_a_tiny_county(tmp_path):
    """Planted: a child never enrolled (poor), one whose last status is 转出, one with a J number
    matched by name (spaced), one in school, one too old to count; a 在读 student with a 5-day
    streak (poor), one off the roster, one whose absences a later delivery turned into leave."""
    never, moved, by_name, fine = (_id("41052720150101", s) for s in ("001", "002", "003", "004"))
    old = _id("41052720080101", "006")
    streak, gone, corrected = (_id("41052720140101", s) for s in ("007", "008", "009"))
    children = [never, moved, by_name, fine, old, streak, gone, corrected]
    raw = tmp_path / "raw"
    for sub in ("household", "student_status", "attendance", "poverty"):
        (raw / sub).mkdir(parents=True)
    pd.DataFrame(
        {
            "户号": [f"{i}" for i in range(len(children))],
            "姓名": [f"孩子{i}" for i in range(len(children))],
            "性别": ["男"] * len(children),
            "身份证号": [c.lower() for c in children],
            "人员状态": ["正常"] * len(children),
        }
    ).to_csv(raw / "household" / "户籍_20251115.csv", index=False, encoding="gbk")
    status = pd.DataFrame(
        {
            "全国学籍号": ["G" + moved, "J" + by_name, "G" + fine, "G" + streak, "G" + gone, "G" + corrected],
            "姓名": ["孩子1", "孩子 2", "孩子3", "孩子5", "孩子6", "孩子7"],
            "性别": ["男"] * 6,
            "出生日期": ["2015-01-01", "2015/1/1", "20150101", "2014-01-01", "2014-01-01", "2014-01-01"],
            "身份证件号": ["", "", fine, streak, gone, corrected],
            "年级": ["五年级", "5", "15", "六年级", "六年级", "16"],
            "学籍状态": ["在读"] * 6,
        }
    )
    status.to_csv(raw / "student_status" / "学籍_20251015.csv", index=False, encoding="utf-8-sig")
    status.assign(学籍状态=["转出", "在读", "在读", "在读", "在读", "在读"]).to_csv(
        raw / "student_status" / "学籍_20251115.csv", index=False, encoding="utf-8-sig"
    )
    days = pd.bdate_range("2025-11-03", periods=10)
    lines = {fine: "P" * 10, streak: "PPPPPUUUUU", gone: "PPPP------", corrected: "PPPPPUUUUU", "J" + by_name: "P" * 10}
    rows = [
        (d.strftime("%Y%m%d"), "G" + s if not s.startswith("J") else s, {"P": "出勤", "U": "旷课"}[c])
        for s, line in lines.items()
        for d, c in zip(days, line, strict=True)
        if c != "-"
    ]
    pd.DataFrame(rows, columns=["日期", "全国学籍号", "状态"]).to_csv(
        raw / "attendance" / "考勤_202511.csv", index=False
    )
    correction = raw / "attendance" / "更正考勤_202511.csv"  # sorts first, delivered last
    pd.DataFrame(
        {"考勤日期": [d.date().isoformat() for d in days[5:]], "全国学籍号": "G" + corrected, "考勤状态": "病假"}
    ).to_csv(correction, index=False)
    later = (raw / "attendance" / "考勤_202511.csv").stat().st_mtime_ns + 10**9
    os.utime(correction, ns=(later, later))
    wb = Workbook()
    wb.active.append(["脱贫户监测户"])
    wb.active.append(["户编号", "成员姓名", "证件号码", "户类型", "监测对象类型"])
    wb.active.append(["0", "孩子0", never, "脱贫户", None])
    wb.active.append(["5", "孩子5", streak, "监测户", "突发严重困难户"])
    wb.active.append(["4", "孩子4", old, "一般农户", None])
    wb.save(raw / "poverty" / "脱贫户监测户_20251115.xlsx")

    got = peer.compare(raw)
    assert got["out_of_school"].to_dict("records") == [
        {"id_number": never, "category": "never_enrolled"},
        {"id_number": moved, "category": "transferred_out"},
    ]
    assert got["dropout_watch"].to_dict("records") == [
        {"id_number": streak, "student_no": "G" + streak, "stage": "suspected_dropout", "unexcused_streak_days": 5},
        {"id_number": gone, "student_no": "G" + gone, "stage": "not_on_roster", "unexcused_streak_days": 0},
    ]
    assert got["poverty_dropouts"][["id_number", "source", "detail", "poverty_type"]].to_dict("records") == [
        {
            "id_number": streak,
            "source": "dropout_watch",
            "detail": "suspected_dropout",
            "poverty_type": "突发严重困难户",
        },
        {"id_number": never, "source": "out_of_school", "detail": "never_enrolled", "poverty_type": "脱贫户"},
    ]
    assert peer.counts(got) == {
        "out_of_school": 2,
        "dropout_watch.absent_3d": 0,
        "dropout_watch.suspected_dropout": 1,
        "dropout_watch.dropout": 0,
        "dropout_watch.not_on_roster": 1,
        "poverty_dropouts": 2,
    }
