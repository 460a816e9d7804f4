"""The dbt project on Apache Spark (issue #15): the pieces the nightly job uses when
KCBX_ENGINE=spark (raw tables as Parquet, the Spark environment, Spark's tables read back into
DuckDB), and a check of a published county against Spark.

The check, from a DuckDB build warehouse (the raw tables a night landed) and its published warehouse:
the raw tables as Parquet, registered in Spark's metastore (embedded Derby) by a dbt operation,
``dbt build --target spark`` (models as Parquet tables), then every mart compared with the
published DuckDB one, row for row (EXCEPT ALL both ways and row counts). Prints the times.

    python -m dagster_project.spark --build-db data/build/warehouse.duckdb \
        --warehouse data/warehouse.duckdb --spark-dir data/spark

Needs Java and the ``spark`` extra (``make spark``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.ingest.specs import quote_ident
from dagster_project.publish import PUBLISHED_SCHEMAS

DBT_DIR = Path(__file__).resolve().parents[1] / "dbt"
DBT = Path(sys.executable).parent / "dbt"


@dataclass
class Difference:
    table: str
    duckdb_rows: int
    spark_rows: int
    only_duckdb: int
    only_spark: int

    @property
    def equal(self) -> bool:
        return self.duckdb_rows == self.spark_rows and not self.only_duckdb and not self.only_spark


PARTITION = "delivery"  # raw Parquet of an extract: <extract>/delivery=<delivery_seq>/data.parquet


def _partitions(folder: Path) -> dict[int, Path]:
    return {int(p.name.split("=", 1)[1]): p for p in folder.glob(f"{PARTITION}=*") if (p / "data.parquet").exists()}


def write_raw_partitions(
    con: duckdb.DuckDBPyConnection, extract: str, raw_dir: Path, full: bool = False
) -> tuple[int, int]:
    """``raw.<extract>`` as Parquet partitioned by delivery (one folder per landed file's delivery
    number, lineage columns kept), brought in line with what is landed: the deliveries not yet
    written are written, those no longer landed (a replaced or forgotten file) removed; ``full``
    writes every delivery again. (written, removed)."""
    folder = raw_dir / extract
    present = _partitions(folder)
    relation = f"raw.{quote_ident(extract)}"
    landed = {
        r[0]
        for r in con.execute(
            f"select distinct _delivery_seq from {relation} where _delivery_seq is not null"
        ).fetchall()
    }
    for seq in set(present) - landed:
        shutil.rmtree(present[seq])
    (folder / "data.parquet").unlink(missing_ok=True)  # written whole before (make spark-compare)
    written = sorted(landed if full else landed - set(present))
    for seq in written:
        part = folder / f"{PARTITION}={seq}"
        part.mkdir(parents=True, exist_ok=True)
        tmp = part / ".data.parquet.tmp"
        con.sql(f"select * from {relation} where _delivery_seq = ?", params=[seq]).write_parquet(str(tmp))
        os.replace(tmp, part / "data.parquet")  # a half-written partition is never read
    return len(written), len(set(present) - landed)


def export_raw(build_db: Path, raw_dir: Path) -> list[str]:
    """Every table of schema raw as Parquet under raw_dir/<table>/: the extracts the landing
    wrote partitioned by delivery are kept as they are, every other table (bookkeeping, case
    work entries) is written again whole, as raw_dir/<table>/data.parquet. Its tables' names."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        for table in tables:
            folder = raw_dir / table
            if _partitions(folder):
                continue
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.table(f"raw.{quote_ident(table)}").write_parquet(str(folder / "data.parquet"))
    finally:
        con.close()
    return tables


class SparkMissing(Exception):
    """Java or the spark extra is not installed."""


def require_spark() -> None:
    """Java on the PATH, pyspark and dbt-spark in this environment, or a message saying how."""
    missing = [] if shutil.which("java") else ["Java"]
    missing += [
        name for name, module in (("pyspark", "pyspark"), ("dbt-spark", "dbt.adapters.spark")) if not _has(module)
    ]
    if missing:
        raise SparkMissing(
            f"KCBX_ENGINE=spark 需要 {'、'.join(missing)}，本机没有安装：请先运行 make spark"
            "（安装 Java 和 pyspark、dbt-spark），再重新运行（make pipeline）"
        )


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def sql_literal(text: str) -> str:
    """A string literal for statements DuckDB cannot prepare (ATTACH, views, comments); only for
    our own paths and project text, never for data."""
    return "'" + text.replace("'", "''") + "'"


def raw_parquet_vars(raw_dir: Path, tables: list[str]) -> dict[str, Any]:
    """dbt vars for the build's on-run-start hook that registers the raw Parquet tables (and
    recovers the delivery partitions of those the landing wrote partitioned)."""
    partitioned = [t for t in tables if _partitions(raw_dir / t)]
    return {"raw_parquet": {"location": str(raw_dir.resolve()), "tables": tables, "partitioned": partitioned}}


def spark_tables(spark_warehouse: Path, schema: str) -> dict[str, Path]:
    """The tables Spark holds in a schema, by name: their folders of Parquet files."""
    folder = spark_warehouse / f"{schema}.db"
    if not folder.is_dir():
        return {}
    return {t.name: t for t in sorted(folder.iterdir()) if t.is_dir() and any(t.glob("*.parquet"))}


