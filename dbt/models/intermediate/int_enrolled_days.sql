-- The roster grid: one row per school day on which a student is 在读 (per the snapshot that
-- describes that day), up to the as-of date, with the day's attendance record if any.
with

day_snapshots as (

    select * from {{ ref('int_day_snapshots') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

status as (

    select * from {{ ref('int_student_status') }}
    where status = 'enrolled'

),

daily as (

    select * from {{ ref('int_attendance_daily') }}

)

select
    status.student_no,
    day_snapshots.attendance_date,
    day_snapshots.school_day_number,
    daily.attendance_kind
from day_snapshots
cross join as_of
inner join status on day_snapshots.snapshot_date = status.snapshot_date
left join daily
    on
        status.student_no = daily.student_no
        and day_snapshots.attendance_date = daily.attendance_date
where day_snapshots.attendance_date <= as_of.as_of_date
