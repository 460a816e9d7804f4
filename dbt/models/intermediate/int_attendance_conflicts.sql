-- Conflicting statuses for one student-day inside one file: rows of the same file for the same
-- student and date with different attendance codes. Neither is more credible than the other, so
-- none of them is used (int_attendance_daily, by the same macro, keeps the day's record from
-- another delivery, if any); each is listed in audit.quarantine with the other row and its value.
-- Incremental: a run looks at the files that no published run has accepted yet (the others were
-- looked at the night they arrived). A replaced or removed file makes the orchestrator rebuild
-- in full (dagster_project/assets/dbt.py). On Spark's Parquet tables: rebuilt whole every run
-- (macro keyed_incremental).
{{ config(
    unique_key='source_file',
    on_schema_change='fail',
    **keyed_incremental()
) }}

with

pending_files as (

    select source_file from {{ ref('stg_load_files') }}
    where
        extract = 'attendance'
        {% if is_incremental() -%} and not is_accepted {%- endif %}

),

attendance as (

    -- the rows int_attendance_daily would use (the others are in audit.quarantine already)
    select
        stg.source_file,
        stg.source_row,
        stg.student_no,
        stg.attendance_date,
        stg.attendance_code,
        stg.attendance_raw
    from {{ ref('stg_attendance') }} as stg
    inner join pending_files on stg.source_file = pending_files.source_file
    where
        stg.date_issue is null
        and stg.attendance_kind != 'unknown'
        and stg.student_no is not null
        and stg.school_code is not null

),

conflicting_keys as (

    {{ conflicting_student_days('attendance') }}

),

conflicting_rows as (

    select attendance.*
    from attendance
    inner join conflicting_keys
        on
            attendance.source_file = conflicting_keys.source_file
            and attendance.student_no = conflicting_keys.student_no
            and attendance.attendance_date = conflicting_keys.attendance_date

),

paired as (

    -- each row with the first row of its student-day that holds another status
    select
        this_row.source_file,
        this_row.source_row,
        this_row.student_no,
        this_row.attendance_date,
        this_row.attendance_raw,
        other_row.source_row as related_row,
        other_row.attendance_raw as related_value,
        row_number() over (
            partition by this_row.source_file, this_row.source_row order by other_row.source_row
        ) as pair_rank
    from conflicting_rows as this_row
    inner join conflicting_rows as other_row
        on
            this_row.source_file = other_row.source_file
            and this_row.student_no = other_row.student_no
            and this_row.attendance_date = other_row.attendance_date
            and this_row.attendance_code != other_row.attendance_code

)

select
    source_file,
    source_row,
    student_no,
    attendance_date,
    attendance_raw,
    related_row,
    related_value
from paired
where pair_rank = 1