def _comments(manifest: Mapping[str, Any], schema: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Table and column descriptions of a schema's models (Parquet keeps no comments)."""
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == schema:
            columns = {c: d["description"] for c, d in node.get("columns", {}).items() if d.get("description")}
            found[node.get("alias") or node["name"]] = (node.get("description") or "", columns)
    return found


def load_spark_tables(
    con: duckdb.DuckDBPyConnection, spark_warehouse: Path, manifest: Mapping[str, Any]
) -> dict[str, int]:
    """Spark's marts and audit tables into the DuckDB build warehouse, in place of what was
    there, with the models' Chinese descriptions as comments; rows per table."""
    loaded = {}
    con.execute("begin transaction")
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {schema}")
            comments = _comments(manifest, schema)
            for table, folder in spark_tables(spark_warehouse, schema).items():
                relation = f"{schema}.{quote_ident(table)}"
                con.execute(
                    f"create or replace table {relation} as select * from read_parquet(?)", [str(folder / "*.parquet")]
                )
                description, columns = comments.get(table, ("", {}))
                if description:
                    con.execute(f"comment on table {relation} is {sql_literal(description)}")
                present = {r[0] for r in con.execute(f"select * from {relation} limit 0").description}
                for column, text in columns.items():
                    if column in present:
                        con.execute(f"comment on column {relation}.{quote_ident(column)} is {sql_literal(text)}")
                loaded[f"{schema}.{table}"] = con.execute(f"select count(*) from {relation}").fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return loaded


def parquet_connection(build_db: Path, spark_warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that sees Spark's tables as ``schema.table`` views over their Parquet
    files and the build warehouse's raw tables as ``raw.*``: what a failed Spark build is
    explained from (dbt_failures.py queries it as it queries the DuckDB build)."""
    con = duckdb.connect()
    con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
    raw = con.execute(
        "select table_name from duckdb_tables() where database_name = 'build' and schema_name = 'raw'"
    ).fetchall()
    con.execute("create schema raw")
    for (table,) in raw:
        con.execute(f"create view raw.{quote_ident(table)} as select * from build.raw.{quote_ident(table)}")
    for folder in sorted(spark_warehouse.glob("*.db")):
        schema = folder.name.removesuffix(".db")
        if schema == "raw":
            continue
        con.execute(f"create schema if not exists {quote_ident(schema)}")
        for table, path in spark_tables(spark_warehouse, schema).items():
            files = sql_literal(str(path / "*.parquet"))
            con.execute(
                f"create view {quote_ident(schema)}.{quote_ident(table)} as select * from read_parquet({files})"
            )
    return con


def spark_env(spark_dir: Path, raw_dir: Path | None = None) -> dict[str, str]:
    """The environment of a dbt command run on Spark by hand (make spark-compare)."""
    env = dict(os.environ, KCBX_SPARK_DIR=str(spark_dir.resolve()))
    if raw_dir is not None:
        env["KCBX_RAW_DIR"] = str(raw_dir.resolve())
    return env


def dbt(args: list[str], env: dict[str, str], spark_dir: Path) -> float:
    """One dbt command on the spark target (its own target and log folders: the DuckDB manifest
    Dagster reads stays as it is); its duration in seconds."""
    start = time.monotonic()
    command = [str(DBT), *args, "--target", "spark", "--profiles-dir", "."]
    command += ["--target-path", str(spark_dir / "target"), "--log-path", str(spark_dir / "logs")]
    done = subprocess.run(command, cwd=DBT_DIR, env=env)
    if done.returncode:
        raise SystemExit(f"dbt {args[0]} on Spark failed (exit {done.returncode}): see {spark_dir / 'logs'}")
    return time.monotonic() - start


def compare_marts(warehouse: Path, spark_warehouse: Path) -> list[Difference]:
    """Each table of schema marts in the DuckDB warehouse against Spark's Parquet table."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(str(warehouse))} as published (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'published' and schema_name = 'marts'"
                " order by 1"
            ).fetchall()
        ]
        found = []
        for table in tables:
            files = str(spark_warehouse / "marts.db" / table / "*.parquet")
            con.table(f'published.marts."{table}"').create_view("d")
            con.read_parquet(files).create_view("s")
            counts = con.execute(
                "select (select count(*) from d), (select count(*) from s),"
                " (select count(*) from (select * from d except all select * from s)),"
                " (select count(*) from (select * from s except all select * from d))"
            ).fetchone()
            found.append(Difference(table, *counts))
        return found
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-db", type=Path, required=True, help="the DuckDB build warehouse (its raw schema)")
    parser.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB warehouse (its marts)")
    parser.add_argument("--raw-dir", type=Path, help="the county's raw folder (its case-number key beside it)")
    parser.add_argument("--spark-dir", type=Path, default=Path("data/spark"))
    args = parser.parse_args(argv)
    spark_dir = args.spark_dir.resolve()
    shutil.rmtree(spark_dir, ignore_errors=True)
    spark_dir.mkdir(parents=True)
    env = spark_env(spark_dir, args.raw_dir)
    times = {}
    start = time.monotonic()
    tables = export_raw(args.build_db, spark_dir / "raw")
    times["export raw to Parquet"] = time.monotonic() - start
    times["dbt build"] = dbt(
        ["build", "--vars", json.dumps(raw_parquet_vars(spark_dir / "raw", tables))], env, spark_dir
    )
    differences = compare_marts(args.warehouse, spark_dir / "warehouse")
    for d in differences:
        state = "equal" if d.equal else f"DIFFERENT (only DuckDB {d.only_duckdb}, only Spark {d.only_spark})"
        print(f"  marts.{d.table}: DuckDB {d.duckdb_rows} rows, Spark {d.spark_rows} rows: {state}")
    print(" ".join(f"{name} {seconds:.0f} s;" for name, seconds in times.items()))
    unequal = [d.table for d in differences if not d.equal]
    print(
        f"{len(differences) - len(unequal)} of {len(differences)} marts equal on Spark and DuckDB"
        + (f"; different: {', '.join(unequal)}" if unequal else "")
    )
    return 1 if unequal or not differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
