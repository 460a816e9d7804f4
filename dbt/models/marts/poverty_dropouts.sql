-- dropouts vs 脱贫户: every out-of-school child and every serious dropout-watch student who
-- belongs to a 脱贫户 or 监测户 household (the top priority).
with

out_of_school as (

    select * from {{ ref('out_of_school') }}
    where is_poverty_household

),

dropout_watch as (

    select * from {{ ref('dropout_watch') }}
    where is_poverty_household and stage in ('not_on_roster', 'suspected_dropout', 'dropout')

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

cases as (

    select
        id_number,
        'out_of_school' as source,
        category as detail,
        township_code,
        cast(null as {{ dbt.type_string() }}) as school_code,
        as_of_date
    from out_of_school

    union all

    select
        id_number,
        'dropout_watch' as source,
        stage as detail,
        township_code,
        school_code,
        as_of_date
    from dropout_watch

)

select
    cases.id_number,
    cases.source,
    cases.detail,
    poverty.poverty_type,
    poverty.household_no,
    poverty.household_type,
    poverty.is_risk_cleared,
    cases.township_code,
    cases.school_code,
    cases.as_of_date
from cases
inner join poverty on cases.id_number = poverty.id_number
