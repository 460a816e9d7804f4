"""The synthetic county: people, households, schools, enrolment, planted cases.

Everything is vectorised with numpy and deterministic by seed. Planted cases are decided here
and recorded as truth; the writers only render the world into extract files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

import numpy as np
import pandas as pd

from samplegen import calendar, idnumber, names

# Attendance codes, in the order of ATTENDANCE_VALUES.
PRESENT, LATE, EARLY, SICK, PERSONAL, UNEXCUSED = range(6)
ATTENDANCE_VALUES = ("出勤", "迟到", "早退", "病假", "事假", "旷课")
ATTENDANCE_P = (0.955, 0.012, 0.004, 0.015, 0.010, 0.004)

# Snapshot events: what the status registry shows after the event date.
EV_NONE, EV_LEFT, EV_TRANSFER, EV_SUSPEND, EV_DEATH = range(5)

# Planted attendance tails ending on the last school day: (pattern, stage, streak).
STREAK_PLANTS = {
    "streak_2": ([UNEXCUSED] * 2, None, 2),
    "streak_3": ([UNEXCUSED] * 3, "absent_3d", 3),
    "streak_4_with_leave": ([UNEXCUSED, UNEXCUSED, SICK, UNEXCUSED, UNEXCUSED], "absent_3d", 4),
    "streak_5": ([UNEXCUSED] * 5, "suspected_dropout", 5),
    "streak_5_with_leave": (
        [UNEXCUSED, UNEXCUSED, PERSONAL, PERSONAL, UNEXCUSED, UNEXCUSED, UNEXCUSED],
        "suspected_dropout",
        5,
    ),
    "streak_7": ([UNEXCUSED] * 7, "suspected_dropout", 7),
    "streak_14": ([UNEXCUSED] * 14, "suspected_dropout", 14),
    "streak_15": ([UNEXCUSED] * 15, "dropout", 15),
    "streak_20_with_leave": ([UNEXCUSED] * 10 + [SICK] * 2 + [UNEXCUSED] * 10, "dropout", 20),
    "long_leave": ([SICK] * 10, None, 0),
}
RETURN_PATTERN = [UNEXCUSED] * 6
CASE_STREAK = 6  # unexcused days before a planted transfer, suspension, death or graduation
LEAVE_DAYS = (3, 4, 7, 8)  # planted leaves, for poverty-household students and others
LEAVE_END = 30  # the planted leaves end this many school days before the last one
NOT_ON_ROSTER_GAP = 8  # school days without any attendance row before the as-of date
# Warning signs before a planted streak: for this share of the students whose streak opens a
# suspected-dropout case, single unexcused days (each framed by present days, so never a streak)
# in the LEAD_UP_DAYS school days before it, ever more often; the others drop out without warning.
LEAD_UP_SHARE = 0.6
LEAD_UP_DAYS = 30
LEAD_UP_P = (0.03, 0.35)  # chance of a lone unexcused day at the start and at the end of the lead-up
# Extra chance per school day of a lone unexcused day, by key group (absences cluster there).
GROUP_ABSENCE_P = {"left_behind": 0.003, "struggling": 0.006, "offence": 0.012, "poverty": 0.002}


@dataclass(frozen=True)
class Params:
    county_code: str = "410527"
    students: int = 60_000
    start: date = date(2025, 9, 1)
    end: date = date(2026, 1, 16)
    seed: int = 20250901


@dataclass
class World:
    params: Params
    county_name: str
    townships: pd.DataFrame
    schools: pd.DataFrame
    people: pd.DataFrame  # household register + migrant students
    days: np.ndarray  # school days, datetime64[D]
    snapshots: list[date]
    plants: pd.DataFrame = field(default_factory=pd.DataFrame)
    patterns: dict[int, list[int]] = field(default_factory=dict)  # person -> tail codes
    # person -> (index one past the last day, codes): a planted run in mid-term, framed by present days
    mid_patterns: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    # person -> school-day indices of lone unexcused days leading up to a planted streak
    lead_ups: dict[int, np.ndarray] = field(default_factory=dict)
    # Attendance on dates that are not county school days: (date, persons, plant), all present
    off_calendar: list[tuple[date, np.ndarray, str]] = field(default_factory=list)
    # person -> (first school-day index, days): present in truth, 旷课 in the monthly file, put
    # right by a correction file delivered later under a name that sorts earlier
    corrections: dict[int, tuple[int, int]] = field(default_factory=dict)
    # person -> index of a second school where the latest snapshot also registers the child
    # (J number without ID number)
    duplicate_registrations: dict[int, int] = field(default_factory=dict)
    # (former township name, index of the township it now is, village index): the household
    # register still names that village's township by its former name; the county declares it
    renamed_township: tuple[str, int, int] | None = None
    # person whose ID number cell in the latest student-status snapshot Excel turned into 4.10527E+17
    mangled_status_id: int | None = None


def _county_townships(county_code: str) -> pd.DataFrame:
    ref = resources.files("samplegen").joinpath("reference/county_townships.csv")
    with ref.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["county_code"] == county_code]
    if not rows:
        raise SystemExit(f"unknown county code {county_code}: see samplegen/reference/")
    t = pd.DataFrame(rows).rename(columns={"nbs2023_code": "code"})
    t["kind"] = np.select([t["name"].str.endswith("街道"), t["name"].str.endswith("镇")], ["城区", "镇区"], "乡村")
    t["weight"] = np.where(t["kind"] == "城区", 2.5, np.where(t["kind"] == "镇区", 1.0, 0.8))
    t["migrant_heavy"] = np.where(t["kind"] == "城区", "是", "否")
    return t.reset_index(drop=True)


_COUNTY_NAMES = {"410527": "内黄县", "341522": "霍邱县", "530113": "东川区", "410781": "卫辉市"}


def _cohort_births(rng: np.random.Generator, cohorts: np.ndarray) -> np.ndarray:
    """Birth dates for children entering grade 1 in school year ``cohort``: they are 6 on
    31 August of that year, i.e. born 1 Sep (cohort-7) .. 31 Aug (cohort-6)."""
    lo = np.array([np.datetime64(f"{c - 7}-09-01") for c in range(cohorts.min(), cohorts.max() + 1)])
    lo_for = lo[cohorts - cohorts.min()]
    offset = rng.integers(0, 365, size=len(cohorts))
    return lo_for + offset.astype("timedelta64[D]")


def _unique_ids(area: np.ndarray, birth: np.ndarray, male: np.ndarray, rng) -> np.ndarray:
    """IDs unique per (area, birth date, sex): sequence = rank within the group, odd = male."""
    df = pd.DataFrame({"a": area, "b": birth, "m": male, "r": rng.random(len(area))})
    rank = df.sort_values("r").groupby(["a", "b", "m"]).cumcount().sort_index().to_numpy()
    if rank.max() >= 450:
        raise SystemExit("too many people share a birth date: the sequence numbers run out")
    group_base = birth.astype("datetime64[D]").astype(np.int64) % 50 * 2
    seq = (group_base + rank * 2) % 1000 + np.where(male, 1, 0)
    return idnumber.build_ids(area, birth, seq)


def _given_names(rng, n: int) -> np.ndarray:
    chars = np.array(list(names.GIVEN_CHARS))
    one = chars[rng.integers(0, len(chars), n)]
    two = chars[rng.integers(0, len(chars), n)]
    return np.where(rng.random(n) < 0.7, np.char.add(one, two), one)


def build(params: Params, progress=print) -> World:
    rng = np.random.default_rng(params.seed)
    county = params.county_code
    towns = _county_townships(county)
    y0, y1 = calendar.school_year(params.start), calendar.school_year(params.end)
    days = calendar.school_days(params.start, params.end)
    snaps = calendar.snapshot_dates(params.start, params.end)
    if len(days) < 30 or len(snaps) < 2:
        raise SystemExit("the date range needs at least 30 school days and two snapshot dates")

    # --- register children: cohorts from age ~17 down to ~3 at the end ---------------------
    local_share = 0.95
    per_cohort = round(params.students * local_share / 9)
    child_cohorts = np.arange(y0 - 10, y1 + 4)
    cohort = np.repeat(child_cohorts, per_cohort)
    n_child = len(cohort)
    progress(f"  people: {n_child:,} register children in {len(towns)} townships")
    child_birth = _cohort_births(rng, cohort)
    # Group children into households of 1-3 siblings (cohorts shuffled, so siblings differ).
    order = rng.permutation(n_child)
    sizes = rng.choice([1, 2, 3], p=[0.40, 0.45, 0.15], size=n_child)
    hh_of_slot = np.repeat(np.arange(n_child), sizes)[:n_child]
    household = np.empty(n_child, dtype=np.int64)
    household[order] = hh_of_slot
    n_hh = int(household.max()) + 1
    hh_town = rng.choice(len(towns), size=n_hh, p=towns["weight"] / towns["weight"].sum())
    n_villages = 30
    hh_village = rng.integers(0, n_villages, size=n_hh)
    hh_surname = rng.choice(
        list(names.SURNAMES), size=n_hh, p=np.array(names.SURNAME_WEIGHTS) / sum(names.SURNAME_WEIGHTS)
    )
    hh_no = np.char.add(
        np.char.add(towns["code"].to_numpy()[hh_town].astype("U9"), "0"),
        np.char.zfill(np.arange(1, n_hh + 1).astype("U7"), 7),
    )
    # Parents: head (father) and a spouse for 85% of households.
    eldest = pd.Series(child_birth).groupby(household).min().to_numpy()
    head_birth = eldest - rng.integers(22 * 365, 35 * 365, size=n_hh).astype("timedelta64[D]")
    has_spouse = rng.random(n_hh) < 0.85
    spouse_hh = np.nonzero(has_spouse)[0]
    spouse_birth = head_birth[spouse_hh] + rng.integers(-900, 1500, size=len(spouse_hh)).astype("timedelta64[D]")

    hh_idx = np.concatenate([np.arange(n_hh), spouse_hh, household])
    role = np.concatenate([np.full(n_hh, "户主"), np.full(len(spouse_hh), "配偶"), np.full(n_child, "child")])
    birth = np.concatenate([head_birth, spouse_birth, child_birth])
    male = np.concatenate([np.ones(n_hh, bool), np.zeros(len(spouse_hh), bool), rng.random(n_child) < 0.52])
    role = np.where(role == "child", np.where(male, "子", "女"), role)
    cohort_all = np.concatenate([np.full(n_hh + len(spouse_hh), -1), cohort])
    n_reg = len(hh_idx)

    # --- migrant students: registered elsewhere, schooled here ------------------------------
    n_mig_per = round(params.students * (1 - local_share) / 9)
    mig_cohort = np.repeat(np.arange(y0 - 9, y1 + 1), n_mig_per)
    n_mig = len(mig_cohort)
    mig_birth = _cohort_births(rng, mig_cohort)
    mig_area = rng.choice(names.NEIGHBOUR_AREAS, size=n_mig)
    mig_town = rng.choice(len(towns), size=n_mig, p=towns["weight"] / towns["weight"].sum())

    area = np.concatenate([np.full(n_reg, county), mig_area])
    all_birth = np.concatenate([birth, mig_birth])
    all_male = np.concatenate([male, rng.random(n_mig) < 0.52])
    ids = _unique_ids(area, all_birth, all_male, rng)
    surname = np.concatenate([hh_surname[hh_idx], rng.choice(list(names.SURNAMES), size=n_mig)])
    # Spouses keep their own surname.
    own = np.nonzero(role == "配偶")[0]
    surname[own] = rng.choice(list(names.SURNAMES), size=len(own))
    full_name = np.char.add(surname.astype("U1"), _given_names(rng, n_reg + n_mig))

    people = pd.DataFrame(
        {
            "household": np.concatenate([hh_idx, np.full(n_mig, -1)]),
            "role": np.concatenate([role, np.full(n_mig, "migrant")]),
            "name": full_name,
            "male": all_male,
            "birth": all_birth,
            "id_number": ids,
            "cohort": np.concatenate([cohort_all, mig_cohort]),
            "town": np.concatenate([hh_town[hh_idx], mig_town]),
            "in_register": np.concatenate([np.ones(n_reg, bool), np.zeros(n_mig, bool)]),
            "migrant_area": np.concatenate([np.full(n_reg, ""), mig_area]),
        }
    )
    people["household_no"] = np.where(people["household"] >= 0, hh_no[people["household"].clip(0)], "")
    people["village"] = np.where(people["household"] >= 0, hh_village[people["household"].clip(0)], -1)
    people["person_status"] = "正常"
    # Students: everyone of a cohort that is in grade 1..10 (10 = graduated) at some time.
    people["student"] = (people["cohort"] >= y0 - 9) & (people["cohort"] <= y1)
    people["event"] = EV_NONE
    people["event_day"] = len(days)
    people["event_snapshot"] = -1  # index of the first snapshot that shows the event
    people["att_end"] = len(days)
    people["student_no"] = np.where(people["student"], "G" + people["id_number"], "")
    people["status_name"] = people["name"]  # the name as the status registry spells it
    # 0.5% of migrant students have a J number and no ID number in the status registry.
    j = people.index[(people["role"] == "migrant") & (rng.random(len(people)) < 0.005)]
    people.loc[j, "student_no"] = "J" + people.loc[j, "id_number"].str[:17] + "0"
    people["status_id"] = np.where(people.index.isin(j), "", people["id_number"])

    _key_groups(people, rng, n_hh)
    poverty = _poverty_households(rng, n_hh)
    people["poverty_type"] = np.where(people["household"] >= 0, poverty["type"][people["household"].clip(0)], "")
    people["monitor_type"] = np.where(people["household"] >= 0, poverty["monitor"][people["household"].clip(0)], "")
    people["risk_cleared"] = np.where(people["household"] >= 0, poverty["cleared"][people["household"].clip(0)], "")
    people["absence_p"] += np.where(people["poverty_type"].isin(["脱贫户", "监测户"]), GROUP_ABSENCE_P["poverty"], 0.0)
    schools = _schools(people, towns, county, y1, rng)

    world = World(params, _COUNTY_NAMES.get(county, county), towns, schools, people, days, snaps)
    _plant(world, rng, y1)
    progress(
        f"  {int(people['student'].sum()):,} students, {len(schools)} schools, "
        f"{len(days)} school days, {len(snaps)} snapshots, {len(world.plants)} planted cases"
    )
    return world


def _key_groups(people: pd.DataFrame, rng, n_hh: int) -> None:
    n = len(people)
    left_hh = rng.choice(["否", "单亲外出", "双亲外出"], p=[0.8, 0.12, 0.08], size=n_hh)
    people["left_behind"] = np.where(people["household"] >= 0, left_hh[people["household"].clip(0)], "否")
    people["disability"] = np.where(
        rng.random(n) < 0.015, rng.choice(["视力", "听力", "言语", "肢体", "智力", "精神", "多重"], n), "无"
    )
    people["inclusive"] = np.where(
        people["disability"] != "无", rng.choice(["是", "送教上门"], p=[0.75, 0.25], size=n), "否"
    )
    people["orphan"] = np.where(rng.random(n) < 0.003, "是", "否")
    groups = {"单亲家庭": 0.04, "重组家庭": 0.02, "困境儿童": 0.01, "学困生": 0.05, "违法犯罪记录": 0.004, "低保": 0.03}
    tags = np.full(n, "", dtype=object)
    for g, p in groups.items():
        hit = rng.random(n) < p
        tags = np.where(hit, np.where(tags == "", g, tags + "、" + g), tags)
    people["special"] = tags
    special = pd.Series(tags, dtype=str)
    people["absence_p"] = (
        np.where(people["left_behind"] != "否", GROUP_ABSENCE_P["left_behind"], 0.0)
        + np.where(special.str.contains("学困生"), GROUP_ABSENCE_P["struggling"], 0.0)
        + np.where(special.str.contains("违法犯罪记录"), GROUP_ABSENCE_P["offence"], 0.0)
    )


def _poverty_households(rng, n_hh: int) -> dict[str, np.ndarray]:
    kind = rng.choice(["", "脱贫户", "监测户", "一般农户"], p=[0.925, 0.05, 0.02, 0.005], size=n_hh)
    monitor = np.where(
        kind == "监测户",
        rng.choice(["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"], p=[0.4, 0.4, 0.2], size=n_hh),
        "",
    )
    cleared = np.where(kind == "", "", np.where(rng.random(n_hh) < 0.3, "是", "否"))
    return {"type": kind, "monitor": monitor, "cleared": cleared}


def _schools(people: pd.DataFrame, towns: pd.DataFrame, county: str, y1: int, rng) -> pd.DataFrame:
    """Primary and junior schools per township; assigns each student a primary and a junior."""
    rows = []
    people["primary_school"] = -1
    people["junior_school"] = -1
    stu = people[people["student"]]
    for t, group in stu.groupby("town"):
        town = towns.loc[t]
        per_year = len(group) / 10
        n_primary = max(1, int(np.ceil(per_year * 6 / 450)))
        n_junior = max(1, int(np.ceil(per_year * 3 / 900)))
        base = len(rows)
        for k in range(n_primary):
            name = f"{town['name']}中心小学" if k == 0 else f"{town['name']}第{k + 1}小学"
            kind = "乡村" if (k > 0 and town["kind"] != "城区") else town["kind"]
            rows.append((name, "小学", town["code"], kind))
        for k in range(n_junior):
            suffix = "初级中学" if k == 0 else f"第{k + 1}初级中学"
            rows.append((f"{town['name']}{suffix}", "初中", town["code"], town["kind"]))
        idx = group.index.to_numpy()
        people.loc[idx, "primary_school"] = base + rng.integers(0, n_primary, len(idx))
        people.loc[idx, "junior_school"] = base + n_primary + rng.integers(0, n_junior, len(idx))
    schools = pd.DataFrame(rows, columns=["name", "stage", "town_code", "urban_rural"])
    # the junior schools of the county seat (街道) are run by the county bureau (局属学校) and report
    # to it directly; every other school reports through its township's center school
    county_run = (schools["stage"] == "初中") & (schools["urban_rural"] == "城区")
    schools["governed_by"] = np.where(county_run, "局属", "乡镇中心校")
    # 学校标识码: ten digits, a leading digit, the county's code and a three-digit number; a county
    # with more than 999 schools (the million-student benchmark) moves on to the next leading digit
    schools["code"] = [f"{2 + i // 999}{county}{i % 999 + 1:03d}" for i in range(len(schools))]
    schools["name"] = _COUNTY_NAMES.get(county, "") + schools["name"]
    return schools


def _take(pool: np.ndarray, used: set, n: int, rng, prefer: np.ndarray | None = None) -> np.ndarray:
    free = np.array([p for p in pool if p not in used])
    if len(free) < n:
        raise SystemExit("the county is too small for the planted cases: raise --students")
    weights = None
    if prefer is not None:
        w = np.where(prefer[free], 6.0, 1.0)
        weights = w / w.sum()
    pick = rng.choice(free, size=n, replace=False, p=weights)
    used.update(pick.tolist())
    return pick


def _plant(world: World, rng, y1: int) -> None:
    p = world.people
    n = world.params.students
    n_days = len(world.days)
    count = max(2, round(n * 0.0005))
    final_cohort_ok = (p["cohort"] >= y1 - 8) & (p["cohort"] <= y1 - 1)
    poor = (p["poverty_type"].isin(["脱贫户", "监测户"])).to_numpy()
    usable = (p["status_id"] != "").to_numpy()
    used: set[int] = set()
    records = []

    def record(idx, plant, **extra):
        for i in idx:
            records.append({"person": int(i), "plant": plant, **extra})

    enrolled = np.nonzero((p["student"] & final_cohort_ok).to_numpy() & usable)[0]
    register_kids = np.nonzero((p["in_register"] & final_cohort_ok & (p["role"] != "户主")).to_numpy())[0]
    enrolled_reg = np.intersect1d(enrolled, register_kids)

    # Attendance tails ending on the last school day (and long leave, and a too-short streak).
    for plant, (pattern, _stage, _streak) in STREAK_PLANTS.items():
        picked = _take(enrolled, used, count, rng, poor)
        for i in picked:
            world.patterns[int(i)] = pattern
        record(picked, plant)
    # A streak of 6 in mid-term, then back in school.
    picked = _take(enrolled, used, count, rng, poor)
    for i in picked:
        world.mid_patterns[int(i)] = (n_days - 15, RETURN_PATTERN)
    record(picked, "returned")
    # Leaves of several lengths (filed with the principal, the township or the county).
    for days in LEAVE_DAYS:
        for is_poor in (False, True):
            pool = enrolled[poor[enrolled] == is_poor]
            picked = _take(pool, used, count, rng)
            pattern = [SICK if k % 2 == 0 else PERSONAL for k in range(days)]
            for i in picked:
                world.mid_patterns[int(i)] = (n_days - LEAVE_END, pattern)
            record(picked, f"leave_{days}" + ("_poverty" if is_poor else ""))
    # Register children whose status record has a J number and no ID number: matched by name,
    # birth date and sex where that is unique; ambiguous where a twin record shares all three.
    picked = _take(enrolled_reg, used, count, rng)
    _drop_id_from_status(p, picked)
    record(picked, "id_by_name")
    picked = _take(enrolled_reg, used, count, rng)
    _drop_id_from_status(p, picked)
    taken = set(p["id_number"])
    for i in picked:
        same = enrolled_reg[(p["cohort"].to_numpy()[enrolled_reg] == p.at[i, "cohort"])]
        twin = int(_take(same, used, 1, rng)[0])
        for column in ("name", "male", "birth"):
            p.at[twin, column] = p.at[i, column]
        # the highest free sequence number of the sex (a large county has twins sharing a birth date)
        for seq in range(999 if p.at[i, "male"] else 998, 0, -2):
            new_id = idnumber.build_ids(
                np.array([p.at[twin, "id_number"][:6]]),
                np.array([p.at[i, "birth"]], dtype="datetime64[D]"),
                np.array([seq]),
            )[0]
            if new_id not in taken:
                break
        taken.add(new_id)
        p.loc[twin, ["id_number", "status_id", "student_no"]] = [new_id, new_id, "G" + new_id]
    record(picked, "id_ambiguous")
    # In status, but the school's attendance roster stopped listing them.
    picked = _take(enrolled, used, count, rng, poor)
    p.loc[picked, "att_end"] = np.where(rng.random(len(picked)) < 0.5, 0, n_days - NOT_ON_ROSTER_GAP)
    record(picked, "not_on_roster")

    # Status events between two snapshots (only children registered in the county).
    snap_days = np.searchsorted(world.days, np.array(world.snapshots, dtype="datetime64[D]"))

    def set_event(idx, event, k, day):
        p.loc[idx, "event"] = event
        p.loc[idx, "event_snapshot"] = k
        p.loc[idx, "event_day"] = day
        p.loc[idx, "att_end"] = day + 1

    def event_days(n_picked):
        """A snapshot k >= 1 and a school day in the three before it (so the roster gap
        before the registry catches up stays under the not-on-roster window)."""
        k = rng.integers(1, len(snap_days), size=n_picked)
        day = np.maximum(snap_days[k] - 1 - rng.integers(0, 3, size=n_picked), snap_days[k - 1])
        return k, day

    for plant, event in (
        ("left_status", EV_LEFT),
        ("transferred_out", EV_TRANSFER),
        ("suspended", EV_SUSPEND),
    ):
        picked = _take(enrolled_reg, used, count, rng, poor)
        set_event(picked, event, *event_days(len(picked)))
        record(picked, plant)
    # A case (six unexcused days) that closes when the registry shows a transfer, a suspension
    # or a death.
    for plant, event in (
        ("case_transferred", EV_TRANSFER),
        ("case_suspended", EV_SUSPEND),
        ("case_deceased", EV_DEATH),
    ):
        picked = _take(enrolled, used, count, rng, poor)
        k, day = event_days(len(picked))
        day = np.maximum(day, CASE_STREAK + 2)
        set_event(picked, event, k, day)
        for i, d in zip(picked, day, strict=True):
            world.mid_patterns[int(i)] = (int(d) + 1, [UNEXCUSED] * CASE_STREAK)
        record(picked, plant)
    # Escalated to dropout, then back in school; back in school, then absent again.
    picked = _take(enrolled, used, count, rng, poor)
    for i in picked:
        world.mid_patterns[int(i)] = (n_days - 40, [UNEXCUSED] * 16)
    record(picked, "returned_after_escalation")
    picked = _take(enrolled, used, count, rng, poor)
    for i in picked:
        world.mid_patterns[int(i)] = (n_days - 15, RETURN_PATTERN)
        world.patterns[int(i)] = [UNEXCUSED] * 5
    record(picked, "relapse")
    # Suspected dropouts at any time of the (last) school year who come back after 5-8 days.
    years = np.array([calendar.school_year(d.astype(object)) for d in world.days])
    first_day = int(np.argmax(years == years[-1]))
    lo, hi = first_day + LEAD_UP_DAYS + 10, max(first_day + LEAD_UP_DAYS + 11, n_days - 24)
    picked = _take(enrolled, used, 4 * count, rng, poor) if hi < n_days - 1 else np.array([], int)
    ends = rng.integers(lo, hi, size=len(picked))
    lengths = rng.integers(5, 9, size=len(picked))
    for i, end, length in zip(picked, ends, lengths, strict=True):
        world.mid_patterns[int(i)] = (int(end), [UNEXCUSED] * int(length))
    record(picked, "midterm_dropout")
    _plant_year_change(world, rng, used, record, count, snap_days, set_event)

    # Registered children who never had a student status; and who died or moved away.
    for plant, status in (("never_enrolled", "正常"), ("deceased", "死亡"), ("moved_out", "迁出")):
        picked = _take(register_kids, used, count if status == "正常" else max(2, count // 3), rng, poor)
        p.loc[picked, "student"] = False
        p.loc[picked, "student_no"] = ""
        p.loc[picked, "person_status"] = status
        record(picked, plant)
    _plant_dirty_identities(world, rng, used, record, enrolled, enrolled_reg, count)
    world.plants = pd.DataFrame(records)
    _plant_lead_ups(world, rng)
    _plant_calendar(world, used)


def _plant_lead_ups(world: World, rng) -> None:
    """Lone unexcused days, ever more often, before a share of the planted streaks that open a
    case. Only students with a single planted run get them, so a lead-up never meets another
    run; each day keeps a present day on both sides (the writer enforces it), so no lead-up day
    is part of a streak and the planted truth stays exact."""
    n_days = len(world.days)
    runs = {p: (n_days, pattern) for p, pattern in world.patterns.items()}
    for p, run in world.mid_patterns.items():
        runs[p] = None if p in runs else run
    ramp = np.linspace(*LEAD_UP_P, LEAD_UP_DAYS)
    for person, run in sorted((p, r) for p, r in runs.items() if r is not None):
        end, pattern = run
        if pattern.count(UNEXCUSED) < 5 or rng.random() >= LEAD_UP_SHARE:
            continue
        start = end - len(pattern)
        # the lead-up ends two days before the run (the day before it is present)
        window = np.arange(start - LEAD_UP_DAYS - 1, start - 1)
        hit = window[(rng.random(LEAD_UP_DAYS) < ramp) & (window >= 1)]
        # at most every other day, so a present day separates any two of them
        keep = np.ones(len(hit), bool)
        for k in range(1, len(hit)):
            keep[k] = not (keep[k - 1] and hit[k] - hit[k - 1] < 2)
        world.lead_ups[person] = hit[keep]


def _plant_year_change(world: World, rng, used: set, record, count: int, snap_days, set_event) -> None:
    """Plants that need two school years: a case closed by graduation, an out-of-school child
    who passes the compulsory age, and grade-6 students who do not register in grade 7."""
    p = world.people
    years = np.array([calendar.school_year(d.astype(object)) for d in world.days])
    snap_years = np.array([calendar.school_year(d) for d in world.snapshots])
    if len(np.unique(years)) < 2 or len(np.unique(snap_years)) < 2:
        return
    y0 = int(years[0])
    last_day_y0 = int(np.nonzero(years == y0)[0][-1])
    first_snap_y1 = int(np.nonzero(snap_years > y0)[0][0])
    usable = (p["status_id"] != "").to_numpy()
    cohort = p["cohort"].to_numpy()
    students = p["student"].to_numpy() & usable
    # grade 9 in the first year, a streak at its very end, then 毕业 in the next year's registry
    picked = _take(np.nonzero(students & (cohort == y0 - 8))[0], used, count, rng)
    for i in picked:
        world.mid_patterns[int(i)] = (last_day_y0 + 1, [UNEXCUSED] * CASE_STREAK)
    record(picked, "case_graduated")
    # 15 in the first year, never enrolled, 16 (over the compulsory age) in the second
    pool = np.nonzero(p["in_register"].to_numpy() & students & (cohort == y0 - 9))[0]
    picked = _take(pool, used, count, rng)
    p.loc[picked, "student"] = False
    p.loc[picked, "student_no"] = ""
    record(picked, "over_age")
    # grade 6 in the first year; in the second, missing from the registry or transferred
    pool = np.nonzero(p["in_register"].to_numpy() & students & (cohort == y0 - 5))[0]
    for plant, event in (("handover_missing", EV_LEFT), ("handover_transferred", EV_TRANSFER)):
        picked = _take(pool, used, count, rng)
        set_event(picked, event, first_snap_y1, last_day_y0)
        record(picked, plant)


def _drop_id_from_status(p: pd.DataFrame, idx: np.ndarray) -> None:
    p.loc[idx, "student_no"] = "J" + p.loc[idx, "id_number"].str[:17] + "1"
    p.loc[idx, "status_id"] = ""


def enrolled_days(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Per student (rows of ``people`` where student) the first and one-past-last school-day
    index on the attendance roster, from cohorts and planted events."""
    p = world.people
    years = np.array([calendar.school_year(d.astype(object)) for d in world.days])
    first_day_of_year = {y: int(np.argmax(years == y)) for y in np.unique(years)}
    last_day_of_year = {y: int(len(years) - np.argmax(years[::-1] == y)) for y in np.unique(years)}
    cohort = p["cohort"].to_numpy()
    start = np.full(len(p), len(years))
    end = np.zeros(len(p), dtype=int)
    for y in np.unique(years):
        in_grade = (y - cohort + 1 >= 1) & (y - cohort + 1 <= 9)
        start = np.where(in_grade, np.minimum(start, first_day_of_year[y]), start)
        end = np.where(in_grade, np.maximum(end, last_day_of_year[y]), end)
    end = np.minimum(end, p["att_end"].to_numpy())
    return start, end


