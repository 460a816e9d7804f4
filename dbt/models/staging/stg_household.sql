{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'household') }}

),

identified as (

    {{ select_with_id_number('source', q('公民身份号码')) }}

),

renamed as (

    select
        _source_file as source_file,
        _row_number as source_row,
        _snapshot_date as snapshot_date,
        nullif({{ q('户号') }}, '') as household_no,
        nullif({{ q('姓名') }}, '') as person_name,
        {{ parse_gender(q('性别')) }} as gender,
        nullif({{ q('公民身份号码') }}, '') as id_number_raw,
        id_number,
        id_number_issue,
        {{ parse_date(q('出生日期')) }} as birth_date_reported,
        nullif({{ q('与户主关系') }}, '') as relation_to_head,
        nullif({{ q('户籍地乡镇') }}, '') as township_text,
        nullif({{ q('户籍地村居') }}, '') as village,
        case coalesce(nullif({{ q('人员状态') }}, ''), '正常')
            when '正常' then 'normal'
            when '死亡' then 'deceased'
            when '迁出' then 'moved_out'
            else 'unknown'
        end as person_status
    from identified

)

select * from renamed
