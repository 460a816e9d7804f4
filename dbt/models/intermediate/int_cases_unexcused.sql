-- Suspected-dropout cases from unexcused streaks, rebuilt from every attendance record. A
-- segment runs from a present day to the next; leave days neither extend nor break it. A case
-- opens on the segment's Nth unexcused day, escalates on the Mth, and closes as returned on the
-- next present day (status closes are applied in int_dropout_cases).
-- One ordered pass over the records numbers the segments and counts unexcused days; the rest
-- works on the few unexcused records (and on the present days that end a case's segment).
with

daily as (

    -- school days only: records on other dates (audit.off_calendar_attendance) do not count
    select attendance.*
    from {{ ref('int_attendance_daily') }} as attendance
    inner join {{ ref('int_school_days') }} as school_days
        on attendance.attendance_date = school_days.attendance_date

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

segmented as (

    select
        daily.student_no,
        daily.attendance_date,
        daily.attendance_kind,
        sum(case when daily.attendance_kind = 'present' then 1 else 0 end) over (
            partition by daily.student_no order by daily.attendance_date rows unbounded preceding
        ) as segment,
        sum(case when daily.attendance_kind = 'unexcused' then 1 else 0 end) over (
            partition by daily.student_no order by daily.attendance_date rows unbounded preceding
        ) as unexcused_total
    from daily
    cross join as_of
    where daily.attendance_date <= as_of.as_of_date

),

counted as (

    -- a segment's first unexcused day is its 1st: the running total restarted there
    select
        student_no,
        segment,
        attendance_date,
        unexcused_total - min(unexcused_total) over (partition by student_no, segment) + 1 as unexcused_so_far
    from segmented
    where attendance_kind = 'unexcused'

),

segments as (

    select
        student_no,
        segment,
        min(case when unexcused_so_far = {{ var('suspected_dropout_days') }} then attendance_date end) as opened_on,
        min(case when unexcused_so_far = {{ var('dropout_days') }} then attendance_date end) as escalated_on
    from counted
    group by student_no, segment

),

cases as (

    select * from segments
    where opened_on is not null

),

returns as (

    -- the present day that starts the next segment
    select
        segmented.student_no,
        segmented.segment - 1 as segment,
        segmented.attendance_date as returned_on
    from segmented
    inner join cases
        on
            segmented.student_no = cases.student_no
            and segmented.segment = cases.segment + 1
    where segmented.attendance_kind = 'present'

)

select
    cases.student_no,
    'unexcused_absence' as trigger,
    cases.opened_on,
    cases.escalated_on,
    returns.returned_on
from cases
left join returns
    on
        cases.student_no = returns.student_no
        and cases.segment = returns.segment
