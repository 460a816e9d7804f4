-- 入学率: age-eligible registered children with a 在读 status ÷ age-eligible registered children.
with

ledger as (

    select * from {{ ref('ledger_age_eligible') }}
    where in_household_registry

),

townships as (

    select * from {{ ref('stg_townships') }}

),

by_township as (

    select
        'township' as level,
        ledger.township_code as unit_code,
        count(case when ledger.has_student_status and ledger.status = 'enrolled' then 1 end) as numerator,
        count(*) as denominator,
        max(ledger.as_of_date) as as_of_date
    from ledger
    group by ledger.township_code

),

by_county as (

    select
        'county' as level,
        substr(min(unit_code), 1, 6) as unit_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        max(as_of_date) as as_of_date
    from by_township

),

unioned as (

    select * from by_county
    union all
    select * from by_township

)

select
    unioned.as_of_date,
    unioned.level,
    unioned.unit_code,
    coalesce(townships.township_name, '全县') as unit_name,
    cast(unioned.numerator as bigint) as numerator,
    cast(unioned.denominator as bigint) as denominator,
    cast(unioned.numerator as double) / nullif(unioned.denominator, 0) as rate,
    unioned.denominator < {{ var('small_denominator') }} as is_small_denominator
from unioned
left join townships on unioned.unit_code = townships.township_code
