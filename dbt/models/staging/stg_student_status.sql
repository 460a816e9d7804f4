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

cleaned as (

    select
        *,
        upper(trim("全国学籍号")) as student_no_text,
        -- a G student number carries the ID number
        {{ clean_id_text(
            "coalesce(nullif(\"身份证件号\", ''),"
            ~ " case when upper(trim(\"全国学籍号\")) like 'G%' then substr(trim(\"全国学籍号\"), 2) end)"
        ) }} as id_text,
        case
            when nullif("身份证件号", '') is not null then 'id_column'
            when upper(trim("全国学籍号")) like 'G%' then 'g_number'
        end as id_source
    from source

),

classified as (

    select
        *,
        {{ id_number_issue('id_text') }} as id_number_issue
    from cleaned

),

renamed as (

    select
        classified._source_file as source_file,
        classified._row_number as source_row,
        classified._snapshot_date as snapshot_date,
        classified.student_no_text as student_no,
        nullif(classified."姓名", '') as student_name,
        {{ parse_gender('classified."性别"') }} as gender,
        {{ parse_date('classified."出生日期"') }} as birth_date_reported,
        nullif(classified."身份证件号", '') as id_number_raw,
        {{ normalized_id_number('classified.id_text', 'classified.id_number_issue') }} as id_number,
        classified.id_number_issue,
        classified.id_source,
        trim(classified."学校标识码") as school_code,
        nullif(classified."学校名称", '') as school_name,
        grade_values.grade,
        classified."年级" as grade_raw,
        nullif(classified."班级", '') as class_name,
        coalesce(status_values.status, 'unknown') as status,
        classified."学籍状态" as status_raw,
        nullif(trim(classified."户口所在地行政区划"), '') as hukou_area_code,
        coalesce(trim(classified."是否留守儿童") in ('是', '单亲外出', '双亲外出'), false) as is_left_behind,
        nullif(nullif(trim(classified."是否留守儿童"), '否'), '') as left_behind_type,
        {{ yes_no('classified."是否进城务工人员随迁子女"') }} as is_migrant_reported,
        nullif(nullif(trim(classified."残疾类型"), '无'), '') as disability_type,
        nullif(nullif(trim(classified."随班就读"), '否'), '') as inclusive_placement,
        {{ yes_no('classified."是否孤儿"') }} as is_orphan,
        nullif(trim(classified."特殊群体"), '') as special_groups
    from classified
    left join status_values on trim(classified."学籍状态") = status_values.raw_value
    left join grade_values on trim(classified."年级") = grade_values.raw_value

)

select * from renamed
