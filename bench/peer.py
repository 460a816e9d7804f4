"""The peer (`python -m bench.peer RAW --out DIR`): the three comparisons (三比对) as a data-savvy
county analyst would write them in one pandas script, on the same raw folder the pipeline reads.
`make bench` times it beside the pipeline and sets its answers beside ours in BENCHMARKS.md.

What it does honestly: it reads every file of household/, student_status/, attendance/ and
poverty/ (CSV in UTF-8, UTF-8 with BOM or GBK; xlsx with title rows above the header), maps the
contract's header aliases, parses the four date forms, normalises ID numbers (full-width digits,
spaces, lower-case x, 15-digit numbers; a wrong check digit or birth date is no ID number), takes
the newest snapshot as the current state, lets a later attendance delivery correct an earlier
one, matches children by ID number (a G student number carries it; a record without one by a
unique name, birth date and sex in the household register) and counts unexcused streaks in
school days (a school day is a date with at least half of a typical day's attendance records).
What it leaves out: quarantine, township resolution, the county's school calendar, case
history. BENCHMARKS.md says where its answers differ from ours and why.

It writes out_of_school.csv, dropout_watch.csv and poverty_dropouts.csv (the marts' key columns)
and counts.json into DIR; it prints counts only, never an ID number.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

# the rules' numbers, as in dbt/dbt_project.yml
MIN_AGE, MAX_AGE = 6, 16  # at least 6 and under 16 on 31 August of the school year
ABSENT_NOTICE, SUSPECTED, DROPOUT = 3, 5, 15  # unexcused streaks, in school days
NOT_ON_ROSTER_DAYS = 5  # no attendance record in the last N school days
SCHOOL_DAY_SHARE = 0.5  # a school day has at least this share of a typical day's records

HEADERS = {  # contract header or alias → the script's column name
    "户号": "household_no",
    "户编号": "household_no",
    "姓名": "name",
    "成员姓名": "name",
    "性别": "gender",
    "公民身份号码": "id_text",
    "身份证号": "id_text",
    "身份证件号": "id_text",
    "证件号码": "id_text",
    "出生日期": "birth",
    "人员状态": "person_status",
    "全国学籍号": "student_no",
    "学籍号": "student_no",
    "年级": "grade",
    "学籍状态": "status",
    "考勤日期": "date",
    "日期": "date",
    "考勤状态": "attendance",
    "状态": "attendance",
    "户类型": "household_type",
    "监测对象类型": "monitor_type",
    "易返贫致贫户(监测对象)类型": "monitor_type",
}
STATUS = {
    "在读": "在读",
    "在籍在读": "在读",
    "在校": "在读",
    "休学": "休学",
    "转出": "转出",
    "毕业": "毕业",
    "死亡": "死亡",
}
KIND = {"出勤": "present", "迟到": "present", "早退": "present", "病假": "leave", "事假": "leave"}
KIND |= {"旷课": "unexcused", "无故缺勤": "unexcused"}
GRADES = {f"{numeral}年级": g for g, numeral in enumerate("一二三四五六七八九", start=1)}
GRADES |= {"初一": 7, "初二": 8, "初三": 9} | {str(g): g for g in range(1, 10)}
GRADES |= {str(10 + g): g for g in range(1, 7)} | {str(14 + g): g for g in range(7, 10)}
GENDER = {"男": "男", "女": "女", "1": "男", "2": "女"}

FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = np.array(list("10X98765432"))


def _by_unique(values: pd.Series, parse) -> pd.Series:
    """``parse`` applied to the distinct values only (a column of millions has a few hundred
    dates), spread back over the rows."""
    codes, uniques = pd.factorize(values)
    parsed = parse(pd.Series(uniques, dtype=object).astype(str)).reset_index(drop=True)
    return parsed.reindex(codes).set_axis(values.index)  # code -1 (a missing value) finds nothing


def check_chars(first17: pd.Series) -> pd.Series:
    """The ISO 7064 MOD 11-2 check character of strings of 17 ASCII digits."""
    if first17.empty:
        return pd.Series([], dtype=object, index=first17.index)
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - ord("0")
    return pd.Series(CHECK_CHARS[(digits.astype(np.int64) @ WEIGHTS) % 11], index=first17.index)


def _clean_ids(text: pd.Series) -> pd.Series:
    text = text.str.translate(FULL_WIDTH).str.replace("[ \t\u3000]", "", regex=True).str.upper()
    old = text.str.fullmatch("[0-9]{15}")
    text = text.where(~old, text.str[:6] + "19" + text.str[6:] + "?")  # check digit computed below
    usable = text.str.fullmatch("[0-9]{17}[0-9X?]")
    first17 = text[usable].str[:17]
    check = check_chars(first17)
    given = text[usable].str[17]
    birth = pd.to_datetime(first17.str[6:14], format="%Y%m%d", errors="coerce")
    valid = ((given == check) | (given == "?")) & birth.notna() & (birth <= pd.Timestamp.today())
    out = pd.Series(None, index=text.index, dtype=object)
    out[valid[valid].index] = (first17 + check)[valid]
    return out


def clean_ids(values: pd.Series) -> pd.Series:
    """Normalised 18-character ID numbers; None where the text is no valid ID number."""
    return _by_unique(values, _clean_ids)


def _parse_dates(text: pd.Series) -> pd.Series:
    text = text.str.strip().str.replace(" 00:00:00", "", regex=False)
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%Y/%m/%d", "%Y%m%d"):
        out = out.fillna(pd.to_datetime(text.where(out.isna()), format=fmt, errors="coerce"))
    serial = pd.to_numeric(text.where(out.isna() & text.str.fullmatch("[0-9]{1,5}(\\.0+)?")), errors="coerce")
    return out.fillna(pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D"))


def parse_dates(values: pd.Series) -> pd.Series:
    """The contract's date forms (2025-09-01, 2025/9/1, 20250901, Excel serial) as datetimes."""
    return pd.to_datetime(_by_unique(values, _parse_dates))


