{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'attendance') }}

),

attendance_values as (

    select * from {{ ref('attendance_values') }}

),

parsed as (

    select
        source.*,
        {{ parse_date('source.' ~ q('考勤日期')) }} as attendance_date
    from source

),

renamed as (

    select
        parsed._source_file as source_file,
        parsed._row_number as source_row,
        parsed._loaded_at as loaded_at,
        parsed._delivery_seq as delivery_seq,
        parsed.attendance_date,
        parsed.{{ q('考勤日期') }} as attendance_date_raw,
        case
            when parsed.attendance_date is null then 'bad_date'
            when parsed.attendance_date > {{ run_date() }} then 'future_date'
            when parsed.attendance_date < cast('2000-01-01' as date) then 'date_out_of_range'
        end as date_issue,
        nullif(trim(parsed.{{ q('学校标识码') }}), '') as school_code,
        nullif(upper(trim(parsed.{{ q('全国学籍号') }})), '') as student_no,
        coalesce(attendance_values.attendance_code, 'unknown') as attendance_code,
        coalesce(attendance_values.attendance_kind, 'unknown') as attendance_kind,
        parsed.{{ q('考勤状态') }} as attendance_raw,
        nullif(parsed.{{ q('缺勤原因') }}, '') as absence_reason
    from parsed
    left join attendance_values on trim(parsed.{{ q('考勤状态') }}) = attendance_values.raw_value

)

select * from renamed