CORRECTION_START = 45  # school days before the last one: the corrected week
CORRECTION_DAYS = 5


def _plant_dirty_identities(world: World, rng, used: set, record, enrolled, enrolled_reg, count: int) -> None:
    """Identity plants of messy registers: J-number records without ID whose name the status
    registry spells with an inner or full-width space; a child registered twice in the latest
    snapshot (G number at one school, J number without ID at another); a G student whose ID
    number cell Excel mangled; wrongly recorded absences that a later correction puts right."""
    p = world.people
    picked = _take(enrolled_reg, used, count, rng)
    _drop_id_from_status(p, picked)
    for k, i in enumerate(picked):
        name = p.at[i, "name"]
        p.at[i, "status_name"] = name[0] + (" " if k % 2 == 0 else "\u3000") + name[1:]
    record(picked, "id_by_normalised_name")
    schools = world.schools
    for i in _take(enrolled_reg, used, 1, rng):
        grade = calendar.school_year(world.days[-1].astype(object)) - p.at[i, "cohort"] + 1
        own = p.at[i, "primary_school"] if grade <= 6 else p.at[i, "junior_school"]
        same_stage = np.nonzero(schools["stage"].to_numpy() == schools.at[own, "stage"])[0]
        others = same_stage[same_stage != own]
        if len(others):
            world.duplicate_registrations[int(i)] = int(others[0])
            record([i], "duplicate_registration")
    world.mangled_status_id = int(_take(enrolled, used, 1, rng)[0])
    record([world.mangled_status_id], "mangled_status_id")
    n_days = len(world.days)
    if n_days > CORRECTION_START + 10:
        picked = _take(enrolled, used, count, rng)
        for i in picked:
            world.corrections[int(i)] = (n_days - CORRECTION_START, CORRECTION_DAYS)
        record(picked, "corrected_absence")
    towns = world.townships
    town = int(np.argmax(towns["name"].str.endswith("街道"))) if towns["name"].str.endswith("街道").any() else 0
    former = "城关镇" if "城关镇" not in set(towns["name"]) else towns.at[town, "name"] + "（旧）"
    world.renamed_township = (former, town, 0)


