-- Suspected-dropout cases from unexcused streaks, rebuilt from every attendance record. A
-- segment runs from a present day to the next; leave days neither extend nor break it. A case
-- opens on the segment's Nth unexcused day, escalates on the Mth, and closes as returned on the
-- next present day, or at the first later snapshot whose status closes it.
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

status_changes as (

    select * from {{ ref('int_status_changes') }}

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

),

first_change as (

    select
        cases.student_no,
        cases.opened_on,
        min(status_changes.snapshot_date) as changed_on
    from cases
    inner join status_changes
        on
            cases.student_no = status_changes.student_no
            and cases.opened_on < status_changes.snapshot_date
    group by cases.student_no, cases.opened_on

),

resolved as (

    select
        cases.*,
        first_change.changed_on,
        status_changes.close_reason as change_reason,
        coalesce(cases.returned_on <= first_change.changed_on, cases.returned_on is not null) as returned_first
    from cases
    left join first_change
        on cases.student_no = first_change.student_no and cases.opened_on = first_change.opened_on
    left join status_changes
        on
            first_change.student_no = status_changes.student_no
            and first_change.changed_on = status_changes.snapshot_date

)

select
    student_no,
    'unexcused_absence' as trigger,
    opened_on,
    escalated_on,
    case when returned_first then returned_on else changed_on end as closed_on,
    case when returned_first then 'returned' else change_reason end as close_reason
from resolved
