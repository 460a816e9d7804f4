"""Case work of the synthetic county: what its schools and townships did about part of the planted
cases, recorded both ways the product takes it (entries in the operational store, as the dashboard
makes them, and returned workbooks in ``raw/casework/``), and the truth: every duty of every case
with its deadline and status, computed here independently of the dbt models, and every action
recorded (``casework_actions.csv``: what the quarterly table's 劝返次数 and 辍学原因 count).

Before the writers run, ``plant`` adds a non-local child (户口 elsewhere) who drops out and comes
back, and keeps 送教上门 to children with an ID number. After them, ``write`` records the actions:
for the cases in turn, on time, late, missing, or partly done (two of three attempts, a joint
persuasion without the department the cause needs); a correction and a withdrawal in the store;
the 送教上门 children with 0, 1 and 2 visits in a month; one workbook per township, a copy of one of
them delivered again under another name (it must add nothing) and rows that must go to quarantine.
The numbers are the domain's defaults (the dbt vars ``casework_*``).
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from casework import config, workbook
from casework.case_ids import case_id, ensure_key, read_key
from casework.store import Action, Actor, CaseRef, Store, local_today
from samplegen import calendar, idnumber
from samplegen.world import UNEXCUSED, World

HOLIDAYS = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "public_holidays.csv"
# The domain's defaults, as the dbt vars casework_* hold them.
CONTACT_DAYS, PERSUASION_DAYS, PERSUASION_ATTEMPTS = 1, 10, 3
REPORT_DAYS, NOTICE_DAYS, JOINT_DAYS, JOINT_ATTEMPTS, LETTER_DAYS = 0, 2, 20, 3, 10
HOME_VISITS = 2
ABSENT_NOTICE, SUSPECTED = 3, 5
SCENARIOS = ("on_time", "late", "missing", "partial")
CAUSE, CAUSE_DEPARTMENTS, OTHER_DEPARTMENT = "外出打工", ("人社", "公安"), "民政"
# causes recorded on cases that never escalate (no joint persuasion hangs on them): the glossary's
# labels in turn, every third such case naming another cause on its third attempt (the latest counts)
OTHER_CAUSES = ("学习困难", "外出打工", "监护人不履行义务", "残疾", "早婚早育", "信教", "失联", "其他")


class WorkingDays:
    """Monday to Friday, less the State Council's holidays, plus its make-up working days (the seed)."""

    def __init__(self) -> None:
        with HOLIDAYS.open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        self.off = {date.fromisoformat(r["calendar_date"]) for r in rows if r["day_kind"] == "holiday"}
        self.on = {date.fromisoformat(r["calendar_date"]) for r in rows if r["day_kind"] == "workday"}

    def is_working(self, d: date) -> bool:
        return d in self.on or (d.weekday() < 5 and d not in self.off)

    def add(self, d: date, n: int) -> date:
        """The n-th working day after d (d itself for n = 0)."""
        while n > 0:
            d += timedelta(days=1)
            n -= self.is_working(d)
        return d


@dataclass
class CaseFile:
    case_id: str
    file_kind: str
    id_number: str
    person: int
    township_code: str
    school_code: str | None
    opened_on: date
    window_start: date
    streak_3_on: date | None = None
    escalated_on: date | None = None
    closed_on: date | None = None
    is_non_local: bool = False
    months: list[date] = field(default_factory=list)  # home teaching: the months owed


@dataclass
class PlannedAction:
    file: CaseFile
    action_date: date
    action: str
    person: str
    departments: tuple[str, ...] = ()
    result: str | None = None
    cause: str | None = None
    notes: str | None = None
    counts: bool = True  # False: corrected or withdrawn later


