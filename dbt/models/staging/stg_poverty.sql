{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'poverty') }}

),

identified as (

    {{ select_with_id_number('source', q('证件号码')) }}

),

renamed as (

    select
        _source_file as source_file,
        _row_number as source_row,
        _snapshot_date as snapshot_date,
        nullif({{ q('户编号') }}, '') as household_no,
        nullif({{ q('姓名') }}, '') as person_name,
        nullif({{ q('证件号码') }}, '') as id_number_raw,
        id_number,
        id_number_issue,
        nullif({{ q('与户主关系') }}, '') as relation_to_head,
        nullif({{ q('乡(镇)') }}, '') as township_text,
        nullif({{ q('行政村') }}, '') as village,
        case trim({{ q('户类型') }})
            when '脱贫户' then 'alleviated'
            when '监测户' then 'monitored'
            when '一般农户' then 'ordinary'
            else 'unknown'
        end as household_type,
        nullif(trim({{ q('监测对象类型') }}), '') as monitor_type,
        {{ yes_no(q('风险是否消除')) }} as is_risk_cleared
    from identified

)

select * from renamed
