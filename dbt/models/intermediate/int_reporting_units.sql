-- The reporting tree the monthly and quarterly tables are laid out on. The county (内黄县教育局)
-- has each township's center school (井店镇中心校), the county-run schools (局属学校) and, should
-- anything belong to no township, a row for it; a township has the schools it runs and a row for
-- its children who belong to no school (未入学（乡镇直管）: out-of-school children). Every child or
-- case a report counts belongs to exactly one leaf (a school or a no-school row) and is counted in
-- that leaf and in each unit above it, so every row is the sum of the rows below it.
with

townships as (

    select * from {{ ref('stg_townships') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

labels as (

    select * from {{ ref('glossary') }}

),

county as (

    select
        county_codes.county_code,
        coalesce(
            {{ "'" ~ var('county_name') ~ "'" if var('county_name') else 'null' }}, county_labels.label, '本县'
        ) as county_name
    from (select min(substr(township_code, 1, 6)) as county_code from townships) as county_codes
    left join labels as county_labels
        on county_labels.domain = 'county' and county_codes.county_code = county_labels.code

),

suffixes as (

    select
        max(case when code = 'county' then label end) as county_suffix,
        max(case when code = 'township' then label end) as township_suffix,
        max(case when code = 'no_school_township' then label end) as no_school_name,
        max(case when code = 'no_school_county' then label end) as no_township_name
    from labels
    where domain = 'unit_suffix'

),

units as (

    select
        'county' as level,
        county.county_code as unit_code,
        county.county_name as unit_name,
        county.county_name || suffixes.county_suffix as report_unit_name,
        cast(null as {{ dbt.type_string() }}) as township_code,
        cast(null as {{ dbt.type_string() }}) as parent_level,
        cast(null as {{ dbt.type_string() }}) as parent_code,
        false as is_county_run,
        0 as group_order,
        county.county_code as sort_code
    from county
    cross join suffixes

    union all

    select
        'township' as level,
        townships.township_code as unit_code,
        townships.township_name as unit_name,
        townships.township_name || suffixes.township_suffix as report_unit_name,
        townships.township_code,
        'county' as parent_level,
        county.county_code as parent_code,
        false as is_county_run,
        1 as group_order,
        townships.township_code as sort_code
    from townships
    cross join county
    cross join suffixes

    union all

    select
        'no_school' as level,
        townships.township_code as unit_code,
        suffixes.no_school_name as unit_name,
        suffixes.no_school_name as report_unit_name,
        townships.township_code,
        'township' as parent_level,
        townships.township_code as parent_code,
        false as is_county_run,
        3 as group_order,
        townships.township_code as sort_code
    from townships
    cross join suffixes

    union all

    select
        'school' as level,
        schools.school_code as unit_code,
        schools.school_name as unit_name,
        schools.school_name as report_unit_name,
        schools.township_code,
        case when schools.is_county_run then 'county' else 'township' end as parent_level,
        case when schools.is_county_run then county.county_code else schools.township_code end as parent_code,
        schools.is_county_run,
        case when schools.is_county_run then 2 else 1 end as group_order,
        schools.school_code as sort_code
    from schools
    cross join county

    union all

    select
        'no_school' as level,
        county.county_code as unit_code,
        suffixes.no_township_name as unit_name,
        suffixes.no_township_name as report_unit_name,
        cast(null as {{ dbt.type_string() }}) as township_code,
        'county' as parent_level,
        county.county_code as parent_code,
        false as is_county_run,
        3 as group_order,
        county.county_code as sort_code
    from county
    cross join suffixes

)

select
    level,
    unit_code,
    unit_name,
    report_unit_name,
    township_code,
    parent_level,
    parent_code,
    is_county_run,
    -- the order of the rows under one parent: township rows or its schools, then county-run
    -- schools, then the no-school row
    cast(row_number() over (partition by parent_level, parent_code order by group_order, sort_code) as integer)
        as unit_order
from units
