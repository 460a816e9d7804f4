{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'student_status') }}

),

status_values as (

    select * from {{ ref('student_status_values') }}

),

grade_values as (

    select * from {{ ref('grade_values') }}

),

with_id_texts as (

    select
        *,
        nullif(upper(trim({{ q('全国学籍号') }})), '') as student_no_text,
        {{ clean_id_text(q('身份证件号')) }} as id_column_text,
        -- a G student number carries the ID number
        case
            when upper(trim({{ q('全国学籍号') }})) like 'G%' then {{ clean_id_text('substr(trim(' ~ q('全国学籍号') ~ '), 2)') }}
        end as g_number_text
    from source

),

id_column_checked as (

    select
        *,
        {{ id_number_issue('id_column_text') }} as id_column_issue
    from with_id_texts

),

classified as (

    -- the G number is checked only where the ID column is unusable (it is the fallback)
    select
        *,
        case
            when id_column_issue not in ('ok', 'converted_15') and g_number_text is not null
                then {{ id_number_issue('g_number_text') }}
        end as g_number_issue
    from id_column_checked

),

identified as (

    -- the ID column when it is usable, else the G number's (an ID column mangled by Excel, such
    -- as 4.10527E+17, does not hide the G number's ID)
    select
        *,
        case
            when id_column_issue in ('ok', 'converted_15')
                then {{ normalized_id_number('id_column_text', 'id_column_issue') }}
            when g_number_issue in ('ok', 'converted_15')
                then {{ normalized_id_number('g_number_text', 'g_number_issue') }}
        end as id_number,
        case
            when id_column_issue in ('ok', 'converted_15') then 'id_column'
            when g_number_issue in ('ok', 'converted_15') then 'g_number'
        end as id_source
    from classified

),

renamed as (

    select
        identified._source_file as source_file,
        identified._row_number as source_row,
        identified._snapshot_date as snapshot_date,
        identified.student_no_text as student_no,
        nullif(identified.{{ q('姓名') }}, '') as student_name,
        {{ parse_gender('identified.' ~ q('性别')) }} as gender,
        {{ parse_date('identified.' ~ q('出生日期')) }} as birth_date_reported,
        nullif(identified.{{ q('身份证件号') }}, '') as id_number_raw,
        identified.id_number,
        identified.id_column_issue as id_number_issue,
        identified.g_number_issue,
        identified.id_source,
        nullif(trim(identified.{{ q('学校标识码') }}), '') as school_code,
        nullif(identified.{{ q('学校名称') }}, '') as school_name,
        grade_values.grade,
        identified.{{ q('年级') }} as grade_raw,
        nullif(identified.{{ q('班级') }}, '') as class_name,
        coalesce(status_values.status, 'unknown') as status,
        identified.{{ q('学籍状态') }} as status_raw,
        nullif(trim(identified.{{ q('户口所在地行政区划') }}), '') as hukou_area_code,
        coalesce(trim(identified.{{ q('是否留守儿童') }}) in ('是', '单亲外出', '双亲外出'), false) as is_left_behind,
        nullif(nullif(trim(identified.{{ q('是否留守儿童') }}), '否'), '') as left_behind_type,
        {{ yes_no('identified.' ~ q('是否进城务工人员随迁子女')) }} as is_migrant_reported,
        nullif(nullif(trim(identified.{{ q('残疾类型') }}), '无'), '') as disability_type,
        nullif(nullif(trim(identified.{{ q('随班就读') }}), '否'), '') as inclusive_placement,
        {{ yes_no('identified.' ~ q('是否孤儿')) }} as is_orphan,
        nullif(trim(identified.{{ q('特殊群体') }}), '') as special_groups
    from identified
    left join status_values on trim(identified.{{ q('学籍状态') }}) = status_values.raw_value
    left join grade_values on trim(identified.{{ q('年级') }}) = grade_values.raw_value

)

select * from renamed
