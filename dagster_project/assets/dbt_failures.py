"""A failed ``dbt build`` explained as the gates explain a bad file: which test or model, which
extract, file, row and column, and what to do. Read from dbt's own record of the build
(``run_results.json``) and the build warehouse, after dbt has exited.

A failed test is traced to the rows that fail it through the lineage columns (``source_file``,
``source_row``) that every staging model carries: on the tested model itself, or, when the
tested model has none, on the nearest upstream model that has both the lineage and the tested
column (a duplicated key traced to the rows carrying it). Only files and row numbers are named,
never the values (they may be ID numbers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.failures import AGAIN, lock_message, plain, storage_message
from dagster_project.ingest.specs import EXTRACTS, quote_ident

LINEAGE = ("source_file", "source_row")
SHOWN_ROWS = 5
SHOWN_FAILURES = 5
_RENAMED = re.compile(r'"([^"]+)"[^"\n]*?\bas\s+([a-z_][a-z0-9_]*)\s*,?\s*$')


def _relation(node: Mapping[str, Any]) -> str:
    return f"{quote_ident(node['schema'])}.{quote_ident(node.get('alias') or node['name'])}"


def _columns(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any]) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [node["schema"], node.get("alias") or node["name"]],
        ).fetchall()
    }


def _ancestors(manifest: Mapping[str, Any], uid: str) -> list[str]:
    """Upstream models, nearest first."""
    order, seen, todo = [], {uid}, [uid]
    while todo:
        nxt = []
        for u in todo:
            for parent in manifest.get("parent_map", {}).get(u, []):
                if parent not in seen and parent.startswith("model."):
                    seen.add(parent)
                    order.append(parent)
                    nxt.append(parent)
        todo = nxt
    return order


def source_header(manifest: Mapping[str, Any], uid: str, column: str) -> str | None:
    """The extract's header a model column comes from, where a staging model renames it
    (``"学籍状态" ... as status_raw``)."""
    for u in [uid, *_ancestors(manifest, uid)]:
        node = manifest["nodes"].get(u, {})
        if "staging" not in node.get("fqn", []):
            continue
        for line in node.get("raw_code", "").splitlines():
            m = _RENAMED.search(line)
            if m and m.group(2) == column and line.count('"') == 2:
                return m.group(1)
    return None


def _failing_rows_sql(test: Mapping[str, Any], relation: str, columns: list[str]) -> tuple[str, list] | None:
    """SQL selecting the tested model's failing rows (all columns), with its parameters."""
    meta = test.get("test_metadata") or {}
    kwargs = meta.get("kwargs", {})
    quoted = [quote_ident(c) for c in columns]
    name = meta.get("name")
    if name == "not_null" and quoted:
        return f"select * from {relation} where {quoted[0]} is null", []
    if name in ("unique", "unique_combination_of_columns") and quoted:
        key = ", ".join(quoted)
        return (
            f"select * from {relation} where ({key}) in "
            f"(select ({key}) from {relation} group by all having count(*) > 1)",
            [],
        )
    if name == "accepted_values" and quoted:
        values = [str(v) for v in kwargs.get("values", [])]
        return (
            f"select * from {relation} where {quoted[0]} is not null "
            f"and cast({quoted[0]} as varchar) not in (select unnest(?))",
            [values],
        )
    return None


def _tested_columns(test: Mapping[str, Any]) -> list[str]:
    kwargs = (test.get("test_metadata") or {}).get("kwargs", {})
    if kwargs.get("combination_of_columns"):
        return list(kwargs["combination_of_columns"])
    column = test.get("column_name") or kwargs.get("column_name")
    return [column] if column else []


def _rows_with_lineage(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], test: Mapping[str, Any], result: Mapping[str, Any]
) -> tuple[list[tuple[str, int]], int] | None:
    """(first failing rows as (file, row), how many) or None when they cannot be traced."""
    uid = test.get("attached_node")
    model = manifest["nodes"].get(uid) if uid else None
    if model is None:
        return None
    columns = _tested_columns(test)
    relation = _relation(model)
    failing = _failing_rows_sql(test, relation, columns)
    if failing is None:  # any other test: its own query, if it returns the lineage
        failing = (f"select * from ({result.get('compiled_code') or 'select 1 where false'})", [])
        if not set(LINEAGE) <= {d[0] for d in con.execute(f"{failing[0]} limit 0").description}:
            return None
    sql, params = failing
    if set(LINEAGE) <= _columns(con, model):
        lineage = f"select source_file, source_row from ({sql})"
    else:  # trace the failing key values to the nearest upstream model carrying them with lineage
        if not columns or (test.get("test_metadata") or {}).get("name") == "not_null":
            return None
        upstream = next(
            (
                manifest["nodes"][u]
                for u in _ancestors(manifest, uid)
                if set(LINEAGE) | set(columns) <= _columns(con, manifest["nodes"][u])
            ),
            None,
        )
        if upstream is None:
            return None
        key = ", ".join(quote_ident(c) for c in columns)
        lineage = (
            f"select source_file, source_row from {_relation(upstream)} where ({key}) in (select ({key}) from ({sql}))"
        )
    total = con.execute(f"select count(*) from ({lineage})", params).fetchone()[0]
    rows = con.execute(f"{lineage} order by source_file, source_row limit {SHOWN_ROWS}", params).fetchall()
    return [(f, int(r)) for f, r in rows if f is not None and r is not None], int(total)


