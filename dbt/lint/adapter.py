"""Lint-time stand-in for dbt's ``adapter`` (sqlfluff's jinja templater has none).

sqlfluff loads this module as the ``adapter`` variable (``library_path`` in pyproject.toml),
so models that call dispatching macros render for linting. dbt itself never imports it.
"""


class _Placeholder(str):
    """A dispatched macro's result: a placeholder in SQL, no settings when unpacked into
    config(**keyed_incremental())."""

    def keys(self):
        return []


def dispatch(macro_name, macro_namespace=None):
    return lambda *args, **kwargs: _Placeholder(f"{macro_name}_placeholder")


def quote(identifier):
    """A plain identifier both lint dialects parse (duckdb's "x" is sparksql's string literal)."""
    return "q_" + identifier.encode().hex()
