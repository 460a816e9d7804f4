-- The as-of date of the comparisons and the dates that follow from it (one row). Unless var
-- as_of_date sets it, it is the last school day whose attendance is complete (its records cover
-- as_of_min_coverage of the roster), not the last date any row carries: a day still arriving,
-- one school's holiday class or one grade's Saturday does not move it. Should no school day be
-- complete (a threshold set too high), the last school day stands in.
with

school_days as (

    select * from {{ ref('int_school_days') }}

),

last_attendance as (

    select max(attendance_date) as last_attendance_date from {{ ref('int_attendance_daily') }}

),

bounds as (

    select
        max(case when is_complete then attendance_date end) as last_complete_day,
        max(attendance_date) as last_school_day
    from school_days

),

as_of as (

    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date) as as_of_date,
            'var' as as_of_basis,
        {%- else -%}
            coalesce(last_complete_day, last_school_day) as as_of_date,
            case when last_complete_day is not null then 'complete_coverage' else 'last_school_day' end
                as as_of_basis,
        {%- endif %}
        last_school_day
    from bounds

),

school_year as (

    select
        as_of.*,
        {{ school_year_of('as_of.as_of_date') }} as school_year
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
    ) as roster_window_start,
    school_year.as_of_basis,
    school_year.last_school_day,
    last_attendance.last_attendance_date
from school_year
cross join last_attendance
