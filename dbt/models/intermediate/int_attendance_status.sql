-- Per student, their attendance on school days up to the as-of date: last present day, the
-- current unexcused streak (int_student_school_days' streak on their last recorded school day),
-- and how many of the recent school days they were on the roster at all. Records on other dates
-- (audit.off_calendar_attendance) are not school days and do not count.
with

recorded as (

    select * from {{ ref('int_student_school_days') }}
    where attendance_kind is not null

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

summary as (

    select
        recorded.student_no,
        max(case when recorded.is_present then recorded.attendance_date end) as last_present_date,
        max(recorded.attendance_date) as last_roster_date,
        count(case when recorded.attendance_date >= as_of.roster_window_start then 1 end) as recent_roster_days
    from recorded
    cross join as_of
    group by recorded.student_no

)

select
    summary.student_no,
    summary.last_present_date,
    summary.last_roster_date,
    summary.recent_roster_days,
    cast(recorded.unexcused_streak as bigint) as unexcused_streak_days
from summary
inner join recorded
    on
        summary.student_no = recorded.student_no
        and summary.last_roster_date = recorded.attendance_date
