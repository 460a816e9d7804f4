-- Suspected-dropout cases from unexcused streaks, rebuilt from every attendance record. A
-- segment runs from a present day to the next; leave days neither extend nor break it. A case
-- opens on the segment's Nth unexcused day, escalates on the Mth, and closes as returned on the
-- next present day (status closes are applied in int_dropout_cases).
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

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
        ) as segment
    from daily
    cross join as_of
    where daily.attendance_date <= as_of.as_of_date

),

counted as (

    select
        *,
        sum(case when attendance_kind = 'unexcused' then 1 else 0 end) over (
            partition by student_no, segment order by attendance_date rows unbounded preceding
        ) as unexcused_so_far
    from segmented

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

returns as (

    select
        student_no,
        segment,
        min(attendance_date) as returned_on
    from counted
    where attendance_kind = 'present'
    group by student_no, segment

),

cases as (

    select
        segments.student_no,
        segments.opened_on,
        segments.escalated_on,
        returns.returned_on
    from segments
    left join returns
        on
            segments.student_no = returns.student_no
            and segments.segment + 1 = returns.segment
    where segments.opened_on is not null

)

select
    student_no,
    'unexcused_absence' as trigger,
    opened_on,
    escalated_on,
    returned_on
from cases
