"""总览: what needs doing today, where the unit stands this month, its rates, and the way down
from the county to each township, school and child.

A county user opens a township (?town=) or a school (?school=) by clicking its row; a township
user a school. Below the county role every figure on this page — tables, key figures, their
changes, charts, rates — passes small-count suppression together (dashboards.disclosure), so
none gives another away."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from dashboards import data, disclosure, reports, ui
from dashboards.disclosure import Share, Sum

# Targets from the county plans: consolidation ≥ 99% (霍邱), enrollment 100%; counties may change them.
CONSOLIDATION_TARGET = float(os.environ.get("KCBX_TARGET_CONSOLIDATION", "0.99"))
ENROLLMENT_TARGET = float(os.environ.get("KCBX_TARGET_ENROLLMENT", "1.0"))
OWN = "own"  # the index of the unit's own row in the frames below
PAGE = "views/overview.py"

scope = ui.current_scope()
params = st.query_params
view = (
    data.narrowed(scope, "school", params["school"])
    if "school" in params
    else data.narrowed(scope, "township", params["town"])
    if "town" in params
    else None
) or scope
ui.header("总览", view)
own = data.own_unit(view)
units = data.report_units(scope).set_index(["level", "unit_code"])

if view.level:  # the way back up
    trail = [(scope, data.own_unit(scope))]
    if view.level == "school" and not bool(own["is_county_run"]) and scope.role != "township":
        town = data.narrowed(scope, "township", own["township_code"])
        if town is not None:
            trail.append((town, data.own_unit(town)))
    cols = st.columns(len(trail) + 1)
    for col, (s, unit) in zip(cols, trail, strict=False):
        query = {} if s is scope else {"town": unit["unit_code"]}
        col.page_link(PAGE, label=f"← {unit['report_unit_name']}", query_params=query)

monthly = data.monthly_report(view)
if monthly.empty:
    st.info("本范围内没有月报数据。")
    st.stop()
counts = data.key_counts(view)
months = monthly.drop_duplicates("month").sort_values("month")
latest = months.iloc[-1]
MONTHLY = list(reports.MONTHLY.columns)


by_month = dict(tuple(monthly.groupby("month")))


def month_rows(month: str) -> pd.DataFrame:
    """The unit's own row (index OWN) and the rows directly under it, one month; counts as numbers."""
    mine, below = reports.submission(by_month[month], own["level"], own["unit_code"])
    rows = pd.concat([mine.to_frame().T.set_axis([OWN]), below.set_index("report_unit_name", drop=False)])
    numbers = pd.DataFrame(rows[MONTHLY].to_numpy(dtype=float), index=rows.index, columns=MONTHLY)
    return pd.concat([rows.drop(columns=MONTHLY), numbers], axis=1)


# Today's priorities and the lists that look alike, beside the latest month's own figures: one
# frame, so that suppression sees every sum that holds between them.
KEY = list(counts.index)
KEY_SUMS = (
    Sum("out_of_school_list", ("never_enrolled", "left_status", "transferred_out")),
    Sum("open_cases", ("open_unexcused", "open_not_on_roster", "open_out_of_school_cases")),
    Sum("open_suspected_dropouts", ("open_unexcused", "open_not_on_roster")),
    Sum("open_out_of_school", ("open_out_of_school_cases",)),
    Sum("open_cases", ("open_escalated",), exact=False),
    Sum("all_escalated", ("open_escalated",), exact=False),
    Sum("open_cases", ("open_poverty_cases",), exact=False),
    Sum("poverty_list", ("poverty_out_of_school", "poverty_not_on_roster", "poverty_suspected", "poverty_dropout")),
    Sum("open_cases", ("new_today",), exact=False),
)
now = month_rows(latest["month"])
for column in KEY:
    now.loc[OWN, column] = counts[column]
