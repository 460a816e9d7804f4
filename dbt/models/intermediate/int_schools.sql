-- Schools with their township resolved by code, name or a declared former name.
with

schools as (

    select * from {{ ref('stg_schools') }}

),

township_names as (

    select * from {{ ref('int_township_names') }}

)

select
    schools.school_code,
    schools.school_name,
    schools.stage,
    schools.urban_rural,
    schools.is_county_run,
    township_names.township_code
from schools
left join township_names on schools.township_text = township_names.township_text
