-- Every unit the county reports on: the county, each township, each school.
with

townships as (

    select * from {{ ref('stg_townships') }}

),

schools as (

    select * from {{ ref('int_schools') }}

)

select
    'county' as level,
    min(substr(township_code, 1, 6)) as unit_code,
    '全县' as unit_name,
    cast(null as varchar) as township_code
from townships

union all

select
    'township' as level,
    township_code as unit_code,
    township_name as unit_name,
    township_code
from townships

union all

select
    'school' as level,
    school_code as unit_code,
    school_name as unit_name,
    township_code
from schools
