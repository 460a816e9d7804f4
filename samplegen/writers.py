"""Render a synthetic county into the contract's raw extracts, and its truth files."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from openpyxl import Workbook

from samplegen import calendar, idnumber
from samplegen.world import (
    ATTENDANCE_P,
    ATTENDANCE_VALUES,
    EV_DEATH,
    EV_LEFT,
    EV_SUSPEND,
    EV_TRANSFER,
    LEAVE_END,
    PERSONAL,
    PRESENT,
    SICK,
    STREAK_PLANTS,
    UNEXCUSED,
    World,
    enrolled_days,
)

SYNTHETIC_NOTE = "合成样例数据：本目录中的全部人员、身份证号和学校均为程序随机生成，与真实人员无关。"
GRADE_NAMES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三")
GRADE_CODES = ("11", "12", "13", "14", "15", "16", "21", "22", "23")
LEAVE_REASONS = {3: "发烧", 4: "家中有事"}


def _ymd(d) -> str:
    return str(np.datetime64(d, "D")).replace("-", "")


def write_all(world: World, raw: Path, truth: Path, progress=print) -> dict[str, int]:
    rng = np.random.default_rng(world.params.seed + 1)
    for sub in ("household", "student_status", "attendance", "poverty", "reference"):
        (raw / sub).mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    (raw / "说明_合成样例数据.txt").write_text(SYNTHETIC_NOTE + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    quarantine: list[dict] = []
    counts["reference"] = _write_reference(world, raw / "reference")
    progress(f"  reference: {len(world.schools)} schools, {len(world.townships)} townships")
    counts["household"] = _write_household(world, raw / "household", rng, quarantine)
    progress(f"  household register: {counts['household']:,} rows (GBK CSV)")
    counts["student_status"] = _write_status(world, raw / "student_status", rng)
    progress(f"  student status: {counts['student_status']:,} rows in {len(world.snapshots)} snapshots")
    counts["poverty"] = _write_poverty(world, raw / "poverty", rng)
    progress(f"  poverty households: {counts['poverty']:,} member rows (xlsx with a title row)")
    counts["attendance"] = _write_attendance(world, raw / "attendance", rng, progress)
    progress(f"  attendance: {counts['attendance']:,} rows")
    _write_truth(world, truth, quarantine, counts)
    return counts


def _write_reference(world: World, folder: Path) -> int:
    s = world.schools
    pd.DataFrame(
        {
            "学校标识码": s["code"],
            "学校名称": s["name"],
            "学段": s["stage"],
            "乡镇": s["town_code"],
            "城乡类型": s["urban_rural"],
            "隶属关系": s["governed_by"],
        }
    ).to_csv(folder / "schools.csv", index=False, encoding="utf-8")
    _write_enrollment_history(world, folder)
    t = world.townships
    pd.DataFrame(
        {
            "乡镇代码": t["code"],
            "乡镇名称": t["name"],
            "城乡类型": t["kind"],
            "是否流动人口集中": t["migrant_heavy"],
        }
    ).to_csv(folder / "townships.csv", index=False, encoding="utf-8")
    rows = len(s) + len(t)
    # the county's school calendar, one file per school year, as its 校历 lists it
    first, last = calendar.school_year(world.params.start), calendar.school_year(world.params.end)
    for year in range(first, last + 1):
        lines = calendar.calendar_rows(year)
        pd.DataFrame(lines, columns=["类型", "开始日期", "结束日期", "名称"]).to_csv(
            folder / f"校历_{year}-{year + 1}学年.csv", index=False, encoding="utf-8-sig"
        )
        rows += len(lines)
    if world.renamed_township:
        former, town, _ = world.renamed_township
        pd.DataFrame({"曾用名": [former], "乡镇代码": [t.at[town, "code"]]}).to_csv(
            folder / "township_aliases.csv", index=False, encoding="utf-8"
        )
        rows += 1
    return rows


def _write_enrollment_history(world: World, folder: Path) -> None:
    """Past rolls per school and grade for the eight school years before the range: the
    cohorts as generated, plus about 1% who dropped out before the range began."""
    p = world.people[world.people["student"]]
    y0 = calendar.school_year(world.params.start)
    rows = []
    for year in range(y0 - 8, y0):
        grade = year - p["cohort"] + 1
        in_school = grade.between(1, 9)
        school = np.where(grade <= 6, p["primary_school"], p["junior_school"])[in_school]
        counts = pd.DataFrame({"school": school, "grade": grade[in_school]}).value_counts()
        for (sch, g), n in counts.items():
            rows.append((year, world.schools["code"].iloc[sch], int(g), round(n * 1.01)))
    pd.DataFrame(rows, columns=["学年", "学校标识码", "年级", "在校生数"]).to_csv(
        folder / "enrollment_history.csv", index=False, encoding="utf-8"
    )


def _village_names(world: World) -> np.ndarray:
    from samplegen import names

    rng = np.random.default_rng(world.params.seed + 2)
    chars = np.array(list(names.VILLAGE_CHARS))
    a = chars[rng.integers(0, len(chars), 30)]
    b = chars[rng.integers(0, len(chars), 30)]
    return np.char.add(np.char.add(a, b), rng.choice(names.VILLAGE_SUFFIXES, 30))


def _dirty(ids: pd.Series, rng, full_width: float, lower_x: float) -> pd.Series:
    out = ids.copy()
    fw = rng.random(len(out)) < full_width
    out[fw] = out[fw].map(idnumber.to_full_width)
    lx = (rng.random(len(out)) < lower_x) & out.str.endswith("X")
    out[lx] = out[lx].str[:-1] + "x"
    return out


def _write_household(world: World, folder: Path, rng, quarantine: list[dict]) -> int:
    p = world.people
    reg = p[p["in_register"]].sort_values(["household", "birth"], kind="stable")
    plant_people = set(world.plants["person"]) if len(world.plants) else set()
    towns = world.townships
    town_name = towns["name"].to_numpy()[reg["town"]]
    town_code = towns["code"].to_numpy()[reg["town"]]
    ids = _dirty(reg["id_number"], rng, full_width=0.01, lower_x=0.5)
    adults = reg["role"].isin(["户主", "配偶"]).to_numpy()
    born_1900s = reg["id_number"].str[6:8].eq("19").to_numpy()
    old = adults & born_1900s & (rng.random(len(reg)) < 0.3)
    ids[old] = reg["id_number"][old].map(idnumber.to_old_15)
    spaced = rng.random(len(reg)) < 0.005
    ids[spaced] = ids[spaced].str[:6] + " " + ids[spaced].str[6:]
    bad = reg["student"].to_numpy() & ~reg.index.isin(plant_people) & (rng.random(len(reg)) < 0.002) & ~old
    ids[bad] = reg["id_number"][bad].map(idnumber.with_wrong_check)
    mangled = _excel_mangled(reg, ids, adults & ~old & ~spaced & ~bad)
    township = np.where(rng.random(len(reg)) < 0.03, town_code, town_name)
    if world.renamed_township:
        former, town, village = world.renamed_township
        township = np.where((reg["town"] == town).to_numpy() & (reg["village"] == village).to_numpy(), former, township)
    birth = pd.to_datetime(reg["birth"])
    df = pd.DataFrame(
        {
            "户号": reg["household_no"],
            "姓名": reg["name"],
            "性别": np.where(reg["male"], "男", "女"),
            "身份证号": ids,
            "出生日期": birth.dt.year.astype(str) + "/" + birth.dt.month.astype(str) + "/" + birth.dt.day.astype(str),
            "与户主关系": reg["role"],
            "乡镇(街道)": township,
            "村(社区)": _village_names(world)[reg["village"]],
            "人员状态": reg["person_status"],
        }
    )
    name = f"户籍_{world.snapshots[-1].strftime('%Y%m%d')}.csv"
    df.to_csv(folder / name, index=False, encoding="gbk")
    problems = [(pos, "bad_check_digit") for pos in np.nonzero(bad)[0]] + mangled
    for pos, reason in sorted(problems):
        quarantine.append(
            {
                "source": "household",
                "file": name,
                "row": int(pos) + 2,
                "column": "身份证号",
                "value": ids.iloc[pos],
                "reason": reason,
            }
        )
    return len(df)


def _excel_mangled(reg: pd.DataFrame, ids: pd.Series, eligible: np.ndarray) -> list[tuple[int, str]]:
    """Two household heads' ID numbers as Excel leaves them after treating them as numbers: shown
    as 4.10527E+17, or kept with the digits after the 15th zeroed (which breaks the check digit;
    a number whose check digit would survive is passed over). Returns (position, reason)."""
    out: list[tuple[int, str]] = []
    for pos in np.nonzero(eligible & (reg["role"] == "户主").to_numpy())[0]:
        number = reg["id_number"].iloc[pos]
        if not number.isdigit() or ids.iloc[pos] != number:
            continue
        if not out:
            ids.iloc[pos] = f"{int(number) / 1e17:.5f}E+17"
            out.append((int(pos), "bad_format"))
        elif not idnumber.is_valid(number[:15] + "000"):
            ids.iloc[pos] = number[:15] + "000"
            out.append((int(pos), "bad_check_digit"))
            break
    return out


def _status_frame(world: World, snap: date, use_codes: bool, rng) -> pd.DataFrame:
    p = world.people
    y = calendar.school_year(snap)
    grade = y - p["cohort"] + 1
    event_date = np.where(
        p["event_day"] < len(world.days),
        world.days[np.minimum(p["event_day"], len(world.days) - 1)],
        np.datetime64("2999-12-31"),
    )
    after = np.datetime64(snap) > event_date
    keep = p["student"] & grade.between(1, 10) & ~(after & (p["event"] == EV_LEFT))
    s = p[keep]
    g = grade[keep].clip(upper=9).to_numpy()
    after = after[keep.to_numpy()]
    status = np.where(grade[keep] == 10, "毕业", "在读")
    status = np.where(after & (s["event"] == EV_TRANSFER), "转出", status)
    status = np.where(after & (s["event"] == EV_SUSPEND), "休学", status)
    status = np.where(after & (s["event"] == EV_DEATH), "死亡", status)
    school = np.where(g <= 6, s["primary_school"], s["junior_school"])
    sch = world.schools
    towns = world.townships
    hukou = np.where(s["in_register"], towns["code"].to_numpy()[s["town"]] + "000", s["migrant_area"])
    frame = pd.DataFrame(
        {
            "全国学籍号": s["student_no"],
            "姓名": s["status_name"],
            "性别": np.where(s["male"], "男", "女"),
            "出生日期": np.datetime_as_string(s["birth"].to_numpy().astype("datetime64[D]")),
            "身份证件号": _dirty(s["status_id"], rng, full_width=0.0, lower_x=0.2),
            "学校标识码": sch["code"].to_numpy()[school],
            "学校名称": sch["name"].to_numpy()[school],
            "年级": np.array(GRADE_CODES if use_codes else GRADE_NAMES)[g - 1],
            "班级": (s["id_number"].str[-3:-1].astype(int) % 4 + 1).astype(str) + "班",
            "学籍状态": status,
            "户口所在地行政区划": hukou,
            "是否留守儿童": s["left_behind"],
            "是否进城务工人员随迁子女": np.where(s["in_register"], "否", "是"),
            "残疾类型": s["disability"],
            "随班就读": s["inclusive"],
            "是否孤儿": s["orphan"],
            "特殊群体": s["special"],
        }
    )
    if snap != world.snapshots[-1]:
        return frame
    # the latest snapshot: a G student's ID number cell as Excel leaves it, and children also
    # registered at a second school with a J number and no ID number
    if world.mangled_status_id in s.index:
        pos = s.index.get_loc(world.mangled_status_id)
        frame.iloc[pos, frame.columns.get_loc("身份证件号")] = (
            f"{int(s['id_number'].iloc[pos][:17] + '0') / 1e17:.5f}E+17"
        )
    twins = []
    for person, other in world.duplicate_registrations.items():
        if person in s.index:
            row = frame.iloc[s.index.get_loc(person)].copy()
            row["全国学籍号"] = "J" + p.at[person, "id_number"][:17] + "2"
            row["身份证件号"] = ""
            row["学校标识码"], row["学校名称"] = sch["code"].iloc[other], sch["name"].iloc[other]
            twins.append(row)
    return pd.concat([frame, pd.DataFrame(twins)], ignore_index=True) if twins else frame


def _write_status(world: World, folder: Path, rng) -> int:
    total = 0
    for k, snap in enumerate(world.snapshots):
        df = _status_frame(world, snap, use_codes=(k == 1), rng=rng)
        path = folder / f"学籍_{snap.strftime('%Y%m%d')}.csv"
        df.to_csv(path, index=False, encoding="utf-8-sig")
        total += len(df)
    return total


def _write_poverty(world: World, folder: Path, rng) -> int:
    p = world.people
    members = p[(p["poverty_type"] != "") & p["in_register"]].sort_values(["household", "birth"], kind="stable")
    ids = _dirty(members["id_number"], rng, full_width=0.03, lower_x=0.5)
    towns = world.townships
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("脱贫户监测户")
    ws.append([f"{world.county_name}脱贫户及监测户家庭成员信息表（合成样例数据）"])
    ws.append([f"导出日期：{world.snapshots[-1].isoformat()}"])
    ws.append(
        [
            "户编号",
            "成员姓名",
            "证件号码",
            "与户主关系",
            "乡(镇)",
            "行政村",
            "户类型",
            "监测对象类型",
            "风险是否消除",
        ]
    )
    villages = _village_names(world)
    for row in zip(
        members["household_no"],
        members["name"],
        ids,
        members["role"],
        towns["name"].to_numpy()[members["town"]],
        villages[members["village"]],
        members["poverty_type"],
        members["monitor_type"],
        members["risk_cleared"],
        strict=True,
    ):
        ws.append(list(row))
    wb.save(folder / f"脱贫户监测户_{world.snapshots[-1].strftime('%Y%m%d')}.xlsx")
    return len(members)


def _attendance_codes(world: World, idx: np.ndarray, rng) -> np.ndarray:
    """Codes (students × school days) for the people ``idx``: mostly present, isolated
    unexcused days, and the planted tails and streaks."""
    n_days = len(world.days)
    cum = np.cumsum(ATTENDANCE_P)
    codes = np.searchsorted(cum, rng.random((len(idx), n_days), dtype=np.float32)).astype(np.uint8)
    codes = np.minimum(codes, UNEXCUSED)
    # Key groups have more unexcused days (world.GROUP_ABSENCE_P).
    extra = world.people["absence_p"].to_numpy(np.float32)[idx]
    codes[rng.random(codes.shape, dtype=np.float32) < extra[:, None]] = UNEXCUSED
    # Background unexcused days stand alone between two present days.
    prev = np.pad(codes[:, :-1], ((0, 0), (1, 0)), constant_values=255)
    nxt = np.pad(codes[:, 1:], ((0, 0), (0, 1)), constant_values=255)
    lone = (prev == PRESENT) & (nxt == PRESENT)
    codes[(codes == UNEXCUSED) & ~lone] = PRESENT
    # Background leaves last at most two school days in a row (longer ones are planted).
    leave = (codes == SICK) | (codes == PERSONAL)
    third = leave & np.pad(leave[:, :-1], ((0, 0), (1, 0))) & np.pad(leave[:, :-2], ((0, 0), (2, 0)))
    codes[third] = PRESENT
    pos = {int(person): row for row, person in enumerate(idx)}
    att_end = world.people["att_end"].to_numpy()
    for r, person in enumerate(idx):
        e = att_end[person]
        if 0 < e < n_days:
            codes[r, max(e - 2, 0) : e] = PRESENT
    for person, pattern in world.patterns.items():
        if person in pos:
            r = pos[person]
            codes[r, n_days - len(pattern) - 2 : n_days - len(pattern)] = PRESENT
            codes[r, n_days - len(pattern) :] = pattern
    for person, (end, pattern) in world.mid_patterns.items():
        if person in pos:
            r = pos[person]
            codes[r, end - len(pattern) - 1 : end + 3] = PRESENT
            codes[r, end - len(pattern) : end] = pattern
    for person, lead_up in world.lead_ups.items():
        if person in pos:
            r = pos[person]
            codes[r, lead_up - 1] = PRESENT
            codes[r, lead_up + 1] = PRESENT
            codes[r, lead_up] = UNEXCUSED
    for person, (first, length) in world.corrections.items():
        if person in pos:
            codes[pos[person], first : first + length] = PRESENT  # the truth; the monthly file says 旷课
    return codes


def _write_attendance(world: World, folder: Path, rng, progress) -> int:
    p = world.people
    days = world.days
    n_days = len(days)
    start, end = enrolled_days(world)
    students = np.nonzero(p["student"].to_numpy() & (start < end))[0]
    months = days.astype("datetime64[M]")
    month_list = np.unique(months)
    years = np.array([calendar.school_year(d.astype(object)) for d in days])
    school_codes = world.schools["code"].to_numpy()
    values = pa.array(ATTENDANCE_VALUES)
    reasons = pa.array(["", "", "", LEAVE_REASONS[3], LEAVE_REASONS[4], ""])
    writers, schemas = {}, {}
    total = 0
    alias_month = month_list[min(1, len(month_list) - 1)]
    for m in month_list:
        alias = m == alias_month
        header = [
            "日期" if alias else "考勤日期",
            "学校标识码",
            "全国学籍号",
            "状态" if alias else "考勤状态",
            "原因" if alias else "缺勤原因",
        ]
        path = folder / f"考勤_{str(m).replace('-', '')}.csv"
        schema = pa.schema([(h, pa.string()) for h in header])
        schemas[m] = schema
        writers[m] = pacsv.CSVWriter(path, schema)
    date_text = np.where(
        months == alias_month,
        np.char.replace(np.datetime_as_string(days), "-", ""),
        np.datetime_as_string(days),
    )
    wrong_from, wrong_to = np.full(len(p), -1), np.full(len(p), -1)
    for person, (first, length) in world.corrections.items():
        wrong_from[person], wrong_to[person] = first, first + length
    corrected = []  # (date text, school, student number, code) of the correction file
    chunk = 50_000
    for c0 in range(0, len(students), chunk):
        idx = students[c0 : c0 + chunk]
        codes = _attendance_codes(world, idx, rng)
        day_i = np.arange(n_days)
        on = (day_i[None, :] >= start[idx][:, None]) & (day_i[None, :] < end[idx][:, None])
        cohort = p["cohort"].to_numpy()[idx]
        primary = p["primary_school"].to_numpy()[idx]
        junior = p["junior_school"].to_numpy()[idx]
        for m in month_list:
            cols = np.nonzero(months == m)[0]
            d_idx, s_idx = np.nonzero(on[:, cols].T)
            day = cols[d_idx]
            grade = years[day] - cohort[s_idx] + 1
            school = np.where(grade <= 6, primary[s_idx], junior[s_idx])
            code = codes[s_idx, day]
            person = idx[s_idx]
            wrong = (day >= wrong_from[person]) & (day < wrong_to[person])
            if wrong.any():
                corrected += zip(
                    np.datetime_as_string(days[day[wrong]]),
                    school_codes[school[wrong]],
                    p["student_no"].to_numpy()[person[wrong]],
                    code[wrong],
                    strict=True,
                )
                code = np.where(wrong, UNEXCUSED, code).astype(code.dtype)
            table = pa.table(
                [
                    pa.array(date_text[day]),
                    pa.array(school_codes[school]),
                    pa.array(p["student_no"].to_numpy()[idx][s_idx]),
                    values.take(pa.array(code)),
                    reasons.take(pa.array(code)),
                ],
                schema=schemas[m],
            )
            writers[m].write_table(table)
            total += len(table)
        progress(f"  attendance: {min(c0 + chunk, len(students)):,}/{len(students):,} students")
    total += _write_off_calendar(world, writers, schemas, alias_month)
    for w in writers.values():
        w.close()
    # One month is delivered twice: the school re-sent the October file.
    resent = folder / f"考勤_{str(alias_month).replace('-', '')}.csv"
    shutil.copyfile(resent, folder / f"考勤_{str(alias_month).replace('-', '')}_重报.csv")
    if corrected:
        total += _write_correction(folder, corrected)
    return total


def _write_off_calendar(world: World, writers: dict, schemas: dict, alias_month) -> int:
    """The rows of the off-calendar plants, all present, into their month's file."""
    p = world.people
    school_codes = world.schools["code"].to_numpy()
    rows = 0
    for day, persons, _plant in world.off_calendar:
        month = np.datetime64(day, "M")
        if month not in writers or not len(persons):
            continue
        text = day.strftime("%Y%m%d") if month == alias_month else day.isoformat()
        grade = calendar.school_year(day) - p["cohort"].to_numpy()[persons] + 1
        school = np.where(grade <= 6, p["primary_school"].to_numpy()[persons], p["junior_school"].to_numpy()[persons])
        table = pa.table(
            [
                pa.array([text] * len(persons)),
                pa.array(school_codes[school]),
                pa.array(p["student_no"].to_numpy()[persons]),
                pa.array([ATTENDANCE_VALUES[PRESENT]] * len(persons)),
                pa.array([""] * len(persons)),
            ],
            schema=schemas[month],
        )
        writers[month].write_table(table)
        rows += len(table)
    return rows


