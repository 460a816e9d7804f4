-- 季度疑似辍学排查整改统计表: per quarter and unit, cases open at the start, new, closed by
-- each reason, open at the end (of which poverty households), and the rectification rate
-- closed / (open at start + new). The current quarter ends on the as-of date.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

units as (

    select * from {{ ref('int_reporting_units') }}

),

case_units as (

    select * from {{ ref('int_case_units') }}

),

quarters as (

    select distinct
        cast({{ dbt.date_trunc('quarter', 'school_days.attendance_date') }} as date) as quarter_start
    from {{ ref('int_school_days') }} as school_days
    cross join as_of
    where school_days.attendance_date <= as_of.as_of_date

),

periods as (

    select
        quarters.quarter_start,
        least(
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('quarter', 1, 'quarters.quarter_start')) }} as date),
            as_of.as_of_date
        ) as period_end,
        cast(year(quarters.quarter_start) as varchar) || 'Q'
        || cast(extract(quarter from quarters.quarter_start) as varchar) as quarter
    from quarters
    cross join as_of

),

counted as (

    select
        periods.quarter,
        case_units.level,
        case_units.unit_code,
        count(
            case
                when
                    case_units.opened_on < periods.quarter_start
                    and (case_units.closed_on is null or case_units.closed_on >= periods.quarter_start)
                    then 1
            end
        ) as open_at_start,
        count(case when case_units.opened_on between periods.quarter_start and periods.period_end then 1 end)
            as new_cases,
        {% for reason in ['returned', 'transferred', 'suspended', 'deceased', 'over_age', 'graduated'] %}
            count(
                case
                    when
                        case_units.closed_on between periods.quarter_start and periods.period_end
                        and case_units.close_reason = '{{ reason }}'
                        then 1
                end
            ) as closed_{{ reason }},
        {% endfor %}
        count(case when case_units.closed_on between periods.quarter_start and periods.period_end then 1 end)
            as closed_total,
        count(
            case
                when
                    case_units.opened_on <= periods.period_end
                    and (case_units.closed_on is null or case_units.closed_on > periods.period_end)
                    then 1
            end
        ) as open_at_end,
        count(
            case
                when
                    case_units.is_poverty_household
                    and case_units.opened_on <= periods.period_end
                    and (case_units.closed_on is null or case_units.closed_on > periods.period_end)
                    then 1
            end
        ) as poverty_open_at_end
    from periods
    inner join case_units on periods.period_end >= case_units.opened_on
    group by periods.quarter, case_units.level, case_units.unit_code

),

grid as (

    select
        periods.quarter,
        periods.quarter_start,
        periods.period_end,
        units.level,
        units.unit_code,
        units.unit_name,
        units.township_code
    from periods
    cross join units

)

select
    grid.quarter,
    grid.quarter_start,
    grid.period_end,
    grid.level,
    grid.unit_code,
    grid.unit_name,
    grid.township_code,
    cast(coalesce(counted.open_at_start, 0) as bigint) as open_at_start,
    cast(coalesce(counted.new_cases, 0) as bigint) as new_cases,
    {% for reason in ['returned', 'transferred', 'suspended', 'deceased', 'over_age', 'graduated'] %}
        cast(coalesce(counted.closed_{{ reason }}, 0) as bigint) as closed_{{ reason }},
    {% endfor %}
    cast(coalesce(counted.closed_total, 0) as bigint) as closed_total,
    cast(coalesce(counted.open_at_end, 0) as bigint) as open_at_end,
    cast(coalesce(counted.poverty_open_at_end, 0) as bigint) as poverty_open_at_end,
    cast(counted.closed_total as double) / nullif(counted.open_at_start + counted.new_cases, 0) as rectification_rate
from grid
left join counted
    on
        grid.quarter = counted.quarter
        and grid.level = counted.level
        and grid.unit_code = counted.unit_code