now_shown = disclosure.protect(
    now.astype({c: "float64" for c in KEY}),
    view.is_county,
    MONTHLY + KEY,
    [*reports.MONTHLY_SUMS, *KEY_SUMS],
    total_row=OWN,
)
# Each month's own figures as shown: below the county role, protected with that month's rows
# (the latest month's as above); the county sees them all.
if view.is_county:
    own_rows = monthly[(monthly["level"] == own["level"]) & (monthly["unit_code"] == own["unit_code"])]
    trend = disclosure.protect(
        pd.DataFrame(own_rows[MONTHLY].to_numpy(dtype=float), index=own_rows["month"], columns=MONTHLY), True, MONTHLY
    )
    by_month_shown = {m: (trend.values.loc[m], trend.text.loc[m], trend.hidden.loc[m]) for m in own_rows["month"]}
else:
    by_month_shown = {}
    for m in months["month"]:
        shown = disclosure.protect(month_rows(m), False, MONTHLY, reports.MONTHLY_SUMS, total_row=OWN)
        by_month_shown[m] = (shown.values.loc[OWN], shown.text.loc[OWN], shown.hidden.loc[OWN])
by_month_shown[latest["month"]] = (now_shown.values.loc[OWN], now_shown.text.loc[OWN], now_shown.hidden.loc[OWN])


def text(column: str) -> str:
    return now_shown.text.at[OWN, column]


# ---- 今日重点 ---------------------------------------------------------------------------
st.subheader("今日重点")
LIST_PAGES = {"compare": "views/compare.py", "ledgers": "views/ledgers.py", "lists": "views/lists.py"}
PRIORITIES = (
    (
        "new_today",
        "今日新增案件",
        "比对日新立案的疑似辍学和适龄失学案件",
        "ledgers",
        {"list": "cases", "is_new_today": "1"},
    ),
    (
        "absent_3d",
        "连续无故缺勤3天",
        "当日须联系家长或家访（三线报告）",
        "compare",
        {"list": "dropout_watch", "stage": "absent_3d"},
    ),
    (
        "suspected_dropout",
        "疑似辍学",
        "连续无故缺勤5天：专人劝返，10个工作日内不少于3次",
        "compare",
        {"list": "dropout_watch", "stage": "suspected_dropout"},
    ),
    ("dropout", "辍学", "连续无故缺勤15天：报乡镇，联合劝返", "compare", {"list": "dropout_watch", "stage": "dropout"}),
    (
        "escalated_today",
        "今日升级为辍学",
        "比对日连续缺勤满15天的案件",
        "ledgers",
        {"list": "dropouts", "escalated_today": "1"},
    ),
    ("poverty_list", "脱贫户/监测户失学辍学", "第一优先：辍学比脱贫户名单", "compare", {"list": "poverty_dropouts"}),
    ("transferred_out", "转出待核实", "最后学籍为转出：核实是否在外地就读", "lists", {"list": "transferred_out"}),
    (
        "county_filings",
        "本月须报县教育局备案的请假",
        "脱贫户/监测户学生请假超过7天",
        "lists",
        {"list": "leave_filings", "filing_level": "county", "this_month": "1"},
    ),
)
scope_filter = {"township_code": view.township_code} if view.township_code else {}
scope_filter |= {"school_code": view.school_code} if view.school_code else {}
cols = st.columns(4)
for i, (column, label, help_text, page, query) in enumerate(PRIORITIES):
    col = cols[i % 4]
    ui.metric(col, label, text(column), help_text=help_text)
    col.page_link(
        LIST_PAGES[page], label="查看名单", icon=":material/arrow_forward:", query_params={**query, **scope_filter}
    )