def _write_correction(folder: Path, corrected: list[tuple]) -> int:
    """A school's correction of wrongly recorded absences, delivered after every monthly file
    (its modification time is set so) under a name that sorts before them: 更正考勤_YYYYMM.csv."""
    first = min(d for d, *_ in corrected)
    path = folder / f"更正考勤_{first[:7].replace('-', '')}.csv"
    pd.DataFrame(
        [(d, school, no, ATTENDANCE_VALUES[c], "") for d, school, no, c in sorted(corrected)],
        columns=["考勤日期", "学校标识码", "全国学籍号", "考勤状态", "缺勤原因"],
    ).to_csv(path, index=False, encoding="utf-8-sig")
    latest = max(f.stat().st_mtime_ns for f in folder.glob("*.csv") if f != path)
    os.utime(path, ns=(latest + 1_000_000_000, latest + 1_000_000_000))
    return len(corrected)


def _write_truth(world: World, truth: Path, quarantine: list[dict], counts: dict[str, int]) -> None:
    p = world.people
    plants = world.plants.merge(p, left_on="person", right_index=True)
    towns = world.townships["code"].to_numpy()
    plants["township_code"] = towns[plants["town"]]
    plants["is_poverty_household"] = plants["poverty_type"].isin(["脱贫户", "监测户"])
    days = world.days
    n_days = len(days)
    last_school = p["primary_school"].where(
        calendar.school_year(days[-1].astype(object)) - p["cohort"] + 1 <= 6, p["junior_school"]
    )
    plants["school_code"] = world.schools["code"].to_numpy()[last_school[plants["person"]].clip(0)]
    plants["grade"] = calendar.school_year(days[-1].astype(object)) - plants["cohort"] + 1
    plants[
        [
            "person",
            "plant",
            "id_number",
            "student_no",
            "township_code",
            "poverty_type",
            "is_poverty_household",
        ]
    ].to_csv(truth / "plants.csv", index=False)

    # Registered children still of compulsory age at the end, by how they were planted (a child
    # whose status record cannot be matched, ambiguous, counts as never enrolled).
    oos = plants[plants["plant"].isin(OUT_OF_SCHOOL_PLANTS) & plants["in_register"]]
    oos = oos.assign(category=oos["plant"].map(OUT_OF_SCHOOL_PLANTS))
    oos[["id_number", "township_code", "category", "is_poverty_household"]].sort_values("id_number").to_csv(
        truth / "out_of_school.csv", index=False
    )

    watch = []
    for _, r in plants.iterrows():
        tail = world.patterns.get(int(r["person"]))
        stage = _stage(tail.count(UNEXCUSED)) if tail else None
        if stage:
            streak = tail.count(UNEXCUSED)
            last_present = days[n_days - len(tail) - 1]
        elif r["plant"] == "not_on_roster":
            stage, streak = "not_on_roster", 0
            last_present = days[r["att_end"] - 1] if r["att_end"] > 0 else None
        else:
            continue
        watch.append(
            {
                "id_number": r["id_number"],
                "student_no": r["student_no"],
                "school_code": r["school_code"],
                "grade": r["grade"],
                "stage": stage,
                "unexcused_streak_days": streak,
                "last_present_date": None if last_present is None else str(last_present),
                "is_poverty_household": r["is_poverty_household"],
            }
        )
    watch = pd.DataFrame(watch).sort_values("id_number")
    watch.to_csv(truth / "dropout_watch.csv", index=False)
    _write_poverty_truth(plants, oos, watch, truth)
    _write_leave_truth(world, plants, truth)
    _write_identity_truth(world, plants, truth)
    _write_calendar_truth(world, truth)
    _write_case_truth(world, plants, truth)
    _write_handover_truth(world, truth)
    pd.DataFrame(quarantine, columns=["source", "file", "row", "column", "value", "reason"]).to_csv(
        truth / "quarantine.csv", index=False
    )
    manifest = {
        "note": SYNTHETIC_NOTE,
        "county_code": world.params.county_code,
        "students": world.params.students,
        "start": world.params.start.isoformat(),
        "end": world.params.end.isoformat(),
        "seed": world.params.seed,
        "as_of": str(days[-1]),
        "rows": counts,
        "planted": plants["plant"].value_counts().sort_index().to_dict(),
    }
    (truth / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def _poverty_type(rows: pd.DataFrame) -> pd.Series:
    return rows["poverty_type"].where(rows["poverty_type"] == "脱贫户", rows["monitor_type"])


def _write_poverty_truth(plants: pd.DataFrame, oos: pd.DataFrame, watch: pd.DataFrame, truth: Path) -> None:
    poor = plants[plants["is_poverty_household"]].set_index("id_number")
    from_oos = oos[oos["is_poverty_household"]].assign(source="out_of_school", detail=lambda d: d["category"])
    serious = watch[
        watch["is_poverty_household"] & watch["stage"].isin(["not_on_roster", "suspected_dropout", "dropout"])
    ]
    from_watch = serious.assign(source="dropout_watch", detail=lambda d: d["stage"])
    both = pd.concat([from_oos[["id_number", "source", "detail"]], from_watch[["id_number", "source", "detail"]]])
    both["poverty_type"] = _poverty_type(poor.loc[both["id_number"]]).to_numpy()
    both["household_no"] = poor.loc[both["id_number"], "household_no"].to_numpy()
    both.sort_values("id_number").to_csv(truth / "poverty_dropouts.csv", index=False)


def _write_leave_truth(world: World, plants: pd.DataFrame, truth: Path) -> None:
    days = world.days
    rows = []
    for _, r in plants.iterrows():
        if r["plant"].startswith("leave_"):
            n = int(r["plant"].split("_")[1])
            start = days[len(days) - LEAVE_END - n]
        elif r["plant"] == "long_leave":
            n = len(STREAK_PLANTS["long_leave"][0])
            start = days[len(days) - n]
        else:
            continue
        if n <= 3:
            continue
        level = ("county" if n > 7 else "township") if r["is_poverty_household"] else "principal"
        rows.append({"id_number": r["id_number"], "start_date": str(start), "days": n, "filing_level": level})
    pd.DataFrame(rows).sort_values(["id_number", "start_date"]).to_csv(truth / "leave_filings.csv", index=False)


IDENTITY_PLANTS = {
    "id_by_name": "name_birth_gender",
    "id_by_normalised_name": "name_birth_gender_normalised",
    "id_ambiguous": "ambiguous",
}


def _write_identity_truth(world: World, plants: pd.DataFrame, truth: Path) -> None:
    """How each record without an ID number is identified (the second registrations of
    duplicate_registration are matched by name too, then left out: duplicate_registrations.csv)."""
    ident = plants[plants["plant"].isin(IDENTITY_PLANTS)]
    twins = plants[plants["plant"] == "duplicate_registration"]
    twin_numbers = "J" + twins["id_number"].str[:17] + "2"
    out = pd.DataFrame(
        {
            "student_no": [*ident["student_no"], *twin_numbers],
            "id_number": [*ident["id_number"], *twins["id_number"]],
            "expected": [*ident["plant"].map(IDENTITY_PLANTS), *["name_birth_gender"] * len(twins)],
        }
    )
    out.sort_values("student_no").to_csv(truth / "identity.csv", index=False)
    pd.DataFrame(
        {
            "record_key": twin_numbers,
            "related_key": twins["student_no"],
            "school_code": world.schools["code"].to_numpy()[
                [world.duplicate_registrations[p] for p in twins["person"]]
            ],
        }
    ).sort_values("record_key").to_csv(truth / "duplicate_registrations.csv", index=False)


def _write_calendar_truth(world: World, truth: Path) -> None:
    """Attendance on dates that are not school days, per school and date (off_calendar.csv),
    and the absences a later correction puts right (corrections.csv)."""
    p = world.people
    rows = []
    for day, persons, _plant in world.off_calendar:
        grade = calendar.school_year(day) - p["cohort"].to_numpy()[persons] + 1
        school = np.where(grade <= 6, p["primary_school"].to_numpy()[persons], p["junior_school"].to_numpy()[persons])
        kind = calendar.public_holidays().get(day, ("", ""))[0]
        frame = pd.DataFrame({"school": world.schools["code"].to_numpy()[school], "grade": grade})
        for code, group in frame.groupby("school"):
            rows.append(
                {
                    "attendance_date": day.isoformat(),
                    "school_code": code,
                    # the sample's calendar file lists every holiday in term as 放假
                    "reason": "county_holiday" if kind == "holiday" else "weekend",
                    "students": len(group),
                    "lowest_grade": int(group["grade"].min()),
                    "highest_grade": int(group["grade"].max()),
                }
            )
    columns = ["attendance_date", "school_code", "reason", "students", "lowest_grade", "highest_grade"]
    pd.DataFrame(rows, columns=columns).sort_values(["attendance_date", "school_code"]).to_csv(
        truth / "off_calendar.csv", index=False
    )
    corrections = [
        {
            "student_no": p.at[person, "student_no"],
            "attendance_date": str(world.days[k]),
            "recorded": "旷课",
            "corrected": "出勤",
        }
        for person, (first, length) in world.corrections.items()
        for k in range(first, first + length)
    ]
    pd.DataFrame(corrections, columns=["student_no", "attendance_date", "recorded", "corrected"]).sort_values(
        ["student_no", "attendance_date"]
    ).to_csv(truth / "corrections.csv", index=False)


OUT_OF_SCHOOL_PLANTS = {
    "never_enrolled": "never_enrolled",
    "id_ambiguous": "never_enrolled",
    "left_status": "left_status",
    "handover_missing": "left_status",
    "transferred_out": "transferred_out",
    "handover_transferred": "transferred_out",
    "case_transferred": "transferred_out",
}


def _stage(streak: int) -> str | None:
    """The dropout-watch stage of an unexcused streak (the domain's 3/5/15 school days)."""
    return "dropout" if streak >= 15 else "suspected_dropout" if streak >= 5 else "absent_3d" if streak >= 3 else None


def _nth_unexcused(pattern: list[int], n: int) -> int | None:
    hits = [i for i, c in enumerate(pattern) if c == UNEXCUSED]
    return hits[n - 1] if len(hits) >= n else None


def _streak_case(days: np.ndarray, start: int, pattern: list[int], closed: str | None, reason: str | None) -> dict:
    opened = _nth_unexcused(pattern, 5)
    escalated = _nth_unexcused(pattern, 15)
    return {
        "kind": "suspected_dropout",
        "trigger": "unexcused_absence",
        "opened_on": str(days[start + opened]),
        "escalated_on": None if escalated is None else str(days[start + escalated]),
        "closed_on": closed,
        "close_reason": reason,
    }


_CLOSE_REASONS = {"case_transferred": "transferred", "case_suspended": "suspended", "case_deceased": "deceased"}


def _write_case_truth(world: World, plants: pd.DataFrame, truth: Path) -> None:
    """Every case the ledger must rebuild from the history, from how each plant was made."""
    days, snaps = world.days, [d.isoformat() for d in world.snapshots]
    n = len(days)
    snap_years = [calendar.school_year(d) for d in world.snapshots]
    first_snap_next_year = next((s for s, y in zip(snaps, snap_years, strict=True) if y > snap_years[0]), None)
    rows = []
    for _, r in plants.iterrows():
        person, plant = int(r["person"]), r["plant"]
        cases = []
        if plant in STREAK_PLANTS and _nth_unexcused(STREAK_PLANTS[plant][0], 5) is not None:
            pattern = STREAK_PLANTS[plant][0]
            cases.append(_streak_case(days, n - len(pattern), pattern, None, None))
        if plant == "relapse":
            cases.append(_streak_case(days, n - 5, world.patterns[person], None, None))
        if plant in ("returned", "returned_after_escalation", "relapse", "midterm_dropout"):
            end, pattern = world.mid_patterns[person]
            cases.append(_streak_case(days, end - len(pattern), pattern, str(days[end]), "returned"))
        if plant in _CLOSE_REASONS:
            end, pattern = world.mid_patterns[person]
            closed = snaps[int(r["event_snapshot"])]
            cases.append(_streak_case(days, end - len(pattern), pattern, closed, _CLOSE_REASONS[plant]))
        if plant == "case_graduated":
            end, pattern = world.mid_patterns[person]
            cases.append(_streak_case(days, end - len(pattern), pattern, first_snap_next_year, "graduated"))
        if plant == "not_on_roster":
            gap_start = int(r["att_end"])
            escalated = gap_start + 14 if n - gap_start >= 15 else None
            cases.append(
                {
                    "kind": "suspected_dropout",
                    "trigger": "not_on_roster",
                    "opened_on": str(days[gap_start + 4]),
                    "escalated_on": None if escalated is None else str(days[escalated]),
                    "closed_on": None,
                    "close_reason": None,
                }
            )
        if plant in ("never_enrolled", "id_ambiguous", "over_age"):
            closed = (first_snap_next_year, "over_age") if plant == "over_age" else (None, None)
            cases.append(_oos_case("never_enrolled", snaps[0], *closed))
        if plant in ("left_status", "handover_missing"):
            cases.append(_oos_case("left_status", snaps[int(r["event_snapshot"])], None, None))
        for case in cases:
            rows.append({"id_number": r["id_number"], **case})
    columns = ["id_number", "kind", "trigger", "opened_on", "escalated_on", "closed_on", "close_reason"]
    pd.DataFrame(rows, columns=columns).sort_values(["id_number", "opened_on"]).to_csv(
        truth / "ledger_cases.csv", index=False
    )


def _oos_case(trigger: str, opened: str, closed: str | None, reason: str | None) -> dict:
    return {
        "kind": "out_of_school",
        "trigger": trigger,
        "opened_on": opened,
        "escalated_on": None,
        "closed_on": closed,
        "close_reason": reason,
    }


def _write_handover_truth(world: World, truth: Path) -> None:
    """Grade-6 students (在读) of the previous school year's last snapshot, and what became of
    them in this school year's registry, read off the rendered snapshots."""
    rng = np.random.default_rng(0)
    years = [calendar.school_year(d) for d in world.snapshots]
    this_year = years[-1]
    previous = [d for d, y in zip(world.snapshots, years, strict=True) if y == this_year - 1]
    rows = []
    if previous:
        last = _status_frame(world, previous[-1], use_codes=False, rng=rng)
        sixth = last[(last["年级"] == GRADE_NAMES[5]) & (last["学籍状态"] == "在读")]["全国学籍号"]
        now = pd.concat(
            _status_frame(world, d, use_codes=False, rng=rng)
            for d, y in zip(world.snapshots, years, strict=True)
            if y == this_year
        )
        registered = set(now[(now["年级"] == GRADE_NAMES[6]) & now["学籍状态"].isin(["在读", "休学"])]["全国学籍号"])
        transferred = set(now[now["学籍状态"] == "转出"]["全国学籍号"])
        for no in sixth:
            outcome = "registered_grade_7" if no in registered else "transferred" if no in transferred else "missing"
            rows.append({"student_no": no, "outcome": outcome})
    pd.DataFrame(rows, columns=["student_no", "outcome"]).sort_values("student_no").to_csv(
        truth / "handover_6_to_7.csv", index=False
    )
