-- Key counts as of the as-of date for the county and each township (the dashboard's front page).
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

townships as (

    select * from {{ ref('stg_townships') }}

),

latest_status as (

    select * from {{ ref('int_student_status') }}
    where is_latest_snapshot

),

present_today as (

    select daily.student_no
    from {{ ref('int_attendance_daily') }} as daily
    inner join as_of on daily.attendance_date = as_of.as_of_date
    where daily.attendance_kind = 'present'

),

out_of_school as (

    select * from {{ ref('out_of_school') }}

),

dropout_watch as (

    select * from {{ ref('dropout_watch') }}

),

students as (

    select
        latest_status.township_code,
        count(case when latest_status.status in ('enrolled', 'suspended') then 1 end) as students_with_status,
        count(case when latest_status.status = 'enrolled' then 1 end) as students_enrolled,
        count(case when latest_status.status = 'enrolled' and present_today.student_no is not null then 1 end)
            as students_in_school
    from latest_status
    left join present_today on latest_status.student_no = present_today.student_no
    group by latest_status.township_code

),

oos as (

    select
        township_code,
        count(*) as out_of_school,
        count(case when is_poverty_household then 1 end) as poverty_out_of_school
    from out_of_school
    group by township_code

),

watch as (

    select
        township_code,
        count(case when stage in ('suspected_dropout', 'dropout') then 1 end) as suspected_dropouts,
        count(case when stage = 'not_on_roster' then 1 end) as not_on_roster,
        count(case when is_poverty_household and stage in ('not_on_roster', 'suspected_dropout', 'dropout') then 1 end)
            as poverty_dropouts
    from dropout_watch
    group by township_code

),

by_township as (

    select
        'township' as level,
        townships.township_code as unit_code,
        townships.township_name as unit_name,
        coalesce(students.students_with_status, 0) as students_with_status,
        coalesce(students.students_enrolled, 0) as students_enrolled,
        coalesce(students.students_in_school, 0) as students_in_school,
        coalesce(oos.out_of_school, 0) as out_of_school,
        coalesce(watch.suspected_dropouts, 0) as suspected_dropouts,
        coalesce(watch.not_on_roster, 0) as not_on_roster,
        coalesce(oos.poverty_out_of_school, 0) + coalesce(watch.poverty_dropouts, 0) as poverty_cases
    from townships
    left join students on townships.township_code = students.township_code
    left join oos on townships.township_code = oos.township_code
    left join watch on townships.township_code = watch.township_code

),

county as (

    select
        'county' as level,
        substr(min(unit_code), 1, 6) as unit_code,
        '全县' as unit_name,
        sum(students_with_status) as students_with_status,
        sum(students_enrolled) as students_enrolled,
        sum(students_in_school) as students_in_school,
        sum(out_of_school) as out_of_school,
        sum(suspected_dropouts) as suspected_dropouts,
        sum(not_on_roster) as not_on_roster,
        sum(poverty_cases) as poverty_cases
    from by_township

),

unioned as (

    select * from county
    union all
    select * from by_township

)

select
    unioned.level,
    unioned.unit_code,
    unioned.unit_name,
    cast(unioned.students_with_status as bigint) as students_with_status,
    cast(unioned.students_enrolled as bigint) as students_enrolled,
    cast(unioned.students_in_school as bigint) as students_in_school,
    cast(unioned.out_of_school as bigint) as out_of_school,
    cast(unioned.suspected_dropouts as bigint) as suspected_dropouts,
    cast(unioned.not_on_roster as bigint) as not_on_roster,
    cast(unioned.poverty_cases as bigint) as poverty_cases,
    as_of.as_of_date
from unioned
cross join as_of
