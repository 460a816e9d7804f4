"""The case panel: one case file with its duties, its timeline and the form to record an action.

Reusable on any page: ``show(case_id)`` renders the panel for the signed-in user (nothing when the
case is outside the user's scope); ``open_case(case_id)`` and ``case_link(case_id)`` lead to the
案件 page from another page. A case is named by its opaque number only, in the URL too
(``?case=7K3MQ-9XDT4``): never by ID number, name or student number.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from casework.store import Action, AlreadyCorrected, EntryError, OutOfScope, local_today
from casework.vocabulary import vocabulary
from dashboards import casework_data as cw
from dashboards import data, ui

CASE_PAGE = "views/case.py"
CASE_PARAM = "case"  # its query parameter: the opaque case number
NOT_GIVEN = "（不填）"
ENTRY_LABELS = {
    "action_date": "日期",
    "action": "措施",
    "person": "责任人",
    "departments": "参与部门",
    "result": "结果",
    "cause": "辍学原因",
    "notes": "备注",
    "source": "来源",
    "recorded_by": "录入人",
    "recorded_at": "录入时间（北京时间）",
    "state": "状态",
}


def open_case(case_id: str) -> None:
    """Go to the 案件 page showing this case (for buttons and row selections on other pages)."""
    st.switch_page(CASE_PAGE, query_params={CASE_PARAM: case_id})


def case_link(case_id: str, label: str | None = None) -> None:
    """A link to the 案件 page showing this case."""
    st.page_link(
        CASE_PAGE,
        label=label or f"案件 {case_id}：登记劝返措施",
        icon=":material/edit_note:",
        query_params={CASE_PARAM: case_id},
    )


def pick_case(case_ids: pd.Series, key: str) -> None:
    """A hook for list pages: choose one of the listed cases by its number and open it on the 案件 page."""
    ids = list(dict.fromkeys(case_ids.dropna()))
    if not ids:
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("案件编号", ids, key=f"{key}_case", help="在案件页查看职责和期限、登记劝返措施")
    if right.button("打开案件，登记措施", key=f"{key}_open"):
        open_case(chosen)


def _day(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d").fillna("")


def duties_table(duties: pd.DataFrame) -> pd.DataFrame:
    """Duties with Chinese labels, as on the case page and the 今日待办 list."""
    table = pd.DataFrame(
        {
            "职责": duties["duty"].map(ui.glossary_labels("duty")),
            "月份": duties["month"].fillna(""),
            "起算日": _day(duties["trigger_on"]),
            "期限": _day(duties["due_on"]),
            "已登记/需要": duties["done_count"].astype(str) + " / " + duties["required_count"].astype(str),
            "完成日期": _day(duties["done_on"]),
            "状态": duties["status"].map(ui.glossary_labels("duty_status")),
        }
    )
    return table.drop(columns=["月份"]) if (table["月份"] == "").all() else table


def _timeline(case_id: str) -> pd.DataFrame:
    """Every entry of the case: the store's (live, with corrections) and the workbooks' (as last landed)."""
    scope = ui.current_scope()
    entries = cw.store().case_entries(case_id)
    files = cw.landed_actions(scope, case_id)

    def state(row) -> str:
        if row["withdrawn"]:
            return f"撤回第 {row['supersedes']} 号"
        if not pd.isna(row["superseded_by"]):
            return f"已被第 {row['superseded_by']} 号更正或撤回"
        return "有效" if pd.isna(row["supersedes"]) else f"有效（更正第 {row['supersedes']} 号）"

    dashboard = pd.DataFrame(
        {
            "no": entries["entry_id"].astype(str),
            "action_date": entries["action_date"],
            "action": entries["action"],
            "person": entries["person"],
            "departments": entries["departments"],
            "result": entries["result"],
            "cause": entries["cause"],
            "notes": entries["notes"],
            "source": "看板 #" + entries["entry_id"].astype(str),
            "recorded_by": entries["entered_by"],
            "recorded_at": pd.to_datetime(entries["entered_at"])
            .dt.tz_localize("UTC")
            .dt.tz_convert("Asia/Shanghai")
            .dt.strftime("%Y-%m-%d %H:%M"),
            "state": [state(r) for _, r in entries.iterrows()] if len(entries) else [],
        }
    )
    workbooks = pd.DataFrame(
        {
            "no": "",
            "action_date": files["action_date"].dt.date,
            "action": files["action"],
            "person": files["person"],
            "departments": files["departments"],
            "result": files["result"],
            "cause": files["cause"],
            "notes": files["notes"],
            "source": files["source"] + " 第" + files["source_row"].astype(str) + "行",
            "recorded_by": files["recorded_by"].fillna("县局放入"),
            "recorded_at": files["recorded_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "state": "有效",
        }
    )
    frames = [f for f in (dashboard, workbooks) if len(f)]
    if not frames:
        return dashboard
    timeline = pd.concat(frames, ignore_index=True).sort_values(["action_date", "recorded_at"], kind="stable")
    timeline["action_date"] = timeline["action_date"].astype(str)
    return timeline.astype(object).where(timeline.notna(), "")


def _action_fields(prefix: str, ref_start: date | None, today: date, initial: dict | None = None) -> Action:
    words = vocabulary()
    initial = initial or {}

    def pick(options: tuple[str, ...], value: str | None) -> int:
        return options.index(value) if value in options else 0

    left, middle, right = st.columns(3)
    day = left.date_input(
        "日期", value=initial.get("action_date", today), min_value=ref_start, max_value=today, key=f"{prefix}_date"
    )
    action = middle.selectbox(
        "措施", words.actions, index=pick(words.actions, initial.get("action", "劝返")), key=f"{prefix}_action"
    )
    person = right.text_input("责任人", value=initial.get("person", ""), key=f"{prefix}_person")
    left, middle, right = st.columns(3)
    results = (NOT_GIVEN, *words.results)
    causes = (NOT_GIVEN, *words.causes)
    result = left.selectbox("结果", results, index=pick(results, initial.get("result")), key=f"{prefix}_result")
    cause = middle.selectbox("辍学原因", causes, index=pick(causes, initial.get("cause")), key=f"{prefix}_cause")
    departments = right.multiselect(
        "参与部门",
        words.departments,
        default=[d for d in (initial.get("departments") or "").split("、") if d in words.departments],
        key=f"{prefix}_departments",
        placeholder="选择参加的部门",
    )
    notes = st.text_area("备注", value=initial.get("notes") or "", key=f"{prefix}_notes", height=80)
    return Action(
        day,
        action,
        person,
        tuple(departments),
        None if result == NOT_GIVEN else result,
        None if cause == NOT_GIVEN else cause,
        notes,
    )


def show(case_id: str) -> bool:
    """The panel for one case; False when the user may not see it."""
    scope = ui.current_scope()
    user = st.session_state["user"]
    facts = cw.case_file(scope, case_id)
    ref = cw.case_ref(scope, case_id)
    if facts is None or ref is None:
        return False
    if flash := st.session_state.pop("case_flash", None):
        st.success(flash)
    names = data.unit_names(scope)
    kind = ui.glossary_labels("file_kind").get(facts["file_kind"], facts["file_kind"])
    state = (
        "在办" if facts["is_open"] else f"已销号（{ui.value_labels('close_reason').get(facts['close_reason'], '')}）"
    )
    st.subheader(f"案件 {case_id}　{kind}　{state}")
    cols = st.columns(4)
    cols[0].markdown(f"**身份证号** {facts['id_number'] or '—'}")
    cols[1].markdown(f"**学校** {names.get(facts['school_code'], '—') if facts['school_code'] else '—'}")
    cols[2].markdown(f"**乡镇** {names.get(facts['township_code'], facts['township_code'] or '—')}")
    cols[3].markdown(
        f"**立案** {facts['opened_on']:%Y-%m-%d}"
        + (f"　**升级辍学** {facts['escalated_on']:%Y-%m-%d}" if not pd.isna(facts["escalated_on"]) else "")
    )

    st.markdown("#### 职责与期限")
    duties = cw.case_duties(scope, case_id)
    if duties.empty:
        st.write("没有待履行的职责。")
    else:
        ui.frame(duties_table(duties), key=f"duties_{case_id}")
        st.caption("期限状态截至数据比对日，按最近一次夜间运行计算；新登记的措施在下次运行后计入。")

    st.markdown("#### 登记措施")
    today = local_today()
    with st.form(f"record_{case_id}", clear_on_submit=True):
        action = _action_fields(f"new_{case_id}", ref.starts_on, today)
        submitted = st.form_submit_button("登记", type="primary")
    if submitted:
        try:
            entry = cw.store().record(cw.actor(user), ref, action)
        except (EntryError, OutOfScope) as e:
            st.error(str(e))
        else:
            st.success(f"已登记（第 {entry} 号记录）。")

    st.markdown("#### 工作记录（一案一档）")
    timeline = _timeline(case_id)
    if timeline.empty:
        st.write("还没有登记任何措施。")
    else:
        frame = timeline.drop(columns=["no"]).rename(columns=ENTRY_LABELS)
        st.dataframe(frame, hide_index=True, width="stretch", key=f"timeline_{case_id}")
    _corrections(case_id, ref, user, today)
    return True


def _corrections(case_id: str, ref, user, today: date) -> None:
    entries = cw.store().case_entries(case_id)
    current = entries[entries["superseded_by"].isna() & ~entries["withdrawn"].astype(bool)]
    if current.empty:
        return
    with st.expander("更正或撤回一条看板记录（原记录保留在档案中）"):
        labels = {
            int(r.entry_id): f"第 {r.entry_id} 号　{r.action_date}　{r.action}　{r.person}"
            for r in current.itertuples()
        }
        chosen = st.selectbox("记录", list(labels), format_func=labels.get, key=f"fix_pick_{case_id}")
        old = current[current["entry_id"] == chosen].iloc[0].to_dict()
        how = st.radio("操作", ["更正", "撤回（录入有误）"], horizontal=True, key=f"fix_how_{case_id}")
        with st.form(f"fix_{case_id}_{chosen}"):
            action = _action_fields(f"fix_{case_id}_{chosen}", ref.starts_on, today, old) if how == "更正" else None
            done = st.form_submit_button("提交" + how[:2])
        if done:
            try:
                store = cw.store()
                if action is None:
                    entry = store.withdraw(cw.actor(user), ref, chosen)
                else:
                    entry = store.correct(cw.actor(user), ref, chosen, action)
            except (EntryError, OutOfScope, AlreadyCorrected) as e:
                st.error(str(e))
            else:
                st.session_state["case_flash"] = f"已{how[:2]}第 {chosen} 号记录（新记录第 {entry} 号）。"
                st.rerun()
