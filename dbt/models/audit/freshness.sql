-- How current each extract is in each township: the last school day its schools have attendance for, the
-- last status snapshot holding its schools, the household-register snapshot holding its residents.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

attendance as (

    -- school days only: one school's Saturday class does not make its township look current
    select daily.*
    from {{ ref('int_attendance_daily') }} as daily
    inner join {{ ref('int_school_days') }} as school_days on daily.attendance_date = school_days.attendance_date

),

student_status as (

    select * from {{ ref('int_student_status') }}

),

household as (

    select * from {{ ref('int_household_members') }}

),

attendance_latest as (

    select
        'attendance' as extract,
        schools.township_code,
        max(attendance.attendance_date) as latest_date
    from attendance
    inner join schools on attendance.school_code = schools.school_code
    group by schools.township_code

),

status_latest as (

    select
        'student_status' as extract,
        township_code,
        max(snapshot_date) as latest_date
    from student_status
    where township_code is not null
    group by township_code

),

household_latest as (

    select
        'household' as extract,
        township_code,
        max(snapshot_date) as latest_date
    from household
    where township_code is not null
    group by township_code

),

unioned as (

    select * from attendance_latest
    union all
    select * from status_latest
    union all
    select * from household_latest

)

select
    unioned.extract,
    unioned.township_code,
    unioned.latest_date,
    as_of.as_of_date,
    {{ dbt.datediff('unioned.latest_date', 'as_of.as_of_date', 'day') }} as days_behind
from unioned
cross join as_of
