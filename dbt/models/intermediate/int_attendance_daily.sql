-- One record per student and day: a later delivery corrects an earlier one, whatever the file
-- names (the delivery sequence number of stg_load_files: a correction 更正考勤_202511.csv
-- delivered after 考勤_202511.csv wins although its name sorts first); inside one file the
-- later row wins. Rows of one file that give the same student-day different statuses are not
-- used (int_attendance_conflicts, audit.quarantine). Every date is kept, school day or not:
-- models counting school days join int_school_days.
-- Incremental: a run reads only the rows landed since the last build, and a day delivered
-- again competes with the record the last build kept for it. A replaced or removed file makes
-- the orchestrator rebuild in full (dagster_project/assets/dbt.py).
{{ config(
    materialized='incremental',
    unique_key=['student_no', 'attendance_date'],
    incremental_strategy='delete+insert',
    on_schema_change='fail'
) }}

{%- set columns = [
    'student_no', 'attendance_date', 'school_code', 'attendance_code', 'attendance_kind',
    'absence_reason', 'source_file', 'source_row', 'loaded_at'
] -%}

with

landed as (

    -- rows with an unusable date or status, or without student number or school, are in
    -- audit.quarantine
    select {{ columns | join(', ') }}
    from {{ ref('stg_attendance') }}
    where
        date_issue is null
        and attendance_kind != 'unknown'
        and student_no is not null
        and school_code is not null
        and {{ landed_since_last_build('loaded_at') }}

),

conflicts as (

    select * from {{ ref('int_attendance_conflicts') }}

),

attendance as (

    select landed.*
    from landed
    left join conflicts
        on
            landed.source_file = conflicts.source_file
            and landed.source_row = conflicts.source_row
    where conflicts.source_row is null

),

new_days as (

    select distinct
        student_no,
        attendance_date
    from attendance

),

kept as (

    select previous.*
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

deliveries as (

    select
        source_file,
        delivery_seq
    from {{ ref('stg_load_files') }}
    where extract = 'attendance'

),

ranked as (

    -- only the repeated keys go through the (memory-hungry) window
    select
        candidates.*,
        row_number() over (
            partition by candidates.student_no, candidates.attendance_date
            order by deliveries.delivery_seq desc, candidates.source_row desc
        ) as delivery_rank
    from candidates
    inner join repeated
        on
            candidates.student_no = repeated.student_no
            and candidates.attendance_date = repeated.attendance_date
    left join deliveries on candidates.source_file = deliveries.source_file

)

select {{ columns | join(', ') }}
from single
union all
select {{ columns | join(', ') }}
from ranked
where delivery_rank = 1
