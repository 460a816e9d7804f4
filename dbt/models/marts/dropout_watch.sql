-- 学籍 vs 在校: 在读 students of the latest snapshot who are not in school on the as-of date.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

enrolled as (

    select * from {{ ref('int_student_status') }}
    where is_latest_snapshot and status = 'enrolled'

),

attendance as (

    select * from {{ ref('int_attendance_status') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

staged as (

    select
        enrolled.id_number,
        enrolled.student_no,
        enrolled.student_name,
        enrolled.school_code,
        enrolled.township_code,
        enrolled.grade,
        coalesce(attendance.unexcused_streak_days, 0) as unexcused_streak_days,
        attendance.last_present_date,
        attendance.last_roster_date,
        as_of.as_of_date,
        case
            when coalesce(attendance.recent_roster_days, 0) = 0 then 'not_on_roster'
            when attendance.unexcused_streak_days >= {{ var('dropout_days') }} then 'dropout'
            when attendance.unexcused_streak_days >= {{ var('suspected_dropout_days') }} then 'suspected_dropout'
            when attendance.unexcused_streak_days >= {{ var('absent_notice_days') }} then 'absent_3d'
        end as stage
    from enrolled
    cross join as_of
    left join attendance on enrolled.student_no = attendance.student_no

)

select
    staged.id_number,
    staged.student_no,
    staged.student_name,
    staged.school_code,
    staged.township_code,
    staged.grade,
    staged.stage,
    cast(staged.unexcused_streak_days as integer) as unexcused_streak_days,
    staged.last_present_date,
    staged.last_roster_date,
    poverty.id_number is not null as is_poverty_household,
    staged.as_of_date
from staged
left join poverty on staged.id_number = poverty.id_number
where staged.stage is not null
