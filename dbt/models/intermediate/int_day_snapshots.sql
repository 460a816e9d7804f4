-- Which student-status snapshot describes each school day: the latest snapshot of the same
-- school year on or before the day, else that year's first snapshot (a snapshot never speaks
-- for another school year; int_school_day_coverage pairs them).
with

school_days as (

    select * from {{ ref('int_school_days') }}

)

select
    attendance_date,
    school_day_number,
    snapshot_date
from school_days
where snapshot_date is not null