def plant(world: World, seed: int) -> None:
    """Plants case work needs beyond the others: a non-local child who escalates to dropout and
    returns (the letter to the 户籍 county), and 送教上门 only for children with an ID number."""
    rng = np.random.default_rng(seed)
    p, n_days = world.people, len(world.days)
    y1 = calendar.school_year(world.days[-1].astype(object))
    planted = set(world.plants["person"])
    pool = p.index[
        (p["role"] == "migrant")
        & p["student"]
        & (p["status_id"] != "")
        & p["cohort"].between(y1 - 8, y1 - 1)
        & ~p.index.isin(list(planted))
    ]
    person = int(rng.choice(pool))
    world.mid_patterns[person] = (n_days - 40, [UNEXCUSED] * 16)
    world.plants = pd.concat(
        [world.plants, pd.DataFrame([{"person": person, "plant": "returned_after_escalation"}])], ignore_index=True
    )
    p.loc[(p["inclusive"] == "送教上门") & (p["status_id"] == ""), "inclusive"] = "是"


def _runs(world: World, person: int) -> list[list[date]]:
    """The dates of the unexcused days of each planted run of a person."""
    days, n = world.days, len(world.days)
    runs = []
    tail = world.patterns.get(person)
    if tail:
        runs.append((n - len(tail), tail))
    if person in world.mid_patterns:
        end, pattern = world.mid_patterns[person]
        runs.append((end - len(pattern), pattern))
    return [
        [days[start + i].astype(object) for i, c in enumerate(pattern) if c == UNEXCUSED] for start, pattern in runs
    ]


def _case_files(world: World, truth: Path, key: str) -> list[CaseFile]:
    from samplegen.writers import _status_frame  # the snapshot exactly as written

    p = world.people
    by_id = {i: k for k, i in enumerate(p["id_number"])}
    towns = world.townships["code"].to_numpy()
    schools = world.schools["code"].to_numpy()
    as_of = world.days[-1].astype(object)
    y1 = calendar.school_year(as_of)

    def school_of(person: int) -> str:
        grade = y1 - int(p.at[person, "cohort"]) + 1
        return schools[int(p.at[person, "primary_school" if grade <= 6 else "junior_school"])]

    def d(text: str) -> date | None:
        return date.fromisoformat(text) if isinstance(text, str) and text else None

    files = []
    for r in pd.read_csv(truth / "ledger_cases.csv", dtype=str, keep_default_na=False).itertuples():
        person = by_id[r.id_number]
        opened = d(r.opened_on)
        streak_3 = None
        if r.trigger == "unexcused_absence":
            run = next(run for run in _runs(world, person) if len(run) >= SUSPECTED and run[SUSPECTED - 1] == opened)
            streak_3 = run[ABSENT_NOTICE - 1]
        files.append(
            CaseFile(
                case_id(key, r.kind, r.id_number, r.opened_on),
                r.kind,
                r.id_number,
                person,
                towns[int(p.at[person, "town"])],
                school_of(person) if r.kind == "suspected_dropout" else None,
                opened,
                streak_3 or opened,
                streak_3,
                d(r.escalated_on),
                d(r.closed_on),
                not bool(p.at[person, "in_register"]),
            )
        )
    open_children = {f.id_number for f in files if f.closed_on is None}
    watch = pd.read_csv(truth / "dropout_watch.csv", dtype=str)
    for r in watch[watch["stage"] == "absent_3d"].itertuples():
        person = by_id[r.id_number]
        streak_3 = _runs(world, person)[0][ABSENT_NOTICE - 1]
        if r.id_number not in open_children:
            files.append(
                CaseFile(
                    case_id(key, "absent_3d", r.id_number, streak_3.isoformat()),
                    "absent_3d",
                    r.id_number,
                    person,
                    towns[int(p.at[person, "town"])],
                    r.school_code,
                    streak_3,
                    streak_3,
                    streak_3,
                )
            )
    # 送教上门: 在读 on it in the latest snapshot; from the month of the first snapshot of the
    # school year that shows it, each month with school days up to the as-of date
    year_snaps = [s for s in world.snapshots if calendar.school_year(s) == y1]
    first_seen: dict[str, date] = {}
    latest = None
    for snap in year_snaps:
        frame = _status_frame(world, snap, use_codes=False, rng=np.random.default_rng(0))
        placed = frame[frame["随班就读"] == "送教上门"]
        for no in placed["全国学籍号"]:
            first_seen.setdefault(no, snap)
        latest = placed[placed["学籍状态"] == "在读"]
    months = sorted(
        {
            dd.replace(day=1)
            for dd in (x.astype(object) for x in world.days)
            if dd <= as_of and calendar.school_year(dd) == y1
        }
    )
    by_student_no = {no: k for k, no in enumerate(p["student_no"])}
    for r in latest.itertuples():
        person = by_student_no[r.全国学籍号]
        start = first_seen[r.全国学籍号].replace(day=1)
        id_number = p.at[person, "id_number"]
        files.append(
            CaseFile(
                case_id(key, "home_teaching", id_number, str(y1)),
                "home_teaching",
                id_number,
                person,
                towns[int(p.at[person, "town"])],
                r.学校标识码,
                start,
                start,
                months=[m for m in months if m >= start],
            )
        )
    return files


