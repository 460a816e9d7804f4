"""Synthetic sample-county generator for the 控辍保学 warehouse (all data is fictitious)."""
