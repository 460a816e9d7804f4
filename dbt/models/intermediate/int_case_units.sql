-- Each case counted once for the county, once for its township and once for its school (cases
-- of out-of-school children have no school).
with

cases as (

    select * from {{ ref('ledger_cases') }}

)

{{ at_reporting_levels('cases') }}
