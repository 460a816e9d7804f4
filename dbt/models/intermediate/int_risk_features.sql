-- The risk score's inputs per 在读 student and evaluation date T (int_risk_eval_days), from
-- what was known on T only: attendance up to T on the roster grid (int_enrolled_days) and the
-- student-status snapshot that describes T. Poverty-household membership is the latest
-- poverty snapshot (the extract keeps no history of it). Unexcused streaks follow the domain
-- rule: a present day ends one, leave days neither extend nor break it.
with

grid as (

    select * from {{ ref('int_enrolled_days') }}

),

eval_days as (

    select * from {{ ref('int_risk_eval_days') }}

),

day_snapshots as (

    select * from {{ ref('int_day_snapshots') }}

),

status as (

    select * from {{ ref('int_student_status') }}
    where status = 'enrolled'

),

schools as (

    select * from {{ ref('int_schools') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

county as (

    select unit_code as county_code from {{ ref('int_reporting_units') }}
    where level = 'county'

),

flagged as (

    select
        student_no,
        attendance_date,
        case when attendance_kind = 'unexcused' then 1 else 0 end as is_unexcused,
        case when attendance_kind = 'leave' then 1 else 0 end as is_leave,
        sum(case when attendance_kind = 'unexcused' then 1 else 0 end) over (
            partition by student_no order by attendance_date rows unbounded preceding
        ) as unexcused_so_far,
        -- a streak runs since the last present day, a leave run since the last non-leave day
        sum(case when attendance_kind = 'present' then 1 else 0 end) over (
            partition by student_no order by attendance_date rows unbounded preceding
        ) as present_seen,
        sum(case when attendance_kind = 'leave' then 0 else 1 end) over (
            partition by student_no order by attendance_date rows unbounded preceding
        ) as non_leave_seen
    from grid

),

running as (

    select
        student_no,
        attendance_date,
        -- window counts as running totals minus the running total N roster days earlier
        unexcused_so_far - coalesce(lag(unexcused_so_far, {{ var('risk_recent_days') }}) over (
            partition by student_no order by attendance_date
        ), 0) as recent_unexcused,
        unexcused_so_far - coalesce(lag(unexcused_so_far, {{ var('risk_trend_days') }}) over (
            partition by student_no order by attendance_date
        ), 0) as later_unexcused,
        sum(is_unexcused) over (
            partition by student_no, present_seen order by attendance_date rows unbounded preceding
        ) as unexcused_streak,
        case
            when is_leave = 1
                then
                    sum(is_leave)
                        over (
                            partition by student_no, non_leave_seen order by attendance_date rows unbounded preceding
                        )
            else 0
        end as leave_run_day
    from flagged

),

long_leaves_so_far as (

    select
        running.*,
        -- a leave becomes long on its day after the principal's threshold
        sum(case when running.leave_run_day = {{ var('leave_principal_days') }} + 1 then 1 else 0 end) over (
            partition by running.student_no order by running.attendance_date rows unbounded preceding
        ) as long_leaves_so_far
    from running

),

windowed as (

    select
        long_leaves_so_far.*,
        long_leaves_so_far - coalesce(lag(long_leaves_so_far, {{ var('risk_leave_window_days') }}) over (
            partition by long_leaves_so_far.student_no order by long_leaves_so_far.attendance_date
        ), 0) as long_leaves
    from long_leaves_so_far

),

at_eval as (

    select
        windowed.*,
        eval_days.is_as_of
    from windowed
    inner join eval_days on windowed.attendance_date = eval_days.eval_date

)

select
    at_eval.student_no,
    at_eval.attendance_date as eval_date,
    at_eval.is_as_of,
    status.id_number,
    status.school_code,
    status.township_code,
    status.grade,
    cast(at_eval.recent_unexcused as integer) as recent_unexcused,
    cast(at_eval.unexcused_streak as integer) as unexcused_streak,
    -- unexcused days in the later part of the recent window minus those in the earlier part
    cast(2 * at_eval.later_unexcused - at_eval.recent_unexcused as integer) as absence_trend,
    cast(at_eval.long_leaves as integer) as long_leaves,
    case when status.grade in ({{ var('risk_key_grades') | join(', ') }}) then status.grade else 0 end as key_grade,
    case when schools.urban_rural = '乡村' then 1 else 0 end as rural_school,
{%- for group_code, flag in key_group_flags().items() %}
    cast({{ flag }} as integer) as group_{{ group_code }}{{ ',' if not loop.last }}
{%- endfor %}
from at_eval
cross join county
inner join day_snapshots on at_eval.attendance_date = day_snapshots.attendance_date
inner join status
    on
        at_eval.student_no = status.student_no
        and day_snapshots.snapshot_date = status.snapshot_date
left join schools on status.school_code = schools.school_code
left join poverty on status.id_number = poverty.id_number
