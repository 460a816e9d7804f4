"""Where case work keeps its files, from environment variables with defaults that work in a checkout.

The defaults sit in the data folder, the parent of the raw folder (``data/`` beside ``data/raw``):
the operational store ``casework.sqlite`` and the case-number key ``case_id.key``. A county sets
``KCBX_CASEWORK_DB`` (a path or an SQLAlchemy URL such as ``postgresql+psycopg://…``) and
``KCBX_CASE_ID_KEY_FILE`` to keep them elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def raw_dir() -> Path:
    return Path(os.environ.get("KCBX_RAW_DIR", REPO_ROOT / "data" / "raw")).resolve()


def data_dir(raw: Path | None = None) -> Path:
    """The data folder: the parent of the raw folder (``raw``, default ``KCBX_RAW_DIR``)."""
    return (Path(raw).resolve() if raw else raw_dir()).parent


def key_file(raw: Path | None = None) -> Path:
    """The county's secret key for case numbers (created once, on first use)."""
    return Path(os.environ.get("KCBX_CASE_ID_KEY_FILE", data_dir(raw) / "case_id.key")).resolve()


def store_url(raw: Path | None = None) -> str:
    """The operational store: an SQLAlchemy URL; a plain path means an SQLite file."""
    given = os.environ.get("KCBX_CASEWORK_DB")
    if given and "://" in given:
        return given
    path = Path(given).resolve() if given else data_dir(raw) / "casework.sqlite"
    return f"sqlite:///{path}"