# ---- 关键数字 ---------------------------------------------------------------------------
previous = months.iloc[-2]["month"] if len(months) > 1 else None
as_of = latest["as_of_date"]
st.subheader(
    f"关键数字（{latest['month_name']}"
    + ("" if latest["is_complete"] else f"，截至{as_of:%m月%d日}")
    + (f"，与{months.iloc[-2]['month_name']}比" if previous else "")
    + "）"
)
FIGURES = (
    ("students_with_status", "有学籍学生", "在读 + 休学", "off"),
    ("students_in_school", "实际在校学生", "统计日出勤、迟到、早退", ui.GOOD_UP),
    ("gap", "人籍差额", "有学籍 − 实际在校 = 请假 + 休学 + 无故缺勤 + 不在考勤名册", ui.GOOD_DOWN),
    ("new_cases", "本月新增案件", "当月新立案（疑似辍学、适龄失学）", ui.GOOD_DOWN),
    ("open_suspected_dropouts", "在办疑似辍学", "统计日在办的疑似辍学案件（含已升级为辍学的）", ui.GOOD_DOWN),
    ("open_dropouts", "其中辍学", "在办疑似辍学案件中已连续缺勤满15天的", ui.GOOD_DOWN),
    ("open_out_of_school", "在办适龄失学", "统计日在办的适龄失学案件", ui.GOOD_DOWN),
    ("returned_cases", "本月劝返复学", "当月劝返复学销号", ui.GOOD_UP),
)
cols = st.columns(4)
for i, (column, label, help_text, good) in enumerate(FIGURES):
    change = None
    if previous:
        before_values, _, before_hidden = by_month_shown[previous]
        change = disclosure.delta(
            now_shown.values.at[OWN, column],
            before_values[column],
            bool(now_shown.hidden.at[OWN, column]),
            bool(before_hidden[column]),
        )
    ui.metric(cols[i % 4], label, text(column), change, good, help_text)

# ---- 相近数字的口径 -----------------------------------------------------------------------
with st.expander("相近数字的区别（口径）", expanded=True):
    FAMILIES = (
        (
            "适龄失学",
            "out_of_school_list",
            "适龄失学名单（户籍比学籍）",
            "户籍在本县、义务教育年龄、最新学籍中没有在读或休学的儿童",
        ),
        ("适龄失学", "never_enrolled", "　其中从未有学籍", ""),
        ("适龄失学", "left_status", "　其中学籍已消失", "学籍状态不再是在读或休学"),
        ("适龄失学", "transferred_out", "　其中转出待核实", "只核实是否在外地就读，不立案"),
        ("适龄失学", "open_out_of_school", "在办适龄失学案件", "从未有学籍、学籍已消失的儿童立案，销号前一直在办"),
        ("疑似辍学", "open_suspected_dropouts", "在办疑似辍学案件（含辍学）", "案件在返校、转学、休学等销号前一直在办"),
        ("疑似辍学", "open_unexcused", "　其中连续无故缺勤立案", "连续无故缺勤5个上学日"),
        ("疑似辍学", "open_not_on_roster", "　其中不在考勤名册立案", "学籍在读，近5个上学日不在任何考勤名册"),
        ("疑似辍学", "suspected_dropout", "今日疑似辍学阶段", "比对日连续无故缺勤5–14天（学籍比在校名单）"),
        ("疑似辍学", "not_on_roster", "今日不在考勤名册", "比对日不在考勤名册（学籍比在校名单）"),
        ("辍学", "dropout", "今日辍学阶段", "比对日连续无故缺勤满15天"),
        ("辍学", "open_escalated", "在办辍学案件", "升级为辍学、尚未销号的案件"),
        ("辍学", "all_escalated", "辍学台账", "所有升级过辍学的案件，含已销号的"),
        ("脱贫户/监测户", "poverty_list", "脱贫户/监测户失学辍学名单", "名单中属于脱贫户或监测户的儿童"),
        ("脱贫户/监测户", "poverty_out_of_school", "　其中适龄失学", ""),
        ("脱贫户/监测户", "poverty_not_on_roster", "　其中不在考勤名册", ""),
        ("脱贫户/监测户", "poverty_suspected", "　其中疑似辍学", ""),
        ("脱贫户/监测户", "poverty_dropout", "　其中辍学", ""),
        ("脱贫户/监测户", "open_poverty_cases", "在办案件中的脱贫户/监测户", "在办的疑似辍学、适龄失学案件"),
    )
    ui.frame(
        pd.DataFrame(
            [(family, label, text(column), note) for family, column, label, note in FAMILIES],
            columns=["类别", "项目", "人数", "口径"],
        ),
        text_right=("人数",),
        key="families",
    )

