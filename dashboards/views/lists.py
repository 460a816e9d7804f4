"""名单: the working lists — disabled children and 送教上门, the 6→7 handover, leaves to file,
suspended students, transfers to verify."""

from dashboards import lists

lists.page("名单", ("home_teaching", "handover", "leave_filings", "suspended", "transferred_out"), "lists")
