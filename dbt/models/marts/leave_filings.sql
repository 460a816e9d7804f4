-- Leave runs longer than the principal's threshold (3 school days): who must approve or file
-- them. For 脱贫户/监测户 students: up to 7 days with the township center school, longer with
-- the county bureau. A run is consecutive leave records of one student.
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

),

identity as (

    select * from {{ ref('int_student_identity') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

sequenced as (

    select
        student_no,
        attendance_date,
        school_code,
        attendance_kind,
        row_number() over (partition by student_no order by attendance_date) as day_seq
    from daily

),

leave_days as (

    select
        student_no,
        attendance_date,
        school_code,
        day_seq - row_number() over (partition by student_no order by attendance_date) as run_id
    from sequenced
    where attendance_kind = 'leave'

),

runs as (

    select
        student_no,
        run_id,
        min(attendance_date) as start_date,
        max(attendance_date) as end_date,
        count(*) as days,
        max(school_code) as school_code
    from leave_days
    group by student_no, run_id

)

select
    identity.id_number,
    runs.student_no,
    runs.school_code,
    runs.start_date,
    runs.end_date,
    cast(runs.days as integer) as days,
    poverty.id_number is not null as is_poverty_household,
    case
        when poverty.id_number is null then 'principal'
        when runs.days > {{ var('leave_county_days') }} then 'county'
        else 'township'
    end as filing_level
from runs
left join identity on runs.student_no = identity.student_no
left join poverty on identity.id_number = poverty.id_number
where runs.days > {{ var('leave_principal_days') }}
