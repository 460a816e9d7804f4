"""Reading county extract files and landing them in the raw schema (no business rules)."""
