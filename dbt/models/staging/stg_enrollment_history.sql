{%- set q = adapter.quote -%}
with

source as (

    select * from {{ source('raw', 'enrollment_history') }}

),

grade_values as (

    select * from {{ ref('grade_values') }}

),

renamed as (

    select
        cast(trim(source.{{ q('学年') }}) as integer) as school_year,
        trim(source.{{ q('学校标识码') }}) as school_code,
        grade_values.grade,
        cast(trim(source.{{ q('在校生数') }}) as integer) as students
    from source
    left join grade_values on trim(source.{{ q('年级') }}) = grade_values.raw_value

)

select * from renamed
