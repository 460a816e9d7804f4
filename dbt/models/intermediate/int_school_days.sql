-- A school day is a date the county's school calendar marks as one (int_calendar_days) and on
-- which school was held: the day's attendance covers at least school_day_min_coverage of the
-- roster (int_school_day_coverage). Attendance on any other date (one school's holiday class, a
-- make-up Saturday of one grade) is kept but never makes a county school day: it is flagged in
-- audit.off_calendar_attendance.
with

coverage as (

    select * from {{ ref('int_school_day_coverage') }}
    where is_held

)

select
    calendar_date as attendance_date,
    row_number() over (order by calendar_date) as school_day_number,
    snapshot_date,
    students_expected,
    students_recorded,
    coverage,
    is_complete
from coverage
