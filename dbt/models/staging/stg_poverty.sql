with

source as (

    select * from {{ source('raw', 'poverty') }}

),

identified as (

    {{ select_with_id_number('source', '"证件号码"') }}

),

renamed as (

    select
        _source_file as source_file,
        _row_number as source_row,
        _snapshot_date as snapshot_date,
        nullif("户编号", '') as household_no,
        nullif("姓名", '') as person_name,
        nullif("证件号码", '') as id_number_raw,
        id_number,
        id_number_issue,
        nullif("与户主关系", '') as relation_to_head,
        nullif("乡(镇)", '') as township_text,
        nullif("行政村", '') as village,
        case trim("户类型")
            when '脱贫户' then 'alleviated'
            when '监测户' then 'monitored'
            when '一般农户' then 'ordinary'
            else 'unknown'
        end as household_type,
        nullif(trim("监测对象类型"), '') as monitor_type,
        {{ yes_no('"风险是否消除"') }} as is_risk_cleared
    from identified

)

select * from renamed
