-- Per student, their attendance on school days up to the as-of date: last present day, the
-- current unexcused streak (unexcused days since the last present day; leave days neither extend
-- nor break it), and how many of the recent school days they were on the roster at all. Records
-- on other dates (audit.off_calendar_attendance) are not school days and do not count.
with

daily as (

    select attendance.*
    from {{ ref('int_attendance_daily') }} as attendance
    inner join {{ ref('int_school_days') }} as school_days
        on attendance.attendance_date = school_days.attendance_date

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

up_to_as_of as (

    select
        daily.*,
        as_of.roster_window_start
    from daily
    cross join as_of
    where daily.attendance_date <= as_of.as_of_date

),

summary as (

    select
        student_no,
        max(case when attendance_kind = 'present' then attendance_date end) as last_present_date,
        max(attendance_date) as last_roster_date,
        count(case when attendance_date >= roster_window_start then 1 end) as recent_roster_days
    from up_to_as_of
    group by student_no

),

streaks as (

    select
        up_to_as_of.student_no,
        count(*) as unexcused_streak_days
    from up_to_as_of
    inner join summary on up_to_as_of.student_no = summary.student_no
    where
        up_to_as_of.attendance_kind = 'unexcused'
        and (summary.last_present_date is null or up_to_as_of.attendance_date > summary.last_present_date)
    group by up_to_as_of.student_no

)

select
    summary.student_no,
    summary.last_present_date,
    summary.last_roster_date,
    summary.recent_roster_days,
    coalesce(streaks.unexcused_streak_days, 0) as unexcused_streak_days
from summary
left join streaks on summary.student_no = streaks.student_no
