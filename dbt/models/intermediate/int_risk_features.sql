-- The risk score's inputs per 在读 student and evaluation date T (int_risk_eval_days), from
-- what was known on T only: attendance up to T on the roster grid (the 在读 days of
-- int_student_school_days, which also holds the unexcused streak on T) and the student-status
-- snapshot that describes T. Poverty-household membership is the latest poverty snapshot (the
-- extract keeps no history of it).
with

grid as (

    select * from {{ ref('int_student_school_days') }}
    where is_enrolled

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
        unexcused_streak,
        case when attendance_kind = 'unexcused' then 1 else 0 end as is_unexcused,
        case when attendance_kind = 'leave' then 1 else 0 end as is_leave
    from grid

),

-- Two ordered passes per student. Windows over the last N roster days are frames of N rows.
running as (

    select
        student_no,
        attendance_date,
        unexcused_streak,
        sum(is_unexcused) over (
            partition by student_no order by attendance_date {{ last_days_frame(var('risk_recent_days')) }}
        ) as recent_unexcused,
        sum(is_unexcused) over (
            partition by student_no order by attendance_date {{ last_days_frame(var('risk_trend_days')) }}
        ) as later_unexcused,
        -- a leave becomes long on its day after the principal's threshold: that day and the
        -- threshold's days before it are leave, and the day before those is not
        case
            when
                sum(is_leave) over (
                    partition by student_no order by attendance_date
                    rows between {{ var('leave_principal_days') | int }} preceding and current row
                ) = {{ (var('leave_principal_days') | int) + 1 }}
                and sum(is_leave) over (
                    partition by student_no order by attendance_date
                    rows between {{ (var('leave_principal_days') | int) + 1 }} preceding and current row
                ) = {{ (var('leave_principal_days') | int) + 1 }}
                then 1
            else 0
        end as long_leave_starts
    from flagged

),

windowed as (

    select
        student_no,
        attendance_date,
        recent_unexcused,
        later_unexcused,
        unexcused_streak,
        sum(long_leave_starts) over (
            partition by student_no order by attendance_date {{ last_days_frame(var('risk_leave_window_days')) }}
        ) as long_leaves
    from running

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
