"""台账: the three ledgers — age-eligible children, suspected-dropout cases, dropout cases."""

from dashboards import lists

lists.page("台账", ("age_eligible", "cases", "dropouts"), "ledgers")