def grades(values: pd.Series) -> pd.Series:
    """一年级…九年级, 初一…初三, 1–9 or the codes 11–16, 21–23 as grades 1–9."""
    return values.str.strip().map(GRADES)


def snapshot_date(path: Path) -> pd.Timestamp | None:
    """The 8-digit as-of date in a snapshot's file name (学籍_20251015.xlsx)."""
    found = re.search(r"(?<![0-9])(20[0-9]{6})(?![0-9])", path.stem)
    return pd.to_datetime(found.group(1), format="%Y%m%d", errors="coerce") if found else None


def header_row(rows: list[list]) -> int:
    """The first row holding at least two of the known headers (xlsx title rows above it)."""
    for i, row in enumerate(rows):
        if sum(str(cell).strip() in HEADERS for cell in row) >= 2:
            return i
    raise ValueError("no header row with the contract's column names")


def _encoding(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(1 << 16)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 3:  # not merely a character cut at the end of the sample
            return "gb18030"
    return "utf-8"


def read_table(path: Path) -> pd.DataFrame:
    """One extract file, every cell as text, the columns under the script's names."""
    if path.suffix.lower() == ".xlsx":
        grid = pd.read_excel(path, header=None, dtype=str)
        top = header_row(grid.head(20).fillna("").to_numpy().tolist())
        frame = grid.iloc[top + 1 :].set_axis([str(c).strip() for c in grid.iloc[top]], axis=1)
    else:
        frame = pd.read_csv(path, dtype=str, encoding=_encoding(path), engine="pyarrow")
    frame = frame.rename(columns=lambda c: HEADERS.get(str(c).strip().lstrip("\ufeff"), c))
    return frame.loc[:, ~frame.columns.duplicated()].reset_index(drop=True)


def read_folder(folder: Path, columns: list[str], latest_only: bool) -> pd.DataFrame:
    """Every file of one extract folder, in delivery order (modification time), with its
    snapshot date; only the newest snapshot's files when ``latest_only``."""
    files = sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("~$")),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
    )
    if latest_only:
        newest = max(snapshot_date(p) for p in files)
        files = [p for p in files if snapshot_date(p) == newest]
    frames = []
    for path in files:
        frame = read_table(path)
        frames.append(frame.reindex(columns=columns).assign(snapshot=snapshot_date(path)))
    return pd.concat(frames, ignore_index=True)


def age_on(birth: pd.Series, day: pd.Timestamp) -> pd.Series:
    """Whole years of age on ``day``."""
    before_birthday = (birth.dt.month > day.month) | ((birth.dt.month == day.month) & (birth.dt.day > day.day))
    return day.year - birth.dt.year - before_birthday.astype(int)


def school_days(dates: pd.Series) -> pd.DatetimeIndex:
    """Dates on which school was held: at least SCHOOL_DAY_SHARE of a typical (median) day's
    attendance records. One school's holiday class or one grade's Saturday is not one."""
    per_day = dates.value_counts()
    return pd.DatetimeIndex(sorted(per_day.index[per_day >= SCHOOL_DAY_SHARE * per_day.median()]))


