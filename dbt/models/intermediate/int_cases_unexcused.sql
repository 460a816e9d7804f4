-- Suspected-dropout cases from unexcused streaks, rebuilt from every attendance record. A case
-- opens on the day a segment's streak (int_student_school_days: a present day starts a segment,
-- leave days neither extend nor break it) reaches N unexcused days, escalates on the Mth, and
-- closes as returned on the next present day (status closes are applied in int_dropout_cases).
with

days as (

    select * from {{ ref('int_student_school_days') }}

),

segments as (

    select
        student_no,
        segment,
        min(case when unexcused_streak = {{ var('suspected_dropout_days') }} then attendance_date end) as opened_on,
        min(case when unexcused_streak = {{ var('dropout_days') }} then attendance_date end) as escalated_on
    from days
    where attendance_kind = 'unexcused'
    group by student_no, segment

),

cases as (

    select * from segments
    where opened_on is not null

),

returns as (

    -- the present day that starts the next segment
    select
        days.student_no,
        days.segment - 1 as segment,
        days.attendance_date as returned_on
    from days
    inner join cases
        on
            days.student_no = cases.student_no
            and days.segment = cases.segment + 1
    where days.is_present

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
