{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'townships') }}

),

renamed as (

    select
        trim({{ q('乡镇代码') }}) as township_code,
        trim({{ q('乡镇名称') }}) as township_name,
        trim({{ q('城乡类型') }}) as urban_rural,
        {{ yes_no(q('是否流动人口集中')) }} as is_migrant_heavy
    from source

)

select * from renamed
