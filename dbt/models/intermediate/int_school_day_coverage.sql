-- Each school day of the county calendar from the first to the last date that carries
-- attendance, and how much of the roster the day's attendance covers: the students with a
-- record that day against the 在读 students (in the snapshot describing the day) of the schools
-- that report attendance in that school year. A day is held when the cover reaches
-- school_day_min_coverage, complete when it reaches as_of_min_coverage. Before the school
-- year's first snapshot the roster is unknown: a day with records is then held and complete.
-- The snapshot describing a day: the latest of the same school year on or before the day, else
-- that year's first (a snapshot never speaks for another school year).
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}
    where is_school_day

),

status as (

    select * from {{ ref('int_student_status') }}

),

span as (

    select
        min(attendance_date) as first_date,
        max(attendance_date) as last_date
    from daily

),

days as (

    select
        calendar_days.calendar_date,
        calendar_days.school_year
    from calendar_days
    cross join span
    where calendar_days.calendar_date between span.first_date and span.last_date

),

recorded as (

    select
        attendance_date,
        count(*) as students_recorded,
        count(distinct school_code) as schools_recorded
    from daily
    group by attendance_date

),

reporting_schools as (

    -- the schools with attendance on at least one calendar school day of a school year
    select distinct
        days.school_year,
        daily.school_code
    from daily
    inner join days on daily.attendance_date = days.calendar_date

),

snapshot_rosters as (

    select
        status.snapshot_date,
        {{ school_year_of('status.snapshot_date') }} as school_year,
        count(*) as students_expected
    from status
    inner join reporting_schools
        on
            status.school_code = reporting_schools.school_code
            and {{ school_year_of('status.snapshot_date') }} = reporting_schools.school_year
    where status.status = 'enrolled'
    group by status.snapshot_date

),

snapshots as (

    select distinct
        snapshot_date,
        {{ school_year_of('snapshot_date') }} as school_year
    from status

),

paired as (

    select
        days.calendar_date,
        max(case when snapshots.snapshot_date <= days.calendar_date then snapshots.snapshot_date end)
            as latest_before,
        min(snapshots.snapshot_date) as first_of_year
    from days
    inner join snapshots on days.school_year = snapshots.school_year
    group by days.calendar_date

),

covered as (

    select
        days.calendar_date,
        coalesce(paired.latest_before, paired.first_of_year) as snapshot_date,
        coalesce(recorded.students_recorded, 0) as students_recorded,
        coalesce(recorded.schools_recorded, 0) as schools_recorded,
        snapshot_rosters.students_expected
    from days
    left join recorded on days.calendar_date = recorded.attendance_date
    left join paired on days.calendar_date = paired.calendar_date
    left join snapshot_rosters on coalesce(paired.latest_before, paired.first_of_year) = snapshot_rosters.snapshot_date

)

select
    calendar_date,
    snapshot_date,
    students_expected,
    students_recorded,
    schools_recorded,
    cast(students_recorded as double) / nullif(students_expected, 0) as coverage,
    case
        when students_expected is null then students_recorded > 0
        else students_recorded >= {{ var('school_day_min_coverage') }} * students_expected
    end as is_held,
    case
        when students_expected is null then students_recorded > 0
        else students_recorded >= {{ var('as_of_min_coverage') }} * students_expected
    end as is_complete
from covered
