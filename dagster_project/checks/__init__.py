"""Data-quality gates: Great Expectations suites run as blocking Dagster asset checks."""