def streaks(attendance: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Per student number, on the given school days: the last present day, the unexcused days
    since then (leave neither extends nor breaks a streak) and the records in the last
    NOT_ON_ROSTER_DAYS school days. ``attendance``: student_no, date, kind; one row a day."""
    on_days = attendance[attendance["date"].isin(days)]
    last_present = on_days[on_days["kind"] == "present"].groupby("student_no")["date"].max().rename("last_present")
    on_days = on_days.join(last_present, on="student_no")
    since = on_days["last_present"].isna() | (on_days["date"] > on_days["last_present"])
    streak = on_days[since & (on_days["kind"] == "unexcused")].groupby("student_no").size().rename("streak")
    window = days[-NOT_ON_ROSTER_DAYS:]
    recent = on_days[on_days["date"].isin(window)].groupby("student_no").size().rename("recent_days")
    out = pd.concat([last_present, streak, recent], axis=1)
    out.index.name = "student_no"
    return out.fillna({"streak": 0, "recent_days": 0}).astype({"streak": int, "recent_days": int})


def stage(streak: pd.Series, recent_days: pd.Series) -> pd.Series:
    """The dropout-watch stage of a 在读 student (None: in school)."""
    out = pd.Series(None, index=streak.index, dtype=object)
    out[streak >= ABSENT_NOTICE] = "absent_3d"
    out[streak >= SUSPECTED] = "suspected_dropout"
    out[streak >= DROPOUT] = "dropout"
    out[recent_days == 0] = "not_on_roster"
    return out


def _name_key(names: pd.Series) -> pd.Series:
    return names.str.replace("[ \t\u3000·・.]", "", regex=True)


def compare(raw: Path) -> dict[str, pd.DataFrame]:
    """The three comparisons on a raw folder: out_of_school, dropout_watch, poverty_dropouts."""
    # 户籍: the newest snapshot's residents (正常), one row per valid ID number
    people = read_folder(raw / "household", ["household_no", "name", "gender", "id_text", "person_status"], True)
    people["id_number"] = clean_ids(people["id_text"])
    people = people[people["person_status"].fillna("正常").str.strip().eq("正常") & people["id_number"].notna()]
    people = people.drop_duplicates("id_number").drop(columns="snapshot")
    people["birth"] = pd.to_datetime(people["id_number"].str[6:14], format="%Y%m%d")

    # 学籍: every snapshot; a record's child by ID number, its G number, or a unique name match
    status = read_folder(
        raw / "student_status", ["student_no", "name", "gender", "birth", "id_text", "grade", "status"], False
    )
    status["student_no"] = status["student_no"].str.strip()
    status["id_number"] = clean_ids(status["id_text"])
    g_number = status["id_number"].isna() & status["student_no"].str.startswith("G")
    status.loc[g_number, "id_number"] = clean_ids(status.loc[g_number, "student_no"].str[1:])
    keys = people.assign(name_key=_name_key(people["name"]), gender=people["gender"].str.strip().map(GENDER))
    keys = keys.drop_duplicates(["name_key", "birth", "gender"], keep=False)[
        ["name_key", "birth", "gender", "id_number"]
    ]
    unknown = status["id_number"].isna()
    lookup = status.loc[unknown, ["name", "birth", "gender"]].assign(
        name_key=lambda d: _name_key(d["name"]),
        birth=lambda d: parse_dates(d["birth"]),
        gender=lambda d: d["gender"].str.strip().map(GENDER),
    )
    matched = lookup.reset_index().merge(keys, on=["name_key", "birth", "gender"]).set_index("index")["id_number"]
    status.loc[matched.index, "id_number"] = matched
    status["by_name"] = False
    status.loc[matched.index, "by_name"] = True
    status["status"] = status["status"].str.strip().map(STATUS)
    status["grade"] = grades(status["grade"])
    status = status.dropna(subset=["student_no", "status"]).drop_duplicates(["snapshot", "student_no"])
    status["rank"] = status["status"].map({"在读": 0, "休学": 1}).fillna(2)
    latest_snapshot = status["snapshot"].max()

    # attendance: every delivery; a later one corrects an earlier one for the same student-day
    att = read_folder(raw / "attendance", ["date", "student_no", "attendance"], False)
    att["date"] = parse_dates(att["date"])
    att["kind"] = att["attendance"].str.strip().map(KIND)
    att = att.dropna(subset=["date", "student_no", "kind"])
    att = att.drop_duplicates(["student_no", "date"], keep="last")
    days = school_days(att["date"])
    as_of = days.max()
    school_year = as_of.year if as_of.month >= 9 else as_of.year - 1
    age_cutoff = pd.Timestamp(school_year, 8, 31)

    # 脱贫户/监测户 members of the newest snapshot
    poor = read_folder(raw / "poverty", ["household_no", "id_text", "household_type", "monitor_type"], True)
    poor["id_number"] = clean_ids(poor["id_text"])
    poor["household_type"] = poor["household_type"].str.strip()
    poor = poor[poor["household_type"].isin(["脱贫户", "监测户"]) & poor["id_number"].notna()]
    poor = poor.drop_duplicates("id_number").set_index("id_number")
    poor["poverty_type"] = (
        poor["monitor_type"].where(poor["household_type"].eq("监测户")).fillna(poor["household_type"])
    )

    # 1. 户籍 vs 学籍: age-eligible residents without 在读/休学 in the newest snapshot
    eligible = people[age_on(people["birth"], age_cutoff).between(MIN_AGE, MAX_AGE - 1)]
    last = (
        status.dropna(subset=["id_number"])
        .sort_values(["snapshot", "rank", "student_no"], ascending=[False, True, True])
        .drop_duplicates("id_number")
        .set_index("id_number")
    )
    seen = eligible.join(last[["snapshot", "status", "grade"]], on="id_number")
    in_school = seen["snapshot"].eq(latest_snapshot) & seen["status"].isin(["在读", "休学"])
    done = (seen["status"].eq("毕业") & seen["grade"].eq(9)) | seen["status"].eq("死亡")
    out_of_school = seen[~in_school & ~done].assign(
        category=lambda d: np.select(
            [d["status"].isna(), d["status"].eq("转出")], ["never_enrolled", "transferred_out"], "left_status"
        )
    )[["id_number", "category"]]

    # 2. 学籍 vs 在校: 在读 students of the newest snapshot not in school on the as-of date
    enrolled = status[status["snapshot"].eq(latest_snapshot) & status["status"].eq("在读")]
    # a child registered twice (a J number found by name beside its G number) counts once
    enrolled = enrolled.sort_values(["by_name", "student_no"])
    enrolled = enrolled[enrolled["id_number"].isna() | ~enrolled["id_number"].duplicated()]
    watch = enrolled.join(streaks(att[att["date"] <= as_of], days[days <= as_of]), on="student_no")
    watch = watch.fillna({"streak": 0, "recent_days": 0})
    watch["stage"] = stage(watch["streak"], watch["recent_days"])
    dropout_watch = watch.dropna(subset=["stage"]).astype({"streak": int})
    dropout_watch = dropout_watch[["id_number", "student_no", "stage", "streak"]].rename(
        columns={"streak": "unexcused_streak_days"}
    )

    # 3. dropouts vs 脱贫户: either list's children of a poverty household
    serious = dropout_watch[dropout_watch["stage"].isin(["not_on_roster", "suspected_dropout", "dropout"])]
    cases = pd.concat(
        [
            out_of_school.rename(columns={"category": "detail"}).assign(source="out_of_school"),
            serious.rename(columns={"stage": "detail"}).assign(source="dropout_watch"),
        ]
    )
    poverty_dropouts = cases[cases["id_number"].isin(poor.index)].join(
        poor[["poverty_type", "household_no"]], on="id_number"
    )[["id_number", "source", "detail", "poverty_type", "household_no"]]
    return {
        "out_of_school": out_of_school.sort_values("id_number").reset_index(drop=True),
        "dropout_watch": dropout_watch.sort_values("student_no").reset_index(drop=True),
        "poverty_dropouts": poverty_dropouts.sort_values(["id_number", "source"]).reset_index(drop=True),
        "as_of": pd.DataFrame({"as_of_date": [as_of.date()], "school_days": [len(days)]}),
    }


def counts(results: dict[str, pd.DataFrame]) -> dict[str, int]:
    """The figures the benchmark prints: each list's rows and the dropout-watch stages."""
    watch = results["dropout_watch"]["stage"].value_counts()
    return {
        "out_of_school": len(results["out_of_school"]),
        **{f"dropout_watch.{s}": int(watch.get(s, 0)) for s in ("absent_3d", "suspected_dropout", "dropout")},
        "dropout_watch.not_on_roster": int(watch.get("not_on_roster", 0)),
        "poverty_dropouts": len(results["poverty_dropouts"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("raw", type=Path, help="the raw folder (data/raw layout)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the three lists and counts.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = compare(args.raw)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("out_of_school", "dropout_watch", "poverty_dropouts"):
        results[name].to_csv(args.out / f"{name}.csv", index=False)
    figures = counts(results)
    (args.out / "counts.json").write_text(json.dumps(figures, indent=1))
    as_of = results["as_of"].iloc[0]
    print(
        f"peer: as of {as_of['as_of_date']} ({as_of['school_days']} school days): "
        + ", ".join(f"{k} {v}" for k, v in figures.items())
        + f"; {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
