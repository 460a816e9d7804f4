with

source as (

    select * from {{ source('raw', 'attendance') }}

),

attendance_values as (

    select * from {{ ref('attendance_values') }}

),

renamed as (

    select
        source._source_file as source_file,
        source._row_number as source_row,
        source._loaded_at as loaded_at,
        {{ parse_date('source."考勤日期"') }} as attendance_date,
        trim(source."学校标识码") as school_code,
        upper(trim(source."全国学籍号")) as student_no,
        coalesce(attendance_values.attendance_code, 'unknown') as attendance_code,
        coalesce(attendance_values.attendance_kind, 'unknown') as attendance_kind,
        source."考勤状态" as attendance_raw,
        nullif(source."缺勤原因", '') as absence_reason
    from source
    left join attendance_values on trim(source."考勤状态") = attendance_values.raw_value

)

select * from renamed
