-- 学期汇总控辍保学排查整改工作情况统计表 (卫辉, each quarter): per quarter and unit of the
-- reporting tree, cases open at the start, new, escalated to dropout, closed by each reason,
-- open at the end (of which poverty households), split into suspected dropouts (of which
-- dropouts) and out-of-school children, and the rectification rate closed / (open at start +
-- new). The current quarter ends on the as-of date. Each row is the sum of the rows below it.
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

quarter_labels as (

    select * from {{ ref('glossary') }}
    where domain = 'quarter'

),

quarters as (

    select distinct
        cast({{ dbt.date_trunc('quarter', 'school_days.attendance_date') }} as date) as quarter_start
    from {{ ref('int_school_days') }} as school_days
    cross join as_of
    where school_days.attendance_date <= as_of.as_of_date

),

last_working_days as (

    select
        cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date) as quarter_start,
        max(calendar_date) as last_working_day
    from {{ ref('int_calendar_days') }}
    where is_working_day
    group by cast({{ dbt.date_trunc('quarter', 'calendar_date') }} as date)

),

periods as (

    select
        quarters.quarter_start,
        least(
            cast({{ dbt.dateadd('day', -1, dbt.dateadd('quarter', 1, 'quarters.quarter_start')) }} as date),
            as_of.as_of_date
        ) as period_end,
        as_of.as_of_date,
        coalesce(as_of.as_of_date >= last_working_days.last_working_day, true) as is_complete,
        cast(year(quarters.quarter_start) as varchar) || 'Q'
        || cast(extract(quarter from quarters.quarter_start) as varchar) as quarter,
        cast(year(quarters.quarter_start) as varchar) || '年' || quarter_labels.label as quarter_name
    from quarters
    cross join as_of
    left join last_working_days on quarters.quarter_start = last_working_days.quarter_start
    left join quarter_labels on cast(extract(quarter from quarters.quarter_start) as varchar) = quarter_labels.code

),

{%- set open_at_start = "case_units.opened_on < periods.quarter_start"
    ~ " and (case_units.closed_on is null or case_units.closed_on >= periods.quarter_start)" %}
{%- set open_at_end = "case_units.opened_on <= periods.period_end"
    ~ " and (case_units.closed_on is null or case_units.closed_on > periods.period_end)" %}
{%- set opened = "case_units.opened_on between periods.quarter_start and periods.period_end" %}
{%- set closed = "case_units.closed_on between periods.quarter_start and periods.period_end" %}
{%- set suspected = "case_units.kind = 'suspected_dropout'" %}
{%- set out_of_school = "case_units.kind = 'out_of_school'" %}
{%- set measures = [
    ('open_at_start', open_at_start),
    ('open_at_start_suspected', open_at_start ~ ' and ' ~ suspected),
    ('open_at_start_dropout', open_at_start ~ ' and ' ~ suspected ~ ' and case_units.escalated_on < periods.quarter_start'),
    ('open_at_start_out_of_school', open_at_start ~ ' and ' ~ out_of_school),
    ('new_cases', opened),
    ('new_suspected', opened ~ ' and ' ~ suspected),
    ('new_out_of_school', opened ~ ' and ' ~ out_of_school),
    ('escalated_cases', 'case_units.escalated_on between periods.quarter_start and periods.period_end'),
    ('closed_returned', closed ~ " and case_units.close_reason = 'returned'"),
    ('closed_transferred', closed ~ " and case_units.close_reason = 'transferred'"),
    ('closed_suspended', closed ~ " and case_units.close_reason = 'suspended'"),
    ('closed_deceased', closed ~ " and case_units.close_reason = 'deceased'"),
    ('closed_over_age', closed ~ " and case_units.close_reason = 'over_age'"),
    ('closed_graduated', closed ~ " and case_units.close_reason = 'graduated'"),
    ('closed_total', closed),
    ('open_at_end', open_at_end),
    ('open_at_end_suspected', open_at_end ~ ' and ' ~ suspected),
    ('open_at_end_dropout', open_at_end ~ ' and ' ~ suspected ~ ' and case_units.escalated_on <= periods.period_end'),
    ('open_at_end_out_of_school', open_at_end ~ ' and ' ~ out_of_school),
    ('poverty_open_at_end', open_at_end ~ ' and case_units.is_poverty_household'),
] %}

counted as (

    select
        periods.quarter,
        case_units.level,
        case_units.unit_code,
    {% for name, condition in measures %}
        count(case when {{ condition }} then 1 end) as {{ name }}{{ ',' if not loop.last }}
    {% endfor %}
    from periods
    inner join case_units on periods.period_end >= case_units.opened_on
    group by periods.quarter, case_units.level, case_units.unit_code

),

measured as (

    select
        periods.quarter,
        periods.quarter_name,
        periods.quarter_start,
        periods.period_end,
        periods.as_of_date,
        periods.is_complete,
        units.level,
        units.unit_code,
        units.unit_name,
        units.report_unit_name,
        units.township_code,
        units.parent_level,
        units.parent_code,
        units.unit_order,
    {% for name, _ in measures %}
        cast(coalesce(counted.{{ name }}, 0) as bigint) as {{ name }}{{ ',' if not loop.last }}
    {% endfor %}
    from periods
    cross join units
    left join counted
        on
            periods.quarter = counted.quarter
            and units.level = counted.level
            and units.unit_code = counted.unit_code

)

select
    measured.*,
    {{ safe_rate('measured.closed_total', 'measured.open_at_start + measured.new_cases') }} as rectification_rate
from measured
-- the county's row for what belongs to no township is listed only when something does
where
    not (
        measured.level = 'no_school'
        and measured.township_code is null
        and measured.open_at_start + measured.new_cases = 0
    )
