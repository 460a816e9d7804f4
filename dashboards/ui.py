"""Shared page parts: the scope, the page header, Chinese labels from the glossary, tables,
charts, downloads and the links from a row to the page about it.

Every Chinese label of a code value or a column comes from the warehouse's glossary
(marts.code_labels, seeds glossary.csv and key_groups.csv); this module only knows which
glossary domain a column's values belong to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import access, data
from dashboards.data import Scope

# Which glossary domain a column's code values come from (several: the first that knows it).
VALUE_DOMAINS: dict[str, tuple[str, ...]] = {
    "level": ("level",),
    "status": ("status",),
    "last_status": ("status",),
    "category": ("category",),
    "stage": ("watch_stage",),
    "source": ("source",),
    "detail": ("category", "watch_stage"),
    "kind": ("kind",),
    "trigger": ("trigger",),
    "close_reason": ("close_reason",),
    "filing_level": ("filing_level",),
    "outcome": ("outcome",),
    "household_type": ("household_type",),
    "tier": ("tier",),
    "extract": ("extract",),
    "suite": ("suite",),
    "reason": ("quarantine_reason",),
    "school_stage": ("school_stage",),
    "method": ("method",),
}
YES_NO = {True: "是", False: "否"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STUDENT_PAGE = "views/student.py"  # 一生一档
CHILD_PARAM = "c"  # its query parameter: the opaque token of a child (data.child_list's "token")
GOOD_UP, GOOD_DOWN = "normal", "inverse"  # st.metric delta colours: green when the figure rises / falls

# Streamlit's own English texts a Chinese page must not show: the table toolbar (download as
# CSV, search, full screen — the pages offer their own .xlsx) and the input hint.
_STYLE = """
<style>
[data-testid="stElementToolbar"], [data-testid="InputInstructions"] { display: none !important; }
</style>
"""


def current_scope() -> Scope:
    return Scope.of(st.session_state["user"])


def glossary_labels(domain: str) -> dict[str, str]:
    """Code → Chinese label of one domain of the glossary, in its order (the same for every user)."""
    g = data.glossary(Scope("county"))
    g = g[g["domain"] == domain]
    return dict(zip(g["code"], g["label"], strict=True))


def labels() -> dict[str, str]:
    """Column → its Chinese header (glossary domain ``column``)."""
    return glossary_labels("column")


def value_labels(column: str) -> dict[object, str]:
    """Code → Chinese label for the values of a column (VALUE_DOMAINS)."""
    out: dict[object, str] = {}
    for domain in reversed(VALUE_DOMAINS.get(column, ())):
        out.update(glossary_labels(domain))
    return out


def scope_label(scope: Scope) -> str:
    """「范围：」 and the name of the unit the scope looks at (内黄县, 井店镇, a school)."""
    return f"范围：{data.own_unit(scope)['unit_name']}"


def school_year(year: int) -> str:
    """2025 → 2025—2026学年."""
    return f"{int(year)}—{int(year) + 1}学年"


def header(title: str, scope: Scope) -> None:
    st.markdown(_STYLE, unsafe_allow_html=True)
    st.title(title)
    publish = data.last_publish(scope)
    if not publish.empty:
        p = publish.iloc[0]
        st.caption(
            f"数据截至 {p['as_of_date']:%Y年%m月%d日}　·　发布于 {p['published_at']:%Y-%m-%d %H:%M}　·　{scope_label(scope)}"
        )


def chinese(df: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The frame with Chinese values and headers, ready to show: codes as their labels, dates as
    dates, yes/no as 是/否, nothing missing shown as 「None」."""
    out = (df[list(columns)] if columns else df).copy()
    for col in out.columns:
        values = out[col]
        if col in VALUE_DOMAINS:
            mapping = value_labels(col)
            out[col] = values.map(lambda v, m=mapping: m.get(v, v) if pd.notna(v) else "")
        elif pd.api.types.is_bool_dtype(values) or (values.notna().any() and values.dropna().map(type).eq(bool).all()):
            out[col] = values.map(lambda v: YES_NO.get(v, "") if pd.notna(v) else "")
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d").fillna("")
        elif col == "school_year":
            out[col] = values.map(lambda v: "" if pd.isna(v) else school_year(v))
        elif pd.api.types.is_numeric_dtype(values):
            if values.isna().any():  # a number or nothing, never 「nan」
                out[col] = values.map(lambda v: "" if pd.isna(v) else f"{v:g}")
        else:
            out[col] = values.map(
                lambda v: (
                    ""
                    if v is None or (not isinstance(v, str) and pd.isna(v))
                    else v.strftime("%Y-%m-%d")
                    if hasattr(v, "strftime")
                    else v
                )
            )
    names = labels()
    return out.rename(columns={c: names.get(c, c) for c in out.columns})


