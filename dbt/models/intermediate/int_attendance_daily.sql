-- One record per student and day: a later delivery corrects an earlier one, whatever the file
-- names (the delivery number every landed row carries: a correction 更正考勤_202511.csv
-- delivered after 考勤_202511.csv wins although its name sorts first); inside one file the
-- later row wins. Rows of one file that give the same student-day different statuses are not
-- used (they are in audit.quarantine, int_attendance_conflicts). Every date is kept, school day
-- or not: models counting school days join int_school_days.
-- Incremental: a run reads only the rows landed since the last build, and a day delivered
-- again competes with the record the last build kept for it, which always loses (the rows
-- landed since were delivered after it). A replaced or removed file makes the orchestrator
-- rebuild in full (dagster_project/assets/dbt.py). On Spark's Parquet tables the model is rebuilt
-- whole every run, with the same rows (macro keyed_incremental).
{{ config(
    unique_key=['student_no', 'attendance_date'],
    on_schema_change='fail',
    **keyed_incremental()
) }}

{%- set columns = [
    'student_no', 'attendance_date', 'school_code', 'attendance_code', 'attendance_kind',
    'absence_reason', 'source_file', 'source_row', 'loaded_at'
] -%}

with

attendance as (

    -- rows with an unusable date or status, or without student number or school, are in
    -- audit.quarantine
    select
        {{ columns | join(', ') }},
        delivery_seq
    from {{ ref('stg_attendance') }}
    where
        date_issue is null
        and attendance_kind != 'unknown'
        and student_no is not null
        and school_code is not null
        and {{ landed_since_last_build('loaded_at') }}

),

new_days as (

    select distinct
        student_no,
        attendance_date
    from attendance

),

kept as (

    -- the record the last build kept: delivered before anything landed since (number -1)
    select
        {%- for column in columns %}
            previous.{{ column }},
        {%- endfor %}
        cast(-1 as bigint) as delivery_seq
    from {{ last_build('attendance') }} as previous
    inner join new_days
        on
            previous.student_no = new_days.student_no
            and previous.attendance_date = new_days.attendance_date

),

candidates as (

    select * from attendance
    union all
    select * from kept

),

repeated as (

    -- the few keys with more than one record (a re-delivered day, or a row twice in a file)
    select
        student_no,
        attendance_date
    from candidates
    group by student_no, attendance_date
    having count(*) > 1

),

single as (

    select candidates.*
    from candidates
    left join repeated
        on
            candidates.student_no = repeated.student_no
            and candidates.attendance_date = repeated.attendance_date
    where repeated.student_no is null

),

contested as (

    select candidates.*
    from candidates
    inner join repeated
        on
            candidates.student_no = repeated.student_no
            and candidates.attendance_date = repeated.attendance_date

),

in_file_conflicts as (

    {{ conflicting_student_days('contested') }}

),

ranked as (

    -- only the repeated keys go through the (memory-hungry) window
    select
        contested.*,
        row_number() over (
            partition by contested.student_no, contested.attendance_date
            order by contested.delivery_seq desc, contested.source_row desc
        ) as delivery_rank
    from contested
    left join in_file_conflicts
        on
            contested.source_file = in_file_conflicts.source_file
            and contested.student_no = in_file_conflicts.student_no
            and contested.attendance_date = in_file_conflicts.attendance_date
    where in_file_conflicts.source_file is null

)

select {{ columns | join(', ') }}
from single
union all
select {{ columns | join(', ') }}
from ranked
where delivery_rank = 1
