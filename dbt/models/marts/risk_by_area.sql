-- 重点地区风险指标: children by the 城乡类型 of their school (out-of-school children: of their
-- township) — rural 乡村, town 镇区, urban 城区 — and those in migrant-heavy townships
-- (流动人口集中乡镇), for the county and each township (a township's rows split its own
-- children the same way).
with

children as (

    select * from {{ ref('int_risk_children') }}

),

all_keys as (

    select
        code as area_code,
        label as area_name,
        sort_order
    from {{ ref('glossary') }}
    where domain = 'area'

),

keyed as (

    select
        township_code,
        is_county_run_school,
        is_student,
        is_case,
        enrolled_days,
        absent_days,
        area_code
    from children
    where area_code is not null

    union all

    select
        township_code,
        is_county_run_school,
        is_student,
        is_case,
        enrolled_days,
        absent_days,
        'migrant_heavy' as area_code
    from children
    where is_migrant_heavy_township

),

{{ risk_indicator_ctes(['area_code']) }}

select
    indicators.level,
    indicators.unit_code,
    indicators.unit_name,
    indicators.area_code,
    indicators.area_name,
    cast(indicators.sort_order as integer) as sort_order,
    {{ risk_indicator_columns() }}
from indicators
