-- 户籍 vs 学籍: age-eligible registered children with no 在读/休学 status in the latest snapshot.
with

eligible as (

    select * from {{ ref('int_eligible_residents') }}

),

last_status as (

    select * from {{ ref('int_student_last_status') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

classified as (

    select
        eligible.*,
        last_status.status as last_status,
        last_status.snapshot_date as last_status_date,
        case
            when last_status.id_number is null then 'never_enrolled'
            when last_status.status = 'transferred_out' then 'transferred_out'
            else 'left_status'
        end as category
    from eligible
    left join last_status on eligible.id_number = last_status.id_number
    where
        last_status.id_number is null
        or not (
            (last_status.is_latest_snapshot and {{ is_on_roll('last_status.status') }})
            or (last_status.status = 'graduated' and last_status.grade = 9)
            or last_status.status = 'deceased'
        )

)

select
    classified.id_number,
    classified.person_name,
    classified.household_no,
    classified.township_code,
    classified.village,
    classified.age,
    classified.category,
    classified.last_status,
    classified.last_status_date,
    poverty.id_number is not null as is_poverty_household,
    poverty.poverty_type,
    classified.as_of_date
from classified
left join poverty on classified.id_number = poverty.id_number
