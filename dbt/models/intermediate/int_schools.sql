with

schools as (

    select * from {{ ref('stg_schools') }}

),

townships as (

    select * from {{ ref('stg_townships') }}

)

select
    schools.school_code,
    schools.school_name,
    schools.stage,
    schools.urban_rural,
    schools.is_county_run,
    townships.township_code
from schools
left join townships
    on schools.township_text = townships.township_code or schools.township_text = townships.township_name
