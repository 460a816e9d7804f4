-- Every row kept out of the comparisons (or, for unknown school codes and unusable ID-number
-- cells of records identified otherwise, flagged), with where it came from and why: rows the
-- loader could not parse, ID numbers that could not be normalised, unusable dates, grades and
-- statuses, missing student numbers and school codes, school codes missing from the reference,
-- townships the county's lists do not know, an ID number or student number given twice, one
-- student-day given two statuses in one file, unusable school-calendar rows. Where a row is
-- kept out because of another row, related_row names that row (and related_value its value).
with

load_quarantine as (

    select * from {{ source('raw', 'load_quarantine') }}

),

file_columns as (

    select * from {{ source('raw', 'load_file_columns') }}

),

{#- extract, model, canonical header, raw value, condition, reason[, related row, related value] -#}
{%- set unknown_school = "school_code not in (select school_code from " ~ ref('stg_schools') ~ ")" -%}
{%- set school_reason = "case when school_code is null then 'missing_school_code' else 'unknown_school_code' end" -%}
{%- set checks = [
    ('household', 'stg_household', '公民身份号码', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15')", 'id_number_issue'),
    ('household', 'int_household_rows', '户籍地乡镇', 'township_text',
        "kept_out_reason = 'unknown_township'", "'unknown_township'"),
    ('household', 'int_household_rows', '公民身份号码', 'id_number',
        "kept_out_reason = 'duplicate_id_number'", "'duplicate_id_number'", 'duplicate_of_row'),
    ('poverty', 'stg_poverty', '证件号码', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15')", 'id_number_issue'),
    ('student_status', 'stg_student_status', '身份证件号', 'id_number_raw',
        "id_number_issue not in ('ok', 'converted_15', 'missing')", 'id_number_issue'),
    ('student_status', 'stg_student_status', '全国学籍号', 'student_no',
        "student_no is null or (id_number_issue = 'missing' and g_number_issue not in ('ok', 'converted_15'))",
        "case when student_no is null then 'missing_student_no' else g_number_issue end"),
    ('student_status', 'stg_student_status', '年级', 'grade_raw', "grade is null", "'unknown_grade'"),
    ('student_status', 'stg_student_status', '学籍状态', 'status_raw', "status = 'unknown'", "'unknown_status'"),
    ('student_status', 'stg_student_status', '学校标识码', 'school_code', "school_code is null or " ~ unknown_school,
        school_reason),
    ('student_status', 'int_student_records', '全国学籍号', 'student_no',
        "kept_out_reason = 'duplicate_student_no'", "'duplicate_student_no'", 'duplicate_of_row'),
    ('attendance', 'stg_attendance', '考勤日期', 'attendance_date_raw', "date_issue is not null", 'date_issue'),
    ('attendance', 'stg_attendance', '考勤状态', 'attendance_raw',
        "attendance_kind = 'unknown'", "'unknown_attendance_status'"),
    ('attendance', 'stg_attendance', '全国学籍号', 'student_no', "student_no is null", "'missing_student_no'"),
    ('attendance', 'stg_attendance', '学校标识码', 'school_code', "school_code is null or " ~ unknown_school,
        school_reason),
    ('attendance', 'int_attendance_conflicts', '考勤状态', 'attendance_raw', "true",
        "'conflicting_status_in_file'", 'related_row', 'related_value'),
    ('calendar', 'stg_calendar', '开始日期', 'start_date_raw', "row_issue = 'bad_start_date'", "'bad_date'"),
    ('calendar', 'stg_calendar', '结束日期', 'end_date_raw', "row_issue = 'bad_end_date'", "'bad_date'"),
    ('calendar', 'stg_calendar', '结束日期', 'end_date_raw', "row_issue = 'end_before_start'", "'end_before_start'"),
    ('calendar', 'stg_calendar', '类型', 'day_kind_raw',
        "row_issue = 'unknown_calendar_kind'", "'unknown_calendar_kind'"),
] %}

row_problems as (

    {% for check in checks %}
        select
            '{{ check[0] }}' as extract,
            source_file,
            source_row,
            '{{ check[2] }}' as canonical_header,
            cast({{ check[3] }} as {{ dbt.type_string() }}) as value,
            {{ check[5] }} as reason,
            cast({{ check[6] if check | length > 6 else 'null' }} as bigint) as related_row,
            cast({{ check[7] if check | length > 7 else 'null' }} as {{ dbt.type_string() }}) as related_value
        from {{ ref(check[1]) }}
        where {{ check[4] }}
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
        reason,
        cast(null as bigint) as related_row,
        cast(null as {{ dbt.type_string() }}) as related_value
    from {{ ref('int_case_action_issues') }}

),

problem_rows as (

    select
        row_problems.extract,
        row_problems.source_file,
        row_problems.source_row,
        coalesce(file_columns.source_header, row_problems.canonical_header) as column_name,
        row_problems.value,
        row_problems.reason,
        row_problems.related_row,
        row_problems.related_value
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
    reason,
    cast(null as bigint) as related_row,
    cast(null as {{ dbt.type_string() }}) as related_value
from load_quarantine
union all
select
    extract,
    source_file,
    cast(source_row as bigint) as source_row,
    column_name,
    value,
    reason,
    related_row,
    related_value
from problem_rows