# ---- 巩固率与入学率 -----------------------------------------------------------------------
cons = data.consolidation_rate(view)
enroll = data.enrollment_rate(view)
annual = cons[cons["method"] == "annual"]
level, code = own["level"], own["unit_code"]
RATE = Share("rate", "numerator", "denominator", digits=2)  # rates near 100% differ in the second decimal
if not annual.empty:
    # the latest school year with two snapshots (a year's first month alone measures nothing)
    spans = annual[annual["first_snapshot_date"] < annual["last_snapshot_date"]]
    year = (spans if not spans.empty else annual)["school_year"].max()
    annual = annual[annual["school_year"] == year]
    first, last = annual["first_snapshot_date"].iloc[0], annual["last_snapshot_date"].iloc[0]
    st.subheader(f"巩固率与入学率（{ui.school_year(year)}）")
    st.caption(f"年度口径按 {first:%Y年%m月%d日} 至 {last:%Y年%m月%d日} 的学籍快照计算。")
    mine = annual[(annual["level"] == level) & (annual["unit_code"] == code)].set_index("stage")
    rate_text = disclosure.protect(mine, view.is_county, ["numerator", "denominator"], shares=[RATE]).text
    cols = st.columns(4)
    stage_names = ui.glossary_labels("stage")
    for col, stage in zip(cols, ("nine_year", "primary", "junior"), strict=False):
        if stage in mine.index:
            r = mine.loc[stage]
            vs_target = r["rate"] - CONSOLIDATION_TARGET
            exact = rate_text.at[stage, "rate"] == f"{r['rate']:.2%}"
            col.metric(
                f"巩固率·{stage_names[stage]}（年度口径）",
                rate_text.at[stage, "rate"],
                delta=f"{vs_target:+.2%} 对目标 {CONSOLIDATION_TARGET:.0%}" if exact else None,
                delta_color=ui.GOOD_UP,
                help="学年末在籍 ÷（学年初在籍 + 转入 − 转出 − 死亡）",
            )
            if r["is_over_100"]:
                col.warning("超过100%，是数据问题，需核查转入转出记录。")
    cohort = cons[(cons["method"] == "cohort") & (cons["level"] == level) & (cons["unit_code"] == code)]
    if not cohort.empty:
        c = cohort.sort_values("school_year").iloc[-1]
        cohort_text = disclosure.protect(
            cohort.tail(1), view.is_county, ["numerator", "denominator"], shares=[RATE]
        ).text.iloc[0]["rate"]
        cols[3].metric(
            "巩固率·届别口径",
            cohort_text,
            delta=f"{c['rate'] - CONSOLIDATION_TARGET:+.2%} 对目标 {CONSOLIDATION_TARGET:.0%}"
            if cohort_text == f"{c['rate']:.2%}"
            else None,
            delta_color=ui.GOOD_UP,
            help=f"{ui.school_year(c['school_year'])}九年级在籍 ÷ 八个学年前一年级入学人数（全国口径）",
        )
    enroll_mine = enroll[(enroll["level"] == level) & (enroll["unit_code"] == code)]
    if not enroll_mine.empty:
        e = enroll_mine.iloc[0]
        e_text = disclosure.protect(enroll_mine, view.is_county, ["numerator", "denominator"], shares=[RATE]).text
        st.metric(
            "入学率",
            e_text.iloc[0]["rate"],
            delta=f"{e['rate'] - ENROLLMENT_TARGET:+.2%} 对目标 {ENROLLMENT_TARGET:.0%}"
            if e_text.iloc[0]["rate"] == f"{e['rate']:.2%}"
            else None,
            delta_color=ui.GOOD_UP,
            help="户籍适龄儿童中有在读学籍者的比例",
        )
    below = annual[(annual["stage"] == "nine_year") & (annual["parent_code"] == code) & (annual["level"] != level)]
    below = below.assign(
        order=[units.loc[(lv, uc), "unit_order"] for lv, uc in zip(below["level"], below["unit_code"], strict=True)]
    ).sort_values("order")
    if not below.empty:
        by_unit = disclosure.protect(below, view.is_county, ["numerator", "denominator"], shares=[RATE])
        names = [
            units.loc[(lv, uc), "report_unit_name"] for lv, uc in zip(below["level"], below["unit_code"], strict=True)
        ]
        ui.bar_chart(
            names,
            by_unit.values["rate"],
            "各单位巩固率（义务教育，年度口径）",
            CONSOLIDATION_TARGET,
            percent=True,
            hover=list(by_unit.text["rate"]),
        )
    small = annual[annual["is_small_denominator"] & (annual["parent_code"] == code)]
    if not small.empty:
        st.caption(f"分母不足30人、比率不宜采信的单位：{'、'.join(sorted(set(small['unit_name'].dropna())))}")

