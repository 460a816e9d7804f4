"""The dbt project runs on DuckDB and on Spark (issue #15): the constructs that broke or silently
changed results on Spark fail here, naming the file, the line and what to write instead. Engine-
specific SQL belongs in dispatched macros (duckdb__x / default__x), which are not checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest

DBT = Path(__file__).resolve().parents[2] / "dbt"
SQL_DIRS = ("models", "macros", "tests")
YML_DIRS = ("models", "seeds")
# a macro named <adapter>__<name> is the engine-specific form adapter.dispatch picks
DISPATCHED_MACRO = re.compile(
    r"\{%-?\s*macro\s+(?:default|duckdb|spark|databricks|postgres|trino)__\w+.*?\{%-?\s*endmacro\s*-?%\}", re.S
)
JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})", re.S)
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
SQL_COMMENT = re.compile(r"--[^\n]*")
SQL_STRING = re.compile(r"'(?:[^']|'')*'")
JINJA_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern
    instead: str


# checked in SQL text (outside its string literals) and in the SQL that Jinja strings carry
SQL_RULES = [
    Rule("'::' cast", re.compile(r"::"), "cast(x as type)"),
    Rule(
        "varchar",
        re.compile(r"\bvarchar\b", re.I),
        "{{ dbt.type_string() }} in SQL; `string` as a contract data_type or seed column type",
    ),
    Rule(
        "current_date / now()",
        re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\()", re.I),
        "{{ run_date() }} (var run_date) or the as-of date of int_as_of",
    ),
    Rule(
        "a regex function",
        re.compile(r"\b(rlike|regexp\w*|similar\s+to)\b|~\s*'", re.I),
        "{{ matches_regex(expr, pattern) }} (the whole text matches, on every engine)",
    ),
    Rule(
        "an aggregate joining texts",
        re.compile(r"\b(listagg|string_agg|group_concat|collect_list|array_agg)\b", re.I),
        "{{ ordered_listagg(expr, delimiter, ['key', 'other_key desc']) }} (the same order on every engine)",
    ),
    Rule("group by all", re.compile(r"\bgroup\s+by\s+all\b", re.I), "the grouped columns, listed"),
    Rule(
        "chr()",
        re.compile(r"\bchr\s*\(", re.I),
        "{{ char_literal(code_point) }} (Spark's chr takes a byte, DuckDB's a code point)",
    ),
]
DOUBLE_QUOTED = Rule(
    "a double-quoted identifier",
    re.compile(r'"'),
    "{{ adapter.quote('列名') }} (on Spark \"列名\" is a string literal: every row would hold the header text)",
)
# checked in Jinja code only
JINJA_RULES = [
    Rule(
        "dbt.listagg",
        re.compile(r"\bdbt\.listagg\b"),
        "{{ ordered_listagg(expr, delimiter, order_by) }} (dbt-spark drops listagg's order by)",
    ),
    Rule(
        "delete+insert",
        re.compile(r"delete\+insert"),
        "config(unique_key=..., **keyed_incremental()) (Spark's Parquet tables have no delete)",
    ),
]
YML_RULES = [
    Rule(
        "varchar",
        re.compile(r"\bvarchar\b", re.I),
        "`string` (DuckDB's alias of VARCHAR, Spark's type), compared through the engine by the contract",
    ),
    Rule("'::' cast", re.compile(r"::"), "cast(x as type)"),
    Rule("delete+insert", re.compile(r"delete\+insert"), "config(**keyed_incremental()) in the model"),
]


def _blank(match: re.Match) -> str:
    """The matched text as spaces and its line breaks, so that offsets keep their line numbers."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def sql_problems(text: str) -> list[tuple[int, str, str]]:
    """(line, what, instead) for each non-portable construct of a model or macro file."""
    text = JINJA_COMMENT.sub(_blank, text)
    text = DISPATCHED_MACRO.sub(_blank, text)
    problems = []
    position = 0
    for part in JINJA.split(text):
        if part.startswith(("{{", "{%")):
            for rule in JINJA_RULES:
                problems += [(position + m.start(), rule) for m in rule.pattern.finditer(part)]
            for literal in JINJA_STRING.finditer(part):
                inner = literal.group(0)[1:-1]
                start = position + literal.start() + 1
                sql = SQL_STRING.sub(_blank, SQL_COMMENT.sub(_blank, inner))
                for rule in SQL_RULES:
                    problems += [(start + m.start(), rule) for m in rule.pattern.finditer(sql)]
                if literal.group(0).startswith("'"):
                    problems += [(start + m.start(), DOUBLE_QUOTED) for m in DOUBLE_QUOTED.pattern.finditer(sql)]
        else:
            sql = SQL_STRING.sub(_blank, SQL_COMMENT.sub(_blank, part))
            for rule in [*SQL_RULES, DOUBLE_QUOTED]:
                problems += [(position + m.start(), rule) for m in rule.pattern.finditer(sql)]
        position += len(part)
    return sorted({(_line(text, offset), rule.name, rule.instead) for offset, rule in problems})