def _plant_calendar(world: World, used: set) -> None:
    """Attendance on dates that are not county school days, which must never become school
    days: one school's holiday class on a public holiday, and a make-up Saturday attended by
    grade 9 alone. Only unplanted students attend, so the planted truth stays exact."""
    p = world.people
    days = world.days
    last_year = calendar.school_year(days[-1].astype(object))
    start = max(world.params.start, date(last_year, 9, 1))
    dates = [start + timedelta(days=k) for k in range((world.params.end - start).days + 1)]
    cohort = p["cohort"].to_numpy()
    free = p["student"].to_numpy() & ~p.index.isin(list(used)) & (p["status_id"] != "").to_numpy()
    begin, end = enrolled_days(world)

    def attending(d: date, who: np.ndarray) -> np.ndarray:
        k = int(np.searchsorted(days, np.datetime64(d)))
        return np.nonzero(who & free & (begin <= k) & (end > k))[0]

    holidays = [
        d
        for d in dates
        if calendar.public_holidays().get(d, ("", ""))[0] == "holiday" and calendar.in_term(d) and d.weekday() < 5
    ]
    junior = np.nonzero(world.schools["stage"].to_numpy() == "初中")[0]
    if holidays and len(junior):
        day = holidays[len(holidays) // 2]
        grade = last_year - cohort + 1
        at_school = np.where(grade <= 6, p["primary_school"], p["junior_school"]).astype(int) == junior[0]
        world.off_calendar.append((day, attending(day, at_school & (grade >= 1) & (grade <= 9)), "holiday_class"))
    # a Saturday after the last school day of its month: were school days inferred from
    # attendance, the monthly report would count the whole county on it
    school_days = set(days.astype(object))

    def month_of(d: date) -> list[date]:
        return [e for e in dates if (e.year, e.month) == (d.year, d.month) and e in school_days]

    saturdays = [
        d
        for d in dates
        if d.weekday() == 5
        and calendar.in_term(d)
        and not calendar.is_working_day(d)
        and month_of(d)
        and max(month_of(d)) < d
    ]
    if saturdays:
        day = saturdays[0]
        world.off_calendar.append((day, attending(day, cohort == last_year - 8), "grade_9_saturday"))
