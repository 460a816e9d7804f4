-- 重点学段风险指标: each grade 1–9 for the county and each township; grades 8–9 (var
-- risk_key_grades) are the key grades. Grade 7 rows also carry the 6→7 handover: last school
-- year's grade-6 students of the unit and how many of them are missing from grade 7.
with

children as (

    select * from {{ ref('int_risk_children') }}

),

all_keys as (

    select
        grade,
        min(raw_value) as grade_name
    from {{ ref('grade_values') }}
    where raw_value like '%年级'
    group by grade

),

keyed as (

    select * from children
    where grade is not null

),

handover as (

    select * from {{ ref('handover_6_to_7') }}

),

handover_at_levels as (

    select
        'county' as level,
        units.unit_code,
        count(*) as handover_students,
        count(case when handover.outcome = 'missing' then 1 end) as handover_missing
    from handover
    inner join {{ ref('int_reporting_units') }} as units on units.level = 'county'
    group by units.unit_code

    union all

    select
        'township' as level,
        handover.township_code as unit_code,
        count(*) as handover_students,
        count(case when handover.outcome = 'missing' then 1 end) as handover_missing
    from handover
    left join {{ ref('int_reporting_units') }} as schools
        on schools.level = 'school' and handover.school_code = schools.unit_code
    where handover.township_code is not null and not coalesce(schools.is_county_run, false)
    group by handover.township_code

),

{{ risk_indicator_ctes(['grade']) }}

select
    indicators.level,
    indicators.unit_code,
    indicators.unit_name,
    cast(indicators.grade as integer) as grade,
    indicators.grade_name,
    indicators.grade in ({{ var('risk_key_grades') | join(', ') }}) as is_key_grade,
    {{ risk_indicator_columns() }},
    case when indicators.grade = 7 then cast(coalesce(handover_at_levels.handover_students, 0) as bigint) end
        as handover_students,
    case when indicators.grade = 7 then cast(coalesce(handover_at_levels.handover_missing, 0) as bigint) end
        as handover_missing,
    case
        when indicators.grade = 7
            then {{ safe_rate('handover_at_levels.handover_missing', 'handover_at_levels.handover_students') }}
    end as handover_missing_rate
from indicators
left join handover_at_levels
    on indicators.level = handover_at_levels.level and indicators.unit_code = handover_at_levels.unit_code
