-- The as-of date of the comparisons and the dates that follow from it (one row).
with

school_days as (

    select * from {{ ref('int_school_days') }}

),

as_of as (

    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
            max(attendance_date)
        {%- endif %} as as_of_date
    from school_days

),

school_year as (

    select
        as_of_date,
        {{ school_year_of('as_of_date') }} as school_year
    from as_of

),

recent_days as (

    select
        school_days.attendance_date,
        row_number() over (order by school_days.attendance_date desc) as days_back
    from school_days
    cross join as_of
    where school_days.attendance_date <= as_of.as_of_date

)

select
    school_year.as_of_date,
    school_year.school_year,
    make_date(
        school_year.school_year, {{ var('age_cutoff_month') }}, {{ var('age_cutoff_day') }}
    ) as age_cutoff_date,
    (
        select min(recent_days.attendance_date) from recent_days
        where recent_days.days_back <= {{ var('not_on_roster_days') }}
    ) as roster_window_start
from school_year
