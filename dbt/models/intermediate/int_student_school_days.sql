-- The one home of the attendance rules per student and school day, up to the as-of date: every
-- school day on which a student has an attendance record or is 在读 (the roster grid,
-- int_enrolled_days), with the day's status, whether the student was present, the segment the
-- day belongs to and the unexcused streak so far. A segment runs from a present day to the next
-- (its number counts the present days so far); the streak counts the segment's unexcused days up
-- to and including the day: a present day ends it, leave days neither extend nor break it
-- (shared/domain.md). Records on other dates (audit.off_calendar_attendance) are not school days
-- and do not count. int_attendance_status, int_cases_unexcused, int_case_files and
-- int_risk_features read the streak and the segment here.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

grid as (

    select
        student_no,
        attendance_date,
        attendance_kind
    from {{ ref('int_enrolled_days') }}

),

records as (

    select
        attendance.student_no,
        attendance.attendance_date,
        attendance.attendance_kind
    from {{ ref('int_attendance_daily') }} as attendance
    inner join {{ ref('int_school_days') }} as school_days
        on attendance.attendance_date = school_days.attendance_date
    cross join as_of
    where attendance.attendance_date <= as_of.as_of_date

),

days as (

    select
        student_no,
        attendance_date,
        attendance_kind,
        true as is_enrolled
    from grid
    union all
    -- records on school days the student was not 在读
    select
        records.student_no,
        records.attendance_date,
        records.attendance_kind,
        false as is_enrolled
    from records
    left join grid
        on
            records.student_no = grid.student_no
            and records.attendance_date = grid.attendance_date
    where grid.student_no is null

),

running as (

    select
        student_no,
        attendance_date,
        attendance_kind,
        is_enrolled,
        sum(case when attendance_kind = 'present' then 1 else 0 end) over (
            partition by student_no order by attendance_date rows unbounded preceding
        ) as segment,
        sum(case when attendance_kind = 'unexcused' then 1 else 0 end) over (
            partition by student_no order by attendance_date rows unbounded preceding
        ) as unexcused_total
    from days

)

select
    student_no,
    attendance_date,
    attendance_kind,
    coalesce(attendance_kind = 'present', false) as is_present,
    is_enrolled,
    cast(segment as integer) as segment,
    -- unexcused days so far minus those counted by the segment's present day
    cast(unexcused_total - coalesce(max(case when attendance_kind = 'present' then unexcused_total end) over (
        partition by student_no order by attendance_date rows unbounded preceding
    ), 0) as integer) as unexcused_streak
from running
