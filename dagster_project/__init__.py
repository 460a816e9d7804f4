"""Dagster code location of the 控辍保学 warehouse."""
