"""Case work (劝返 and 销号): the operational store of what schools and townships record about each
case, the workbooks handed out and taken back, and the opaque case numbers.

Shared by the dashboard (which writes entries), the nightly run (which lands them into ``raw``)
and the sample generator; it imports neither Streamlit nor Dagster.
"""
