"""The warehouse resource: where the run reads extracts and writes the build warehouse."""

from __future__ import annotations

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

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            raw_dir=str(settings.raw_dir),
            build_db=str(settings.build_db),
            warehouse=str(settings.warehouse),
            docs_dir=str(settings.docs_dir),
        )

    @contextmanager
    def build_connection(self):
        """A write connection to the build warehouse, closed after use (DuckDB has one writer)."""
        Path(self.build_db).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.build_db)
        try:
            yield con
        finally:
            con.close()