def _plan(files: list[CaseFile], wd: WorkingDays, as_of: date) -> list[PlannedAction]:
    """Who did what, when, for each case file (only what happened up to the as-of date)."""
    planned: list[PlannedAction] = []
    cases = sorted((f for f in files if f.file_kind != "home_teaching"), key=lambda f: (f.opened_on, f.case_id))
    n_causes = 0  # cases that never escalate given a cause so far
    for k, f in enumerate(cases):
        # the non-local dropout's case is worked on time: its letter to the 户籍 county is owed and done
        scenario = "on_time" if f.is_non_local and f.escalated_on else SCENARIOS[k % len(SCENARIOS)]
        late = scenario == "late"
        if scenario == "missing":
            continue
        teacher, town = f"班主任{k:02d}", f"中心校专干{k:02d}"

        def add(day: date, action: str, person: str, f: CaseFile = f, **extra) -> None:
            if day <= as_of and (f.closed_on is None or day <= f.closed_on):
                planned.append(PlannedAction(f, day, action, person, **extra))

        if f.streak_3_on:
            add(wd.add(f.streak_3_on, 3 if late else 0), "家访" if k % 2 else "联系家长", teacher, result="承诺返校")
        if f.file_kind == "absent_3d":
            continue
        attempts = 2 if scenario == "partial" else PERSUASION_ATTEMPTS
        offsets = (1, 5, 12) if late else (1, 3, 6)
        causes = {0: CAUSE}
        if not f.escalated_on:
            causes = {0: OTHER_CAUSES[n_causes % len(OTHER_CAUSES)]}
            if n_causes % 3 == 0:
                causes[2] = OTHER_CAUSES[(n_causes + 3) % len(OTHER_CAUSES)]
            n_causes += 1
        for n, offset in enumerate(offsets[:attempts]):
            extra = {"cause": causes[n]} if n in causes else {}
            add(wd.add(f.opened_on, offset), "劝返", teacher, result="拒绝" if n < 2 else "承诺返校", **extra)
        if f.escalated_on:
            report = wd.add(f.escalated_on, 2 if scenario in ("late", "partial") else 0)
            add(report, "辍学报告单", teacher, result="已送达")
            if scenario != "partial":
                add(wd.add(report, 4 if late else 1), "限期返校通知书", town, result="已送达")
            for n in range(JOINT_ATTEMPTS):
                departments = (
                    (OTHER_DEPARTMENT,) if scenario == "partial" and n == 0 else CAUSE_DEPARTMENTS[: 1 + n % 2]
                )
                add(
                    wd.add(f.escalated_on, (3 + 9 * n) if late else (2 + 3 * n)),
                    "联合劝返",
                    town,
                    departments=departments,
                    result="拒绝",
                )
            if f.is_non_local:
                add(wd.add(f.escalated_on, 12 if late else 1), "发函户籍地", "县教育局基础教育股", result="已送达")
    # 送教上门: in each month, the first child gets no visit, the second one, the others two
    teaching = sorted((f for f in files if f.file_kind == "home_teaching"), key=lambda f: f.case_id)
    for k, f in enumerate(teaching):
        for m in f.months:
            visits = min(k, HOME_VISITS)
            for v in range(visits):
                day = m + timedelta(days=3 + 9 * v)
                if day <= as_of:
                    planned.append(PlannedAction(f, day, "送教上门", f"特教教师{k:02d}", notes="康复训练与语文"))
    return planned


