"""The run's resources: the warehouse (where the run reads extracts and writes the build
warehouse), the night's options, and dbt."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging.version import Version

from dagster_project.config import Settings
from dagster_project.failures import lock_message, storage_message
from dagster_project.ingest.delivery import DeliveryRules
from dagster_project.ingest.readers import IngestError
from dagster_project.publish import PublishError, remove_leftovers
from dagster_project.spark import parquet_connection


class BuildBusy(Exception):
    """Another run (or `make forget`) holds the build warehouse."""


@contextmanager
def build_lock(build_db: Path) -> Iterator[None]:
    """Two writers never touch the build warehouse at once, however they were started (the run
    queue only orders runs it launched itself; `make forget` and `make accept` take it too)."""
    lock_path = build_db.with_name(build_db.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(
                f"另一个运行正在写入构建库 {build_db}（锁文件 {lock_path}）。请等它结束后再运行；两个运行不会同时写入。"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class NightResource(dg.ConfigurableResource):
    """What one run does beyond a night's defaults, settable as run config (the launchpad, or
    ``dagster job execute -c night.yaml`` with ``resources: {night: {config: {as_of_date:
    "2026-01-15"}}}``). The defaults come from KCBX_FULL_REFRESH and KCBX_AS_OF_DATE; run config
    replaces both: a field it does not give takes the default below, not the environment's."""

    full_refresh: bool = False  # reload every file and rebuild every model (`make rebuild`)
    as_of_date: str = ""  # the comparisons' as-of date, YYYY-MM-DD; empty: the last complete school day

    @classmethod
    def from_settings(cls, settings: Settings) -> NightResource:
        return cls(full_refresh=settings.full_refresh, as_of_date=settings.as_of_date)

    def as_of(self) -> date | None:
        """The as-of date asked for, or None; a value that is not a date stops the run saying so."""
        if not self.as_of_date:
            return None
        try:
            return date.fromisoformat(self.as_of_date)
        except ValueError:
            raise dg.Failure(
                description=f"as_of_date（截至日期）「{self.as_of_date}」不是日期：请写成 YYYY-MM-DD（例如 2026-01-15），"
                "或不设（默认为考勤完整的最后一个上学日），再重新运行"
            ) from None


class WarehouseResource(dg.ConfigurableResource):
    """Paths default to the KCBX_* environment variables (see dagster_project/config.py)."""

    raw_dir: str
    build_db: str
    warehouse: str
    docs_dir: str
    memory_limit: str = "12GB"  # DuckDB's memory; beyond it, work spills to disk
    settle_seconds: float = 60  # a file changed more recently may still be copying: wait for it
    settle_max_wait_seconds: float = 600  # ... but no longer than this, then refuse it
    shrink_tolerance: float = 0.2  # a delivery this much smaller than its predecessor is refused
    engine: str = "duckdb"  # what dbt builds the models on: duckdb, or spark (KCBX_ENGINE)
    spark_dir: str = ""  # engine spark: Spark's metastore, tables and raw Parquet (KCBX_SPARK_DIR)
    spark_tests: str = "all"  # engine spark: which dbt tests run: all, unit, none (KCBX_SPARK_TESTS)

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            raw_dir=str(settings.raw_dir),
            build_db=str(settings.build_db),
            warehouse=str(settings.warehouse),
            docs_dir=str(settings.docs_dir),
            memory_limit=settings.memory_limit,
            settle_seconds=settings.settle_seconds,
            settle_max_wait_seconds=settings.settle_max_wait_seconds,
            shrink_tolerance=settings.shrink_tolerance,
            engine=settings.engine,
            spark_dir=str(settings.spark_dir),
            spark_tests=settings.spark_tests,
        )

    @property
    def rules(self) -> DeliveryRules:
        return DeliveryRules(self.settle_seconds, self.settle_max_wait_seconds, self.shrink_tolerance)

    @property
    def settings(self) -> dict[str, Path]:
        """The configured paths by the variable that sets each (named in messages)."""
        return {
            "KCBX_BUILD_DB": Path(self.build_db),
            "KCBX_WAREHOUSE": Path(self.warehouse),
            "KCBX_DOCS_DIR": Path(self.docs_dir),
        }

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        """Hold the build lock for the whole run; a publish that a killed run left half-copied
        is cleaned away first."""
        with ExitStack() as held:
            with self.explained():
                try:
                    held.enter_context(build_lock(Path(self.build_db)))
                except BuildBusy as e:
                    raise dg.Failure(description=str(e)) from None
                remove_leftovers(Path(self.warehouse))
            yield self

    @contextmanager
    def explained(self) -> Iterator[None]:
        """Known failures as messages saying what to do: a refused file, a full or read-only
        disk, a build warehouse held by another process."""
        try:
            yield
        except (IngestError, PublishError) as e:
            raise dg.Failure(description=str(e)) from None
        except (OSError, duckdb.Error) as e:
            message = storage_message(e, settings=self.settings) or lock_message(e, Path(self.build_db))
            if message is None:
                raise
            raise dg.Failure(description=message) from None

    @contextmanager
    def models_connection(self):
        """A connection that reads the tables dbt built: the build warehouse, or on Spark its
        Parquet tables beside the build warehouse's raw schema (read-only)."""
        if self.engine != "spark":
            with self.build_connection() as con:
                yield con
            return
        with self.explained():
            con = parquet_connection(Path(self.build_db), Path(self.spark_dir) / "warehouse")
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def build_connection(self):
        """A write connection to the build warehouse, closed after use (DuckDB has one writer)."""
        with self.explained():
            Path(self.build_db).parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(self.build_db, config={"memory_limit": self.memory_limit})
        try:
            yield con
        finally:
            con.close()


class DbtCli(DbtCliResource):
    """dbt from this environment. dagster-dbt, on every dbt command, starts dbt once more to ask its
    version (``dbt --version``: seconds of a night's fixed cost) and opens a dbt adapter in the
    run's process for column metadata, which this project does not fetch. The version is the
    installed dbt-core's (make setup pins it) and no adapter is opened."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None
