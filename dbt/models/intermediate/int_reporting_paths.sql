-- Every leaf of the reporting tree (a school or a no-school row) with itself and each unit above
-- it: what a row counted in that leaf is also counted in.
with

units as (

    select * from {{ ref('int_reporting_units') }}

),

leaves as (

    select
        level as leaf_level,
        unit_code as leaf_code,
        parent_level,
        parent_code
    from units
    where level in ('school', 'no_school')

),

county as (

    select unit_code from units
    where level = 'county'

)

select
    leaf_level,
    leaf_code,
    leaf_level as level,
    leaf_code as unit_code
from leaves

union all

select
    leaf_level,
    leaf_code,
    parent_level as level,
    parent_code as unit_code
from leaves

union all

select
    leaves.leaf_level,
    leaves.leaf_code,
    'county' as level,
    county.unit_code
from leaves
cross join county
where leaves.parent_level = 'township'
