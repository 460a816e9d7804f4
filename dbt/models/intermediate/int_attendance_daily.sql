-- One record per student and school day: a later delivery (file name sorting later, e.g.
-- 考勤_202510_重报.csv after 考勤_202510.csv) corrects an earlier one.
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

attendance as (

    -- rows with an unusable date or status are in audit.quarantine
    select {{ columns | join(', ') }}
    from {{ ref('stg_attendance') }}
    where
        date_issue is null
        and attendance_kind != 'unknown'
        and {{ landed_since_last_build('loaded_at') }}

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

ranked as (

    -- only the repeated keys go through the (memory-hungry) window
    select
        candidates.*,
        row_number() over (
            partition by candidates.student_no, candidates.attendance_date
            order by candidates.source_file desc, candidates.source_row desc
        ) as delivery_rank
    from candidates
    inner join repeated
        on
            candidates.student_no = repeated.student_no
            and candidates.attendance_date = repeated.attendance_date

)

select {{ columns | join(', ') }}
from single
union all
select {{ columns | join(', ') }}
from ranked
where delivery_rank = 1