def _duties(files: list[CaseFile], actions: list[PlannedAction], wd: WorkingDays, as_of: date) -> pd.DataFrame:
    """Every duty of every case file, as domain.md states the rules (the truth)."""
    counted = defaultdict(list)
    for a in actions:
        if a.counts and a.action_date <= as_of:
            counted[a.file.case_id].append(a)
    rows = []

    def owe(f: CaseFile, duty: str, trigger: date, days: int, needed: int, kinds: set[str], since: date, ok=None):
        done = sorted(
            a.action_date
            for a in counted[f.case_id]
            if a.action in kinds and a.action_date >= since and (ok is None or ok(a))
        )
        done_on = done[needed - 1] if len(done) >= needed else None
        due = wd.add(trigger, days)
        if done_on is None and f.closed_on is not None and due > f.closed_on:
            return None  # the case closed first: not owed
        rows.append(_row(f, duty, None, trigger, due, done_on, len(done), as_of))
        return done_on

    for f in files:
        if f.file_kind == "home_teaching":
            for m in f.months:
                end = (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                visits = sorted(
                    a.action_date
                    for a in counted[f.case_id]
                    if a.action == "送教上门" and a.action_date.replace(day=1) == m
                )
                done_on = visits[HOME_VISITS - 1] if len(visits) >= HOME_VISITS else None
                rows.append(_row(f, "home_teaching", m.strftime("%Y-%m"), m, end, done_on, len(visits), as_of))
            continue
        if f.streak_3_on:
            owe(f, "contact", f.streak_3_on, CONTACT_DAYS, 1, {"联系家长", "家访"}, f.window_start)
        if f.file_kind == "absent_3d":
            continue
        owe(f, "persuasion", f.opened_on, PERSUASION_DAYS, PERSUASION_ATTEMPTS, {"劝返"}, f.opened_on)
        if f.escalated_on:
            report = owe(f, "dropout_report", f.escalated_on, REPORT_DAYS, 1, {"辍学报告单"}, f.opened_on)
            owe(f, "return_notice", report or f.escalated_on, NOTICE_DAYS, 1, {"限期返校通知书"}, f.opened_on)
            causes = [a.cause for a in sorted(counted[f.case_id], key=lambda a: a.action_date) if a.cause]
            needed = set(CAUSE_DEPARTMENTS) if causes and causes[-1] == CAUSE else None
            owe(
                f,
                "joint_persuasion",
                f.escalated_on,
                JOINT_DAYS,
                JOINT_ATTEMPTS,
                {"联合劝返"},
                f.opened_on,
                ok=lambda a, needed=needed: needed is None or bool(needed & set(a.departments)),
            )
            if f.is_non_local:
                owe(f, "hukou_letter", f.escalated_on, LETTER_DAYS, 1, {"发函户籍地"}, f.opened_on)
    return pd.DataFrame(rows).sort_values(["case_id", "duty", "due_on"])


def _row(f: CaseFile, duty: str, month, trigger: date, due: date, done_on: date | None, n: int, as_of: date) -> dict:
    if done_on is not None:
        status = "done" if done_on <= due else "done_late"
    else:
        status = "due" if as_of <= due else "overdue"
    return {
        "case_id": f.case_id,
        "file_kind": f.file_kind,
        "id_number": f.id_number,
        "duty": duty,
        "month": month,
        "trigger_on": trigger.isoformat(),
        "due_on": due.isoformat(),
        "done_on": done_on.isoformat() if done_on else None,
        "done_count": n,
        "status": status,
    }


def _fresh_store(url: str, force: bool) -> Store:
    """The store for the sample's entries: a new one (an SQLite file is replaced with --force)."""
    if url.startswith("sqlite"):
        path = Path(sa.make_url(url).database)
        if path.exists() and force:
            for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                p.unlink(missing_ok=True)
    store = Store(url)
    if store.state()[0]:
        store.dispose()
        raise SystemExit(
            f"the case-work store {url} already holds entries: use an empty store (or --force for an SQLite file)"
        )
    return store


def _masked(text: str) -> str:
    return text[:6] + "*" * (len(text) - 10) + text[-4:] if len(text) >= 11 else text


def _date_cell(day: date, k: int):
    """The contract's date forms, in turn: an Excel date, 2025/9/1, 20250901, an Excel serial number."""
    form = k % 4
    if form == 0:
        return datetime(day.year, day.month, day.day)
    if form == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if form == 2:
        return day.strftime("%Y%m%d")
    return (day - date(1899, 12, 30)).days


def _bad_rows(world: World, files: list[CaseFile], as_of: date) -> list[tuple[dict, str]]:
    """Workbook rows that must go to quarantine, each with its reason."""
    p = world.people
    f = next(x for x in files if x.file_kind == "suspected_dropout")
    stranger = idnumber.build_ids(
        np.array(["110101"]), np.array(["2014-03-01"], dtype="datetime64[D]"), np.array([17])
    )[0]
    cased = {x.id_number for x in files}
    nobody = next(i for i in p.loc[p["in_register"] & p["student"], "id_number"] if i not in cased)
    good = {"日期": f.opened_on.isoformat(), "措施": "劝返", "责任人": "班主任99", "结果": "拒绝"}
    by_case = {"案件编号": f.case_id, "身份证号": _masked(f.id_number)}
    return [
        ({"身份证号": stranger, **good}, "unknown_child"),
        ({**by_case, **good, "日期": "2025-13-45"}, "bad_date"),
        ({**by_case, **good, "措施": "打电话"}, "unknown_action"),
        ({"案件编号": "ZZZZZ-ZZZZZ", "身份证号": _masked(f.id_number), **good}, "unknown_case"),
        ({**by_case, **good, "责任人": None}, "missing_person"),
        ({**by_case, **good, "日期": "2099-01-04"}, "future_date"),
        ({"身份证号": nobody, **good}, "no_case"),
        ({**by_case, **good, "结果": "还行"}, "unknown_result"),
    ]


def write(world: World, raw: Path, truth: Path, force: bool = False, progress=print) -> dict[str, int]:
    """Record the sample's case work (store entries and workbooks) and write its truth."""
    key = read_key(ensure_key(config.key_file(raw)))
    store = _fresh_store(config.store_url(raw), force)
    wd = WorkingDays()
    as_of = world.days[-1].astype(object)
    files = _case_files(world, truth, key)
    planned = _plan(files, wd, as_of)
    cases = sorted({a.file.case_id for a in planned})
    in_store = {c for k, c in enumerate(cases) if k % 2 == 0}
    today = max(local_today(), as_of)
    p = world.people
    names = dict(zip(world.schools["code"], world.schools["name"], strict=True))

    # the dashboard's way: entries in the store, by a user of the case's township
    first_entry = True
    for a in planned:
        if a.file.case_id not in in_store:
            continue
        f = a.file
        ref = CaseRef(
            f.case_id, f.id_number, p.at[f.person, "student_no"], f.township_code, f.school_code, f.window_start
        )
        actor = Actor(f"sample_{f.township_code}", "township", township_code=f.township_code)
        action = Action(a.action_date, a.action, a.person, a.departments, a.result, a.cause, a.notes)
        if first_entry and a.action == "劝返":
            # recorded with the wrong date first, then corrected; and a stray entry withdrawn
            wrong = store.record(actor, ref, replace(action, action_date=a.action_date + timedelta(days=1)), today)
            store.correct(actor, ref, wrong, action, today)
            stray = store.record(actor, ref, replace(action, notes="误录：重复登记"), today)
            store.withdraw(actor, ref, stray, today)
            first_entry = False
            continue
        store.record(actor, ref, action, today)
    entries = store.state()[0]
    store.dispose()

    # the workbook's way: one per township, half the rows by case number (ID masked), half by ID
    (raw / "casework").mkdir(parents=True, exist_ok=True)
    by_town: dict[str, list[dict]] = defaultdict(list)
    for k, a in enumerate(x for x in planned if x.file.case_id not in in_store):
        f = a.file
        by_number = k % 2 == 0
        by_town[f.township_code].append(
            {
                "案件编号": f.case_id if by_number else None,
                "姓名": p.at[f.person, "name"],
                "身份证号": _masked(f.id_number) if by_number else f.id_number,
                "全国学籍号": _masked(p.at[f.person, "student_no"]) if by_number else None,
                "学校": names.get(f.school_code),
                "日期": _date_cell(a.action_date, k),
                "措施": a.action,
                "责任人": a.person,
                "参与部门": "、".join(a.departments) or None,
                "结果": a.result,
                "辍学原因": a.cause,
                "备注": a.notes,
            }
        )
    town_names = dict(zip(world.townships["code"], world.townships["name"], strict=True))
    quarantine = []
    written = []
    for n, (town, rows) in enumerate(sorted(by_town.items())):
        name = f"劝返工作记录_{town}_{as_of:%Y%m%d}.xlsx"  # by code: every role sees file names
        if n == 0:
            for row, reason in _bad_rows(world, files, as_of):
                quarantine.append(
                    {"file": f"casework/{name}", "row": workbook.HEADER_ROW + len(rows) + 1, "reason": reason}
                )
                rows.append(row)
        (raw / "casework" / name).write_bytes(workbook.build(rows, town_names[town], as_of))
        written.append(name)
    if written:  # the same workbook delivered again under another name: adds nothing
        shutil.copyfile(raw / "casework" / written[0], raw / "casework" / written[0].replace(".xlsx", "_重交.xlsx"))

    deadlines = _duties(files, planned, wd, as_of)
    deadlines.to_csv(truth / "case_deadlines.csv", index=False)
    pd.DataFrame(
        [
            {
                "case_id": a.file.case_id,
                "file_kind": a.file.file_kind,
                "opened_on": a.file.opened_on.isoformat(),
                "escalated_on": a.file.escalated_on.isoformat() if a.file.escalated_on else None,
                "closed_on": a.file.closed_on.isoformat() if a.file.closed_on else None,
                "action_date": a.action_date.isoformat(),
                "action": a.action,
                "cause": a.cause,
            }
            for a in planned
        ],
        columns=["case_id", "file_kind", "opened_on", "escalated_on", "closed_on", "action_date", "action", "cause"],
    ).to_csv(truth / "casework_actions.csv", index=False)
    pd.DataFrame(quarantine, columns=["file", "row", "reason"]).to_csv(truth / "casework_quarantine.csv", index=False)
    summary = {
        "case_files": len(files),
        "actions": len(planned),
        "store_entries": entries,
        "workbooks": len(written) + bool(written),
        "quarantined_rows": len(quarantine),
        "duties": len(deadlines),
    }
    (truth / "casework.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    progress(
        f"  case work: {len(planned)} actions on {len(cases)} of {len(files)} case files "
        f"({entries} store entries, {len(written)} workbooks and a copy), {len(deadlines)} duties in the truth"
    )
    return summary