def yml_problems(text: str) -> list[tuple[int, str, str]]:
    text = re.sub(r"#[^\n]*", _blank, text)
    return sorted(
        {(_line(text, m.start()), rule.name, rule.instead) for rule in YML_RULES for m in rule.pattern.finditer(text)}
    )


def _report(found: dict[Path, list[tuple[int, str, str]]]) -> str:
    return "SQL that does not run the same on DuckDB and Spark (keep engine-specific SQL in dispatched macros):\n" + (
        "\n".join(
            f"  dbt/{path.relative_to(DBT)}:{line}: {what}: use {instead}"
            for path, problems in sorted(found.items())
            for line, what, instead in problems
        )
    )


def test_models_and_macros_are_portable():
    found = {
        path: problems
        for folder in SQL_DIRS
        for path in (DBT / folder).rglob("*.sql")
        if (problems := sql_problems(path.read_text()))
    }
    found |= {
        path: problems
        for path in [DBT / "dbt_project.yml", *(p for folder in YML_DIRS for p in (DBT / folder).rglob("*.yml"))]
        if (problems := yml_problems(path.read_text()))
    }
    assert not found, _report(found)


@pytest.mark.parametrize(
    ("sql", "line", "what"),
    [
        ('select\n    trim("学校标识码") as school_code\nfrom source', 2, "a double-quoted identifier"),
        ("select {{ clean_id_text('\"身份证件号\"') }} from source", 1, "a double-quoted identifier"),
        ("select x::date from t", 1, "'::' cast"),
        ("select cast(null as varchar) as school_code", 1, "varchar"),
        ("select {{ f('cast(x as VARCHAR)') }}", 1, "varchar"),
        ("select\n\n  case when d > current_date then 1 end", 3, "current_date / now()"),
        ("select x rlike '[0-9]{8}'", 1, "a regex function"),
        ("select regexp_full_match(x, '[0-9]{8}')", 1, "a regex function"),
        ("select string_agg(reason, ',' order by points) from t", 1, "an aggregate joining texts"),
        ("select {{ dbt.listagg('reason', \"','\", 'order by points') }}", 1, "dbt.listagg"),
        ("{{ config(materialized='incremental', incremental_strategy='delete+insert') }}", 1, "delete+insert"),
        ("select a, count(*) from t group by all", 1, "group by all"),
        ("select replace(x, chr(12288), '')", 1, "chr()"),
    ],
)
def test_each_construct_is_found_where_it_is(sql, line, what):
    assert (line, what) in [(found_line, found_what) for found_line, found_what, _ in sql_problems(sql)]


@pytest.mark.parametrize(
    "sql",
    [
        "select trim({{ adapter.quote('学校标识码') }}) as school_code from source",
        "select 'a \"quoted\" word' as label, '::' as sep  -- \"a comment\" current_date",
        "{%- set condition = \"kind = 'suspected_dropout'\" %} select {{ condition }}",
        '{#- current_date, varchar and "x" in a comment -#} select 1',
        "{% macro duckdb__parse_date(x) %}cast(try_strptime({{ x }}, '%Y') as date)::date{% endmacro %}",
        "select {{ matches_regex('x', '[0-9]{8}') }}, {{ run_date() }}, cast(x as {{ dbt.type_string() }})",
    ],
)
def test_portable_sql_passes(sql):
    assert sql_problems(sql) == []


def test_contract_types_in_yml():
    problems = yml_problems("columns:\n  - name: id_number\n    data_type: varchar  # varchar here is a comment\n")
    assert [(line, what) for line, what, _ in problems] == [(3, "varchar")]


def _spark_string_literal(literal: str) -> str:
    """The text of a Spark SQL string literal (spark.sql.parser.escapedStringLiterals off: a
    backslash escapes the next character)."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal)


@pytest.mark.parametrize("pattern", ["[0-9]{17}[0-9X]", "[0-9]{15}", "[0-9]{8}", r"[0-9]{5}(\.0+)?"])
def test_matches_regex_means_the_same_on_spark(pattern):
    """Spark's rlike finds a substring; the macro anchors it so that it matches what DuckDB's
    regexp_full_match matches, with the pattern's backslashes surviving Spark's literal."""
    macros = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string((DBT / "macros" / "portable.sql").read_text())
    sql = str(macros.module.default__matches_regex("x", pattern))
    literal = re.fullmatch(r"\(x rlike '(.*)'\)", sql).group(1)
    spark_regex = _spark_string_literal(literal).replace(r"\z", r"\Z")  # Java's \z is Python's \Z
    texts = ["12345", "12345.0", "12345x0", "123456", "a12345", "12345\n", "20250901", "2025090", "1" * 15, "1" * 16]
    texts += ["1" * 17 + "X", "1" * 17 + "Y", "1" * 18 + "\n"]
    for text in texts:
        assert bool(re.search(spark_regex, text)) == bool(re.fullmatch(pattern, text)), (pattern, text)
