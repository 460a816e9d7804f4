-- 学期汇总控辍保学排查整改工作情况统计表 (卫辉, each quarter): per quarter and unit of the
-- reporting tree, cases open at the start, new, escalated to dropout, closed by each reason,
-- open at the end (of which poverty households), split into suspected dropouts (of which
-- dropouts) and out-of-school children, and the rectification rate closed / (open at start +
-- new); the persuasion attempts made in the quarter (劝返次数, split the same way, each by the
-- stage its case was in that day) and the cases worked on in the quarter (open at its start or
-- new) by the cause recorded last up to its end (辍学原因, one column per cause of the glossary;
-- int_case_persuasion). The current quarter ends on the as-of date. Each row is the sum of the
-- rows below it.
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

persuasion as (

    select * from {{ ref('int_case_persuasion') }}

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
        cast(year(quarters.quarter_start) as {{ dbt.type_string() }}) || 'Q'
        || cast(extract(quarter from quarters.quarter_start) as {{ dbt.type_string() }}) as quarter,
        cast(year(quarters.quarter_start) as {{ dbt.type_string() }}) || '年' || quarter_labels.label as quarter_name
    from quarters
    cross join as_of
    left join last_working_days on quarters.quarter_start = last_working_days.quarter_start
    left join quarter_labels
        on cast(extract(quarter from quarters.quarter_start) as {{ dbt.type_string() }}) = quarter_labels.code

),

attempts as (

    select
        periods.quarter,
        persuasion.case_id,
        count(*) as attempts,
        count(case when persuasion.attempt_stage in ('suspected_dropout', 'dropout') then 1 end) as attempts_suspected,
        count(case when persuasion.attempt_stage = 'dropout' then 1 end) as attempts_dropout,
        count(case when persuasion.attempt_stage = 'out_of_school' then 1 end) as attempts_out_of_school
    from periods
    inner join persuasion
        on persuasion.is_attempt and persuasion.action_date between periods.quarter_start and periods.period_end
    group by periods.quarter, persuasion.case_id

),

recorded_causes as (

    select
        periods.quarter,
        persuasion.case_id,
        persuasion.cause_code,
        row_number() over (
            partition by periods.quarter, persuasion.case_id
            order by persuasion.action_date desc, persuasion.recorded_at desc, persuasion.source_row desc
        ) as recency
    from periods
    inner join persuasion
        on persuasion.cause_code is not null and periods.period_end >= persuasion.action_date

),

case_quarters as (

    select
        periods.quarter,
        case_units.*,
        coalesce(attempts.attempts, 0) as attempts,
        coalesce(attempts.attempts_suspected, 0) as attempts_suspected,
        coalesce(attempts.attempts_dropout, 0) as attempts_dropout,
        coalesce(attempts.attempts_out_of_school, 0) as attempts_out_of_school,
        recorded_causes.cause_code,
        periods.quarter_start,
        periods.period_end,
        -- worked on in the quarter: open at its start or new in it
        coalesce(case_units.closed_on >= periods.quarter_start, true) as is_worked
    from periods
    inner join case_units on periods.period_end >= case_units.opened_on
    left join attempts on periods.quarter = attempts.quarter and case_units.case_id = attempts.case_id
    left join recorded_causes
        on
            periods.quarter = recorded_causes.quarter
            and case_units.case_id = recorded_causes.case_id
            and recorded_causes.recency = 1

),

{%- set open_at_start = "opened_on < quarter_start"
    ~ " and (closed_on is null or closed_on >= quarter_start)" %}
{%- set open_at_end = "opened_on <= period_end"
    ~ " and (closed_on is null or closed_on > period_end)" %}
{%- set opened = "opened_on between quarter_start and period_end" %}
{%- set closed = "closed_on between quarter_start and period_end" %}
{%- set suspected = "kind = 'suspected_dropout'" %}
{%- set out_of_school = "kind = 'out_of_school'" %}
{%- set measures = [
    ('open_at_start', open_at_start),
    ('open_at_start_suspected', open_at_start ~ ' and ' ~ suspected),
    ('open_at_start_dropout', open_at_start ~ ' and ' ~ suspected ~ ' and escalated_on < quarter_start'),
    ('open_at_start_out_of_school', open_at_start ~ ' and ' ~ out_of_school),
    ('new_cases', opened),
    ('new_suspected', opened ~ ' and ' ~ suspected),
    ('new_out_of_school', opened ~ ' and ' ~ out_of_school),
    ('escalated_cases', 'escalated_on between quarter_start and period_end'),
    ('closed_returned', closed ~ " and close_reason = 'returned'"),
    ('closed_transferred', closed ~ " and close_reason = 'transferred'"),
    ('closed_suspended', closed ~ " and close_reason = 'suspended'"),
    ('closed_deceased', closed ~ " and close_reason = 'deceased'"),
    ('closed_over_age', closed ~ " and close_reason = 'over_age'"),
    ('closed_graduated', closed ~ " and close_reason = 'graduated'"),
    ('closed_total', closed),
    ('open_at_end', open_at_end),
    ('open_at_end_suspected', open_at_end ~ ' and ' ~ suspected),
    ('open_at_end_dropout', open_at_end ~ ' and ' ~ suspected ~ ' and escalated_on <= period_end'),
    ('open_at_end_out_of_school', open_at_end ~ ' and ' ~ out_of_school),
    ('poverty_open_at_end', open_at_end ~ ' and is_poverty_household'),
] %}
{%- set aggregates = [] %}
{%- for name, condition in measures %}
    {%- do aggregates.append((name, 'count(case when ' ~ condition ~ ' then 1 end)')) %}
{%- endfor %}
{%- for name, stage in [
    ('persuasion_attempts', ''),
    ('persuasion_attempts_suspected', '_suspected'),
    ('persuasion_attempts_dropout', '_dropout'),
    ('persuasion_attempts_out_of_school', '_out_of_school'),
] %}
    {%- do aggregates.append((name, 'sum(attempts' ~ stage ~ ')')) %}
{%- endfor %}
{%- do aggregates.append(('cases_with_cause', 'count(case when is_worked and cause_code is not null then 1 end)')) %}
{#- the glossary's causes (domain cause), in its order #}
{%- for cause in [
    'learning_difficulty', 'migrant_work', 'guardian_neglect', 'disability',
    'early_marriage', 'religion', 'missing', 'other',
] %}
    {%- set condition = "is_worked and cause_code = '" ~ cause ~ "'" %}
    {%- do aggregates.append(('cause_' ~ cause, 'count(case when ' ~ condition ~ ' then 1 end)')) %}
{%- endfor %}

counted as (

    select
        quarter,
        level,
        unit_code,
    {% for name, aggregate in aggregates %}
        {{ aggregate }} as {{ name }}{{ ',' if not loop.last }}
    {% endfor %}
    from case_quarters
    group by quarter, level, unit_code

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
    {% for name, _ in aggregates %}
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
