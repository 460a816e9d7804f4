-- Attendance on dates that are not county school days, per school and date: kept in
-- int_attendance_daily, never counted as a school day (streaks, roster, reports). Why the date is
-- not a school day: the calendar says weekend, public holiday, county holiday (校历放假) or
-- outside the terms; or the calendar has school but too few students came for the day to count
-- (not_held: below school_day_min_coverage, e.g. one grade's make-up class on a 调休 Saturday).
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

school_days as (

    select * from {{ ref('int_school_days') }}

),

coverage as (

    select * from {{ ref('int_school_day_coverage') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

status as (

    select * from {{ ref('int_student_status') }}

),

off_days as (

    select
        daily.attendance_date,
        daily.school_code,
        daily.student_no,
        daily.attendance_kind
    from daily
    left join school_days on daily.attendance_date = school_days.attendance_date
    where school_days.attendance_date is null

),

off_dates as (

    select distinct attendance_date from off_days

),

snapshots as (

    select distinct snapshot_date from status

),

snapshot_of_day as (

    -- the latest snapshot on or before the date (else the first), for the students' grades
    select
        off_dates.attendance_date,
        coalesce(
            max(case when snapshots.snapshot_date <= off_dates.attendance_date then snapshots.snapshot_date end),
            min(snapshots.snapshot_date)
        ) as snapshot_date
    from off_dates
    cross join snapshots
    group by off_dates.attendance_date

),

graded as (

    select
        off_days.*,
        status.grade
    from off_days
    left join snapshot_of_day on off_days.attendance_date = snapshot_of_day.attendance_date
    left join status
        on
            off_days.student_no = status.student_no
            and snapshot_of_day.snapshot_date = status.snapshot_date

),

per_school as (

    select
        attendance_date,
        school_code,
        count(*) as students,
        count(case when attendance_kind = 'present' then 1 end) as students_present,
        min(grade) as lowest_grade,
        max(grade) as highest_grade
    from graded
    group by attendance_date, school_code

)

select
    per_school.attendance_date,
    per_school.school_code,
    schools.township_code,
    case
        when calendar_days.is_school_day then 'not_held'
        else coalesce(calendar_days.school_day_kind, 'outside_calendar_span')
    end as reason,
    calendar_days.school_day_note,
    coverage.coverage as county_coverage,
    cast(per_school.students as bigint) as students,
    cast(per_school.students_present as bigint) as students_present,
    per_school.lowest_grade,
    per_school.highest_grade
from per_school
left join calendar_days on per_school.attendance_date = calendar_days.calendar_date
left join coverage on per_school.attendance_date = coverage.calendar_date
left join schools on per_school.school_code = schools.school_code
