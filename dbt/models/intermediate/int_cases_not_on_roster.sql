-- Suspected-dropout cases from the roster grid: a run of school days on which a 在读 student
-- has no attendance record at all. The case opens on the run's Nth day and escalates on its
-- Mth; it closes as returned when records resume (status closes are applied in int_dropout_cases).
with

grid as (

    select * from {{ ref('int_enrolled_days') }}

),

numbered as (

    select
        *,
        row_number() over (partition by student_no order by attendance_date) as grid_seq
    from grid

),

missing as (

    select
        *,
        grid_seq - row_number() over (partition by student_no order by attendance_date) as run_id,
        row_number() over (partition by student_no, attendance_kind is null order by attendance_date) as missing_seq
    from numbered
    where attendance_kind is null

),

runs as (

    select
        student_no,
        run_id,
        max(grid_seq) as last_grid_seq,
        max(school_day_number) as last_day_number,
        min(missing_seq) as first_missing_seq,
        count(*) as days
    from missing
    group by student_no, run_id

),

opened as (

    select
        runs.student_no,
        runs.run_id,
        runs.last_grid_seq,
        runs.last_day_number,
        min(case
            when missing.missing_seq = runs.first_missing_seq + {{ var('not_on_roster_days') }} - 1
                then missing.attendance_date
        end) as opened_on,
        min(case
            when missing.missing_seq = runs.first_missing_seq + {{ var('dropout_days') }} - 1
                then missing.attendance_date
        end) as escalated_on
    from runs
    inner join missing on runs.student_no = missing.student_no and runs.run_id = missing.run_id
    where runs.days >= {{ var('not_on_roster_days') }}
    group by runs.student_no, runs.run_id, runs.last_grid_seq, runs.last_day_number

),

resumed as (

    select
        opened.student_no,
        opened.opened_on,
        numbered.attendance_date as resumed_on
    from opened
    inner join numbered
        on
            opened.student_no = numbered.student_no
            and numbered.grid_seq = opened.last_grid_seq + 1
            and numbered.school_day_number = opened.last_day_number + 1

)

select
    opened.student_no,
    'not_on_roster' as trigger,
    opened.opened_on,
    opened.escalated_on,
    resumed.resumed_on as returned_on
from opened
left join resumed on opened.student_no = resumed.student_no and opened.opened_on = resumed.opened_on
