{%- set q = adapter.quote -%}
-- The county's school calendar (reference/校历*.csv): terms, holidays and make-up school days,
-- one row per line of the files. A row without an end date covers its start date alone.
with

source as (

    select * from {{ source('raw', 'calendar') }}

),

calendar_values as (

    select * from {{ ref('calendar_values') }}

),

parsed as (

    select
        source.*,
        nullif(trim(source.{{ q('开始日期') }}), '') as start_date_text,
        nullif(trim(source.{{ q('结束日期') }}), '') as end_date_text
    from source

),

dated as (

    select
        parsed.*,
        {{ parse_date('parsed.start_date_text') }} as start_date_parsed,
        {{ parse_date('parsed.end_date_text') }} as end_date_parsed
    from parsed

),

renamed as (

    select
        dated._source_file as source_file,
        dated._row_number as source_row,
        dated._delivery_seq as delivery_seq,
        coalesce(calendar_values.day_kind, 'unknown') as day_kind,
        dated.{{ q('类型') }} as day_kind_raw,
        dated.start_date_parsed as start_date,
        coalesce(dated.end_date_parsed, dated.start_date_parsed) as end_date,
        dated.start_date_text as start_date_raw,
        dated.end_date_text as end_date_raw,
        nullif(trim(dated.{{ q('名称') }}), '') as calendar_name,
        case
            when dated.start_date_parsed is null then 'bad_start_date'
            when dated.end_date_text is not null and dated.end_date_parsed is null then 'bad_end_date'
            when dated.end_date_parsed < dated.start_date_parsed then 'end_before_start'
            when calendar_values.day_kind is null then 'unknown_calendar_kind'
        end as row_issue
    from dated
    left join calendar_values on trim(dated.{{ q('类型') }}) = calendar_values.raw_value

)

select * from renamed
