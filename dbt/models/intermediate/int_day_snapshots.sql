-- Which student-status snapshot describes each school day: the latest snapshot of the same
-- school year on or before the day, else that year's first snapshot (a snapshot never speaks
-- for another school year).
with

school_days as (

    select * from {{ ref('int_school_days') }}

),

snapshots as (

    select distinct snapshot_date from {{ ref('stg_student_status') }}

),

paired as (

    select
        school_days.attendance_date,
        school_days.school_day_number,
        max(case when snapshots.snapshot_date <= school_days.attendance_date then snapshots.snapshot_date end)
            as latest_before,
        min(snapshots.snapshot_date) as first_of_year
    from school_days
    inner join snapshots
        on {{ school_year_of('school_days.attendance_date') }} = {{ school_year_of('snapshots.snapshot_date') }}
    group by school_days.attendance_date, school_days.school_day_number

)

select
    attendance_date,
    school_day_number,
    coalesce(latest_before, first_of_year) as snapshot_date
from paired