def frame(
    df: pd.DataFrame,
    headers: dict[str, str] | None = None,
    key: str | None = None,
    percent: tuple[str, ...] = (),
    text_right: Sequence[str] = (),
    on_select: str = "ignore",
):
    """A table as shown on every page: headers renamed, no index, full width; ``percent`` columns
    (shares 0–1) as percentages; ``text_right`` columns (counts as text, e.g. 「<5」) aligned right."""
    headers = headers or {}
    shown = df.rename(columns=headers)
    # short tables in full (no scroll bar), long ones in a window
    height = min(35 * (len(shown) + 1) + 3, 740)
    config = {headers.get(c, c): st.column_config.NumberColumn(format="percent") for c in percent}
    config.update({headers.get(c, c): st.column_config.TextColumn(alignment="right") for c in text_right})
    return st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_config=config,
        on_select=on_select,
        selection_mode="single-row",
    )


def linked_table(
    shown: pd.DataFrame,
    tokens: Sequence[str],
    key: str,
    page: str = STUDENT_PAGE,
    param: str = CHILD_PARAM,
    help_text: str = "点击一行，打开这名儿童的一生一档。",
) -> None:
    """A table whose rows lead to a page about the row (by default the child's 一生一档), named
    in the URL only by an opaque token (``tokens``, one per row; never an ID number, name or
    student number). A case page passes its own page, parameter and case tokens."""
    st.caption(help_text)
    event = frame(shown, key=key, on_select="rerun")
    rows = event.selection.rows if event is not None else []
    if rows:
        st.switch_page(page, query_params={param: tokens[rows[0]]})


def download_xlsx(label: str, build: Callable[[], bytes], file_name: str, key: str) -> None:
    """A workbook download, built only when clicked and then recorded in the access log with the
    page and the label (every export of the dashboard goes through here)."""
    log = access.exported(f"{st.session_state.get('page_title', '')} · {label.removeprefix('下载')}")

    def built() -> bytes:
        content = build()
        log()
        return content

    st.download_button(label, built, file_name=file_name, mime=XLSX, key=key)


def metric(col, label: str, text: str, delta: int | None = None, good: str = GOOD_DOWN, help_text: str = "") -> None:
    """A key figure; its change is coloured green when it moves the good way (``good``)."""
    col.metric(
        label,
        text,
        delta=None if delta is None else f"{delta:+,}",
        delta_color=good if delta else "off",
        help=help_text or None,
    )


# Charts are built with plotly.graph_objects (plotly.express costs ~50 ms a figure on the server).
# Categories are Chinese text (months as 2026年3月), never dates plotly would label in English.
def bar_chart(
    x: Sequence[str],
    y: Sequence[float],
    title: str,
    target: float | None = None,
    percent: bool = False,
    hover: Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    highlight: Sequence[bool] | None = None,
) -> None:
    """Bars (a hidden value is a gap; ``hover`` the text shown for each bar), an optional target
    and a reference line (e.g. 全体)."""
    colors = ["#c0392b" if h else "#1f6fb2" for h in highlight] if highlight is not None else "#1f6fb2"
    fig = go.Figure(
        go.Bar(
            x=list(x),
            y=[None if pd.isna(v) else v for v in y],
            marker_color=colors,
            hovertext=list(hover) if hover is not None else None,
            hoverinfo="x+text" if hover is not None else "x+y",
        )
    )
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", annotation_text=f"目标 {target:.0%}" if percent else "目标")
    if reference is not None and not pd.isna(reference):
        fig.add_hline(y=reference, line_dash="dot", line_color="#555", annotation_text=reference_label)
    fig.update_xaxes(type="category")
    if percent:
        # a range around the bars and the target, not from zero: rates near 100% differ in the decimals
        shown = [v for v in y if not pd.isna(v)] + [t for t in (target, reference) if t is not None and not pd.isna(t)]
        low = max(0.0, min(shown, default=0.0) - 0.02) if shown and min(shown) > 0.5 else 0.0
        fig.update_yaxes(tickformat=".1%", range=[low, max([*shown, 1.0]) + 0.005])
    else:
        fig.update_yaxes(rangemode="tozero")
    _show(fig, title)


def line_chart(
    x: Sequence[str], series: dict[str, tuple[Sequence[float], Sequence[str]]], title: str, from_zero: bool = True
) -> None:
    """Lines over Chinese category labels; each series is (values with NaN gaps, hover texts);
    counts on the axis, from zero unless ``from_zero`` is False."""
    fig = go.Figure(
        [
            go.Scatter(
                x=list(x),
                y=[None if pd.isna(v) else v for v in values],
                name=name,
                mode="lines+markers",
                hovertext=list(texts),
                hoverinfo="name+x+text",
            )
            for name, (values, texts) in series.items()
        ]
    )
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(rangemode="tozero" if from_zero else "normal", tickformat=",d")
    _show(fig, title)


def stacked_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str) -> None:
    fig = go.Figure([go.Bar(x=part[x], y=part[y], name=str(name)) for name, part in df.groupby(color, sort=False)])
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    _show(fig, title)


def _show(fig: go.Figure, title: str) -> None:
    # the title above the chart, not in it: a legend of several rows (the quarantine's reasons)
    # takes the figure's top margin, which it grows to fit, and never runs into the title
    st.markdown(f"**{title}**")
    fig.update_layout(
        height=380,
        margin={"l": 40, "r": 20, "t": 20, "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        separators=".,",
    )
    st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
