{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'schools') }}

),

renamed as (

    select
        trim({{ q('学校标识码') }}) as school_code,
        trim({{ q('学校名称') }}) as school_name,
        case trim({{ q('学段') }})
            when '小学' then 'primary'
            when '初中' then 'junior'
            when '九年一贯制' then 'nine_year'
            else 'unknown'
        end as stage,
        trim({{ q('乡镇') }}) as township_text,
        trim({{ q('城乡类型') }}) as urban_rural,
        -- 局属 (run by the county bureau, reporting to it directly) or under its township's center school
        coalesce(trim({{ q('隶属关系') }}) in ('局属', '县直', '县属', '教育局'), false) as is_county_run
    from source

)

select * from renamed
