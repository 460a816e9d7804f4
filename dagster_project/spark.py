"""The dbt project on Apache Spark, checked against DuckDB (issue #15).

From a DuckDB build warehouse (the raw tables a night landed) and its published warehouse:
the raw tables as Parquet, registered in Spark's metastore (embedded Derby) by a dbt operation,
``dbt build --target spark`` (models as Parquet tables), then every mart compared with the
published DuckDB one, row for row (EXCEPT ALL both ways and row counts). Prints the times.

    python -m dagster_project.spark --build-db data/build/warehouse.duckdb \
        --warehouse data/warehouse.duckdb --spark-dir data/spark

Needs Java and the ``spark`` extra (``make spark``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

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


def export_raw(build_db: Path, raw_dir: Path) -> list[str]:
    """Every table of schema raw as one Parquet file per table, raw_dir/<table>/data.parquet."""
    shutil.rmtree(raw_dir, ignore_errors=True)
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        for table in tables:
            (raw_dir / table).mkdir(parents=True)
            con.table(f'raw."{table}"').write_parquet(str(raw_dir / table / "data.parquet"))
    finally:
        con.close()
    return tables


def spark_env(spark_dir: Path, raw_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, KCBX_SPARK_DIR=str(spark_dir.resolve()))
    if env.get("KCBX_SPARK_MASTER", "local[*]").startswith("local"):
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode talks to itself only
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
        # ATTACH takes no parameter: the path as a quoted literal
        con.execute("attach '" + str(warehouse).replace("'", "''") + "' as published (read_only)")
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
    register = json.dumps({"location": str(spark_dir / "raw"), "tables": tables})
    times["register raw tables"] = dbt(["run-operation", "register_raw_parquet", "--args", register], env, spark_dir)
    times["dbt build"] = dbt(["build"], env, spark_dir)
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
