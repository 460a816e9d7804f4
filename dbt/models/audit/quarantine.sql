-- Every row kept out of the comparisons (or, for unknown school codes, flagged), with where it
-- came from and why: rows the loader could not parse, ID numbers that could not be
-- normalised, unusable dates, grades and statuses, school codes missing from the reference.
with

load_quarantine as (

    select * from {{ source('raw', 'load_quarantine') }}

),

file_columns as (

    select * from {{ source('raw', 'load_file_columns') }}

),

{#- (extract, model, canonical header, raw value, condition, reason) -#}
{%- set schools = "(select school_code from " ~ ref('stg_schools') ~ ")" -%}
{%- set checks = [
    ('household', 'stg_household', '公民身份号码', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15')", 'id_number_issue'),
    ('poverty', 'stg_poverty', '证件号码', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15')", 'id_number_issue'),
    ('student_status', 'stg_student_status', '身份证件号', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15', 'missing')", 'id_number_issue'),
    ('student_status', 'stg_student_status', '年级', 'grade_raw', "grade is null", "'unknown_grade'"),
    ('student_status', 'stg_student_status', '学籍状态', 'status_raw', "status = 'unknown'", "'unknown_status'"),
    ('student_status', 'stg_student_status', '学校标识码', 'school_code',
        "school_code not in " ~ schools, "'unknown_school_code'"),
    ('attendance', 'stg_attendance', '考勤日期', 'attendance_date_raw', "date_issue is not null", 'date_issue'),
    ('attendance', 'stg_attendance', '考勤状态', 'attendance_raw',
        "attendance_kind = 'unknown'", "'unknown_attendance_status'"),
    ('attendance', 'stg_attendance', '学校标识码', 'school_code',
        "school_code not in " ~ schools, "'unknown_school_code'"),
] %}

row_problems as (

    {% for extract, model, header, value, condition, reason in checks %}
        select
            '{{ extract }}' as extract,
            source_file,
            source_row,
            '{{ header }}' as canonical_header,
            {{ value }} as value,
            {{ reason }} as reason
        from {{ ref(model) }}
        where {{ condition }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
    union all
    -- case-work rows (workbooks and dashboard entries) that cannot count
    select
        extract,
        source_file,
        source_row,
        canonical_header,
        value,
        reason
    from {{ ref('int_case_action_issues') }}

),

problem_rows as (

    select
        row_problems.extract,
        row_problems.source_file,
        row_problems.source_row,
        coalesce(file_columns.source_header, row_problems.canonical_header) as column_name,
        row_problems.value,
        row_problems.reason
    from row_problems
    left join file_columns
        on
            row_problems.source_file = file_columns.source_file
            and row_problems.canonical_header = file_columns.canonical_header

)

select
    extract,
    source_file,
    cast(row_number as bigint) as source_row,
    column_name,
    value,
    reason
from load_quarantine
union all
select
    extract,
    source_file,
    cast(source_row as bigint) as source_row,
    column_name,
    value,
    reason
from problem_rows