# ---- 月度趋势 ---------------------------------------------------------------------------
st.subheader("月度趋势")
names = list(months["month_name"])


def series(column: str) -> tuple[list, list]:
    shown = [by_month_shown[m] for m in months["month"]]
    return [values[column] for values, _, _ in shown], [texts[column] for _, texts, _ in shown]


left, right = st.columns(2)
with left:
    ui.line_chart(
        names,
        {"有学籍": series("students_with_status"), "实际在校": series("students_in_school")},
        "在籍与在校（人）",
        from_zero=False,
    )
with right:
    ui.line_chart(
        names,
        {
            "在办疑似辍学": series("open_suspected_dropouts"),
            "在办适龄失学": series("open_out_of_school"),
            "新增": series("new_cases"),
            "劝返复学": series("returned_cases"),
        },
        "案件（件）",
    )

# ---- the units under this one --------------------------------------------------------------
below = now.drop(index=OWN)
if not below.empty:
    st.subheader(f"{'各乡镇中心校和局属学校' if own['level'] == 'county' else '各学校'}（{latest['month_name']}）")
    table = now_shown.text.drop(index=OWN)[MONTHLY]
    table.insert(0, "report_unit_name", below["report_unit_name"])
    headers = {
        "report_unit_name": "单位",
        **dict(zip(MONTHLY, reports.flat_labels(reports.MONTHLY, ui.labels()), strict=True)),
    }
    st.caption("点击一行查看该单位；「未入学（乡镇直管）」一行打开本乡镇的适龄失学名单。")
    event = ui.frame(table, headers, key="units", text_right=MONTHLY, on_select="rerun")
    picked = event.selection.rows if event is not None else []
    if picked:
        row = below.iloc[picked[0]]
        if row["level"] == "township":
            st.switch_page(PAGE, query_params={"town": row["unit_code"]})
        elif row["level"] == "school":
            st.switch_page(PAGE, query_params={"school": row["unit_code"]})
        elif row["township_code"]:
            st.switch_page(
                LIST_PAGES["compare"], query_params={"list": "out_of_school", "township_code": row["township_code"]}
            )
elif own["level"] == "school":
    st.subheader("本校在办案件")
    n, cases = data.child_list(view, "cases", {"is_open": True})
    if cases.empty:
        st.write("本校没有在办案件。")
    else:
        ui.linked_table(
            ui.chinese(cases, ["person_name", "grade", "kind", "trigger", "opened_on", "escalated_on", "key_groups"]),
            list(cases["token"]),
            key="school_cases",
        )
