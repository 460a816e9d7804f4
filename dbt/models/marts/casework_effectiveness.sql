-- 劝返成效: per school year (of the case's opening, of the duty's start) and county, township and
-- school: cases opened and returned, days from opening to return (median, 90th percentile), the
-- share of settled duties done on time, and returns followed by a relapse (a new case for the
-- same child within casework_relapse_days of the return).
with

ledger as (

    select * from {{ ref('ledger_cases') }}

),

duties as (

    select * from {{ ref('int_case_duties') }}

),

units as (

    select * from {{ ref('int_reporting_units') }}

),

relapsed as (

    select distinct returned.case_id
    from ledger as returned
    inner join ledger as later
        on
            returned.child_key = later.child_key
            and returned.closed_on < later.opened_on
            and later.opened_on <= {{ dbt.dateadd('day', var('casework_relapse_days'), 'returned.closed_on') }}
    where returned.close_reason = 'returned'

),

case_facts as (

    select
        ledger.case_id,
        cast({{ school_year_of('ledger.opened_on') }} as integer) as school_year,
        ledger.township_code,
        ledger.school_code,
        ledger.close_reason = 'returned' as is_returned,
        case
            when ledger.close_reason = 'returned' then {{ dbt.datediff('ledger.opened_on', 'ledger.closed_on', 'day') }}
        end as days_to_return,
        relapsed.case_id is not null as is_relapsed
    from ledger
    left join relapsed on ledger.case_id = relapsed.case_id

),

duty_facts as (

    -- a duty still due is not settled yet: only done, done late and overdue duties count
    select
        school_year,
        township_code,
        school_code,
        status
    from duties
    where status != 'due'

),

case_levels as (

    {{ at_reporting_levels('case_facts') }}

),

duty_levels as (

    {{ at_reporting_levels('duty_facts') }}

),

case_stats as (

    select
        school_year,
        level,
        unit_code,
        count(*) as cases_opened,
        count(case when is_returned then 1 end) as cases_returned,
        {{ percentile('days_to_return', 0.5) }} as median_days_to_return,
        {{ percentile('days_to_return', 0.9) }} as p90_days_to_return,
        count(case when is_relapsed then 1 end) as returns_relapsed
    from case_levels
    group by school_year, level, unit_code

),

duty_stats as (

    select
        school_year,
        level,
        unit_code,
        count(*) as duties_settled,
        count(case when status = 'done' then 1 end) as duties_on_time
    from duty_levels
    group by school_year, level, unit_code

),

unit_years as (

    select
        school_year,
        level,
        unit_code
    from case_stats
    union
    select
        school_year,
        level,
        unit_code
    from duty_stats

)

select
    unit_years.school_year,
    unit_years.level,
    unit_years.unit_code,
    units.unit_name,
    units.township_code,
    coalesce(case_stats.cases_opened, 0) as cases_opened,
    coalesce(case_stats.cases_returned, 0) as cases_returned,
    case_stats.median_days_to_return,
    case_stats.p90_days_to_return,
    coalesce(duty_stats.duties_settled, 0) as duties_settled,
    coalesce(duty_stats.duties_on_time, 0) as duties_on_time,
    cast(duty_stats.duties_on_time as double) / nullif(duty_stats.duties_settled, 0) as on_time_share,
    coalesce(case_stats.returns_relapsed, 0) as returns_relapsed,
    cast(case_stats.returns_relapsed as double) / nullif(case_stats.cases_returned, 0) as relapse_share,
    units.parent_level,
    units.parent_code
from unit_years
left join units on unit_years.level = units.level and unit_years.unit_code = units.unit_code
left join case_stats
    on
        unit_years.school_year = case_stats.school_year
        and unit_years.level = case_stats.level
        and unit_years.unit_code = case_stats.unit_code
left join duty_stats
    on
        unit_years.school_year = duty_stats.school_year
        and unit_years.level = duty_stats.level
        and unit_years.unit_code = duty_stats.unit_code