_WHAT = {
    "not_null": "不应为空，却有空值",
    "unique": "应唯一，却有重复",
    "unique_combination_of_columns": "的组合应唯一，却有重复",
    "accepted_values": "出现了不在允许范围内的值",
    "relationships": "有值在关联表中找不到",
}


def _extract_title(con: duckdb.DuckDBPyConnection, source_file: str) -> str:
    row = con.execute("select extract from raw.load_files where source_file = ? limit 1", [source_file]).fetchone()
    titles = {s.name: s.title for s in EXTRACTS}
    return titles.get(row[0], row[0]) if row else source_file.split("/")[0]


def explain_test(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], test: Mapping[str, Any], result: Mapping[str, Any]
) -> str:
    model = manifest["nodes"].get(test.get("attached_node") or "", {})
    model_name = f"{model.get('schema', '?')}.{model.get('name', '?')}"
    columns = _tested_columns(test)
    shown = []
    for c in columns:
        header = source_header(manifest, test.get("attached_node") or "", c)
        shown.append(f"「{header}」（{c}）" if header else f"「{c}」")
    kind = (test.get("test_metadata") or {}).get("name") or test.get("name", "?")
    what = _WHAT.get(kind, f"未通过测试 {test.get('name', '?')}")
    count = result.get("failures")
    head = f"dbt 测试 {test.get('name', '?')} 未通过：{model_name} 的列{'、'.join(shown) or '（整表）'}{what}"
    head += f"（{count} 处）" if count else ""
    try:
        traced = _rows_with_lineage(con, manifest, test, result)
    except duckdb.Error:
        traced = None
    path = model.get("original_file_path", "dbt/models")
    if traced and traced[0]:
        rows, total = traced
        files = sorted({f for f, _ in rows})
        where = "、".join(f"{f} 第{r}行" for f, r in rows)
        more = f"等 {total:,} 行" if total > len(rows) else ""
        extracts = "、".join(dict.fromkeys(_extract_title(con, f) for f in files))
        return f"{head}。来自{extracts}：{where}{more}。请核对并修正这些行（或从源系统重新导出这些文件），{AGAIN}"
    return (
        f"{head}。无法追溯到具体文件行：请在构建库中按 dbt/{path} 里的测试定义查询这些行，"
        f"核对最新到达的文件（数据质量报告 Data Docs、隔离表 audit.quarantine），{AGAIN}"
    )


def explain_model(node: Mapping[str, Any], result: Mapping[str, Any], build_db: Path, settings) -> str:
    message = plain(result.get("message") or "")
    known = storage_message(RuntimeError(message), settings=settings) or lock_message(RuntimeError(message), build_db)
    name = f"{node.get('schema', '?')}.{node.get('name', '?')}"
    if known:
        return f"dbt 模型 {name} 构建失败。{known}"
    detail = " ".join(message.split())[:300]
    return (
        f"dbt 模型 {name} 构建失败：{detail}。若错误提到某个值无法转换或越界，多半是最新到达的抽取里有异常值："
        f"请查看数据质量报告（Data Docs）和隔离表（audit.quarantine）核对这些文件，{AGAIN}；"
        "若数据无误，请把这条消息和运行编号报给维护人员"
    )


def explain_dbt_failure(
    run_results: Mapping[str, Any] | None,
    manifest: Mapping[str, Any],
    build_db: Path,
    errors: list[str],
    settings: Mapping[str, Path] | None = None,
    connect: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> str:
    """One message for a dbt build that did not succeed. ``run_results`` is None when dbt wrote
    none for this build (it stopped before running anything); ``errors`` are dbt's own error
    lines. The failing rows are looked up through ``connect()`` (default: the build warehouse,
    read-only; on Spark, Spark's Parquet tables)."""
    # models that failed first (their tests and children did not run), then failed tests, each by name
    failed = sorted(
        (r for r in (run_results or {}).get("results", []) if r.get("status") in ("error", "fail")),
        key=lambda r: (r["unique_id"].startswith("test."), r["unique_id"]),
    )
    if not failed:
        text = plain("\n".join(errors)) or "dbt 没有给出原因"
        known = storage_message(RuntimeError(text), settings=settings) or lock_message(RuntimeError(text), build_db)
        if known:
            return f"dbt 构建未能进行。{known}"
        detail = " ".join(text.split())[:400]
        return (
            f"dbt 构建未能开始：{detail}。请运行 make manifest 检查 dbt 项目能否解析（它会指出出错的文件），"
            "修正后重新运行（make pipeline）"
        )
    skipped = sum(r.get("status") == "skipped" for r in run_results.get("results", []))
    parts = []
    con = connect() if connect else duckdb.connect(str(build_db), read_only=True)
    try:
        for r in failed[:SHOWN_FAILURES]:
            node = manifest["nodes"].get(r["unique_id"], {"name": r["unique_id"]})
            if r["unique_id"].startswith("test."):
                parts.append(explain_test(con, manifest, node, r))
            else:
                parts.append(explain_model(node, r, build_db, settings))
    finally:
        con.close()
    more = (
        f"（另有 {len(failed) - SHOWN_FAILURES} 项失败，见 Dagster 运行日志）" if len(failed) > SHOWN_FAILURES else ""
    )
    after = f"；因此未构建的下游模型 {skipped} 个" if skipped else ""
    return f"dbt 构建未通过（{len(failed)} 项失败{after}）：" + "；".join(parts) + more
