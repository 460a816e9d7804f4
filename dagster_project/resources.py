"""The warehouse resource: where the run reads extracts and writes the build warehouse."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.config import Settings


class WarehouseResource(dg.ConfigurableResource):
    """Paths default to the KCBX_* environment variables (see dagster_project/config.py)."""

    raw_dir: str
    build_db: str
    warehouse: str
    docs_dir: str
    full_refresh: bool = False  # reload every file and rebuild every model (KCBX_FULL_REFRESH=1)
    memory_limit: str = "12GB"  # DuckDB's memory; beyond it, work spills to disk

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            raw_dir=str(settings.raw_dir),
            build_db=str(settings.build_db),
            warehouse=str(settings.warehouse),
            docs_dir=str(settings.docs_dir),
            full_refresh=settings.full_refresh,
            memory_limit=settings.memory_limit,
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        """Hold the build lock for the whole run: two runs never write the build warehouse at
        once, however they were started (the run queue only orders runs it launched itself)."""
        lock_path = Path(self.build_db).with_name(Path(self.build_db).name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise dg.Failure(
                    description=f"另一个运行正在写入构建库 {self.build_db}（锁文件 {lock_path}）。"
                    "请等它结束后再运行；两个运行不会同时写入。"
                ) from None
            try:
                yield self
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def build_connection(self):
        """A write connection to the build warehouse, closed after use (DuckDB has one writer)."""
        Path(self.build_db).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.build_db, config={"memory_limit": self.memory_limit})
        try:
            yield con
        finally:
            con.close()
