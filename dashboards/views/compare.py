"""三比对: the three comparison lists with filters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import data, ui

scope = ui.current_scope()
ui.header("三比对", scope)
names = data.unit_names(scope)
st.page_link("views/case.py", label="按案件编号登记劝返措施（案件页）", icon=":material/edit_note:")


def with_names(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["township_name"] = out["township_code"].map(names)
    if "school_code" in out.columns:
        out["school_name"] = out["school_code"].map(names)
    return out


def filters(df: pd.DataFrame, key: str, kind_column: str | None) -> pd.DataFrame:
    """Township, school, grade, category/stage and key-group filters above a list."""
    cols = st.columns(5)
    if scope.is_county:
        towns = sorted(df["township_name"].dropna().unique())
        picked = cols[0].multiselect("乡镇", towns, key=f"{key}_town", placeholder="全部")
        if picked:
            df = df[df["township_name"].isin(picked)]
    if "school_name" in df.columns and scope.role != "school":
        schools = sorted(df["school_name"].dropna().unique())
        picked = cols[1].multiselect("学校", schools, key=f"{key}_school", placeholder="全部")
        if picked:
            df = df[df["school_name"].isin(picked)]
    if "grade" in df.columns:
        grades = sorted(df["grade"].dropna().astype(int).unique())
        picked = cols[2].multiselect("年级", grades, key=f"{key}_grade", placeholder="全部")
        if picked:
            df = df[df["grade"].isin(picked)]
    if kind_column:
        mapping = ui.VALUES[kind_column]
        options = [v for v in mapping if v in set(df[kind_column])]
        picked = cols[3].multiselect(
            "类别" if kind_column != "stage" else "阶段",
            options,
            format_func=mapping.get,
            key=f"{key}_kind",
            placeholder="全部",
        )
        if picked:
            df = df[df[kind_column].isin(picked)]
    if "is_poverty_household" in df.columns:
        group = cols[4].selectbox("重点群体", ["全部", "脱贫户/监测户", "非脱贫户"], key=f"{key}_group")
        if group != "全部":
            df = df[df["is_poverty_household"] == (group == "脱贫户/监测户")]
    return df


# (tab, what the list is, loader, category column, columns shown)
LISTS = (
    (
        "户籍比学籍：适龄失学",
        "户籍在本县、义务教育年龄、最新学籍快照中没有在读或休学学籍的儿童；最后学籍为转出者需核实是否在外地就读。",
        data.out_of_school,
        "category",
        "person_name id_number township_name village age category last_status last_status_date "
        "is_poverty_household poverty_type",
    ),
    (
        "学籍比在校：疑似辍学",
        "最新学籍为在读、但截至比对日不在校的学生：不在考勤名册、连续旷课3天、疑似辍学（5天）、辍学（15天）。",
        data.dropout_watch,
        "stage",
        "student_name id_number student_no township_name school_name grade stage unexcused_streak_days "
        "last_present_date last_roster_date is_poverty_household",
    ),
    (
        "辍学比脱贫户：脱贫户失学辍学",
        "上面两份名单中（不在名册、疑似辍学、辍学）属于脱贫户或监测户的儿童，是第一优先。",
        data.poverty_dropouts,
        "source",
        "id_number source detail township_name school_name poverty_type household_no household_type is_risk_cleared",
    ),
)

for tab, (_, caption, load, kind, columns) in zip(st.tabs([spec[0] for spec in LISTS]), LISTS, strict=True):
    with tab:
        st.caption(caption)
        if load is data.out_of_school and scope.role == "school":
            st.info("适龄失学儿童按户籍地管理，不属于任何学校；请向乡镇中心校或县教育局查询。")
            continue
        rows = filters(with_names(load(scope)), kind, kind)
        st.markdown(f"共 **{len(rows):,}** 人")
        ui.table(rows, columns.split(), key=f"{kind}_table")
