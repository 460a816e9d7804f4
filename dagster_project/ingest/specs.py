"""What each raw extract is: its folder, its headers (from the dbt seed), whether it is a snapshot."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class ExtractSpec:
    name: str  # raw table name
    folder: str  # sub-folder of the raw folder
    title: str  # Chinese name for messages
    snapshot: bool = False  # file names carry an as-of date (8 digits)
    stems: tuple[str, ...] = ()  # for reference files sharing a folder: accepted file-name starts
    optional: bool = False  # no file at all is fine
    headers: tuple[str, ...] = ()  # canonical Chinese headers, in contract order
    aliases: tuple[tuple[str, str], ...] = ()  # (normalised alias, canonical header)
    required: tuple[str, ...] = ()


EXTRACTS: tuple[ExtractSpec, ...] = (
    ExtractSpec("household", "household", "户籍", snapshot=True),
    ExtractSpec("student_status", "student_status", "学籍", snapshot=True),
    ExtractSpec("attendance", "attendance", "在校考勤"),
    ExtractSpec("poverty", "poverty", "脱贫户/监测户", snapshot=True),
    ExtractSpec("casework", "casework", "劝返与个案工作记录", optional=True),
    ExtractSpec("schools", "reference", "学校名录", stems=("schools", "学校")),
    ExtractSpec("townships", "reference", "乡镇名录", stems=("townships", "乡镇")),
    ExtractSpec("enrollment_history", "reference", "历年在校生数", stems=("enrollment_history", "历年"), optional=True),
    ExtractSpec("calendar", "reference", "校历", stems=("calendar", "校历"), optional=True),
    ExtractSpec("township_aliases", "reference", "乡镇曾用名", stems=("township_aliases", "曾用名"), optional=True),
)


def quote_ident(name: str) -> str:
    """Quote an identifier from our own configuration (extract specs, suite files), never from
    file content: DuckDB cannot bind identifiers as parameters."""
    return '"' + name.replace('"', '""') + '"'


def has_table(con, schema: str, table: str) -> bool:
    """Whether the DuckDB connection's database holds ``schema.table``."""
    return con.execute(
        "select count(*) > 0 from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchone()[0]


def normalise_header(text: object) -> str:
    """Header cells as exported: strip BOM and spaces, full-width parentheses to ASCII."""
    s = "" if text is None else str(text)
    return s.replace("\ufeff", "").replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "").strip()


def load_specs(dbt_project_dir: Path) -> dict[str, ExtractSpec]:
    """The extracts with their headers and aliases from ``dbt/seeds/header_aliases.csv``."""
    rows = list(csv.DictReader((dbt_project_dir / "seeds" / "header_aliases.csv").open(encoding="utf-8")))
    out = {}
    for spec in EXTRACTS:
        mine = [r for r in rows if r["extract"] == spec.name]
        headers = tuple(dict.fromkeys(r["header"] for r in mine))
        aliases = tuple((normalise_header(r["alias"]), r["header"]) for r in mine)
        required = tuple(dict.fromkeys(r["header"] for r in mine if r["required"] == "true"))
        out[spec.name] = replace(spec, headers=headers, aliases=aliases, required=required)
    return out
