-- 适龄儿童台账: every compulsory-age child the county is responsible for: registered in the
-- county (household register), or holding a 在读/休学 status at a county school (incl.
-- migrant children registered elsewhere). Children who finished grade 9 are not listed.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

residents as (

    select * from {{ ref('int_eligible_residents') }}

),

last_status as (

    select * from {{ ref('int_student_last_status') }}

),

county as (

    select min(substr(township_code, 1, 6)) as county_code from {{ ref('stg_townships') }}

),

status_holders as (

    select
        status.*,
        cast({{ age_on(
            "coalesce(" ~ parse_date('substr(status.id_number, 7, 8)') ~ ", status.birth_date_reported)",
            'as_of.age_cutoff_date'
        ) }} as integer) as age
    from {{ ref('int_student_status') }} as status
    cross join as_of
    where status.is_latest_snapshot and {{ is_on_roll('status.status') }}

),

eligible_holders as (

    select * from status_holders
    where age between {{ var('compulsory_min_age') }} and {{ var('compulsory_max_age') }} - 1

),

registered as (

    select
        residents.id_number,
        eligible_holders.student_no,
        residents.person_name,
        residents.age,
        true as in_household_registry,
        eligible_holders.student_no is not null as has_student_status,
        coalesce(eligible_holders.status, last_status.status) as status,
        false as is_migrant,
        residents.township_code,
        eligible_holders.school_code
    from residents
    left join eligible_holders on residents.id_number = eligible_holders.id_number
    left join last_status on residents.id_number = last_status.id_number
    -- a child who finished grade 9 has completed compulsory education; the registry may record
    -- a death before the household register does
    where not coalesce(
        (last_status.status = 'graduated' and last_status.grade = 9) or last_status.status = 'deceased', false
    )

),

from_status_only as (

    select
        eligible_holders.id_number,
        eligible_holders.student_no,
        eligible_holders.student_name as person_name,
        eligible_holders.age,
        false as in_household_registry,
        true as has_student_status,
        eligible_holders.status,
        coalesce(substr(eligible_holders.hukou_area_code, 1, 6) != county.county_code, true) as is_migrant,
        eligible_holders.township_code,
        eligible_holders.school_code
    from eligible_holders
    cross join county
    where
        eligible_holders.id_number is null
        or eligible_holders.id_number not in (select residents.id_number from residents)

),

unioned as (

    select * from registered
    union all
    select * from from_status_only

)

select
    coalesce(unioned.id_number, unioned.student_no) as child_key,
    unioned.id_number,
    unioned.student_no,
    unioned.person_name,
    unioned.age,
    unioned.in_household_registry,
    unioned.has_student_status,
    unioned.status,
    unioned.is_migrant,
    unioned.township_code,
    unioned.school_code,
    as_of.as_of_date
from unioned
cross join as_of
