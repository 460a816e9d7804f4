-- Each case counted in each unit of the reporting tree it belongs to: its school's (the school at
-- opening), or, for an out-of-school child, its township's no-school row; and every unit above.
-- With the case's stage (the grade at opening: 1–6 primary, 7–9 junior; none for out-of-school
-- children) for the tables' 小学/初中 columns.
with

cases as (

    select * from {{ ref('ledger_cases') }}

),

day_snapshots as (

    select * from {{ ref('int_day_snapshots') }}

),

status as (

    select * from {{ ref('int_student_status') }}

),

staged as (

    select
        cases.*,
        status.grade,
        case when status.grade <= 6 then 'primary' when status.grade >= 7 then 'junior' end as stage
    from cases
    left join day_snapshots on cases.opened_on = day_snapshots.attendance_date
    left join status
        on
            cases.student_no = status.student_no
            and day_snapshots.snapshot_date = status.snapshot_date

)

{{ at_reporting_levels('staged') }}
