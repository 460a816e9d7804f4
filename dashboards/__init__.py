"""Streamlit dashboards over the published warehouse (Chinese UI)."""
