-- 一生一档: one row per student and month — the status in the month's last snapshot and the
-- month's attendance — so one child's history across the status and attendance extracts reads
-- as one table (cases are in ledger_cases).
with

status as (

    select * from {{ ref('int_student_status') }}

),

attendance as (

    select * from {{ ref('int_attendance_daily') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

last_snapshot_of_month as (

    select
        student_no,
        cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start,
        max(snapshot_date) as snapshot_date
    from status
    group by student_no, cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)

),

monthly_status as (

    select
        status.student_no,
        last_snapshot_of_month.month_start,
        status.snapshot_date,
        status.school_code,
        status.grade,
        status.status
    from status
    inner join last_snapshot_of_month
        on
            status.student_no = last_snapshot_of_month.student_no
            and status.snapshot_date = last_snapshot_of_month.snapshot_date

),

monthly_attendance as (

    select
        student_no,
        cast({{ dbt.date_trunc('month', 'attendance_date') }} as date) as month_start,
        max(school_code) as school_code,
        count(*) as roster_days,
        count(case when attendance_kind = 'present' then 1 end) as present_days,
        count(case when attendance_kind = 'leave' then 1 end) as leave_days,
        count(case when attendance_kind = 'unexcused' then 1 end) as unexcused_days,
        max(case when attendance_kind = 'present' then attendance_date end) as last_present_date
    from attendance
    group by student_no, cast({{ dbt.date_trunc('month', 'attendance_date') }} as date)

),

identity as (

    select
        student_no,
        max(id_number) as id_number,
        max(student_name) as student_name
    from status
    group by student_no

),

joined as (

    select
        coalesce(monthly_status.student_no, monthly_attendance.student_no) as student_no,
        coalesce(monthly_status.month_start, monthly_attendance.month_start) as month_start,
        monthly_status.snapshot_date,
        coalesce(monthly_status.school_code, monthly_attendance.school_code) as school_code,
        monthly_status.grade,
        monthly_status.status,
        coalesce(monthly_attendance.roster_days, 0) as roster_days,
        coalesce(monthly_attendance.present_days, 0) as present_days,
        coalesce(monthly_attendance.leave_days, 0) as leave_days,
        coalesce(monthly_attendance.unexcused_days, 0) as unexcused_days,
        monthly_attendance.last_present_date
    from monthly_status
    full outer join monthly_attendance
        on
            monthly_status.student_no = monthly_attendance.student_no
            and monthly_status.month_start = monthly_attendance.month_start

)

select
    identity.id_number,
    joined.student_no,
    identity.student_name,
    cast(year(joined.month_start) as {{ dbt.type_string() }}) || '-'
    || lpad(cast(month(joined.month_start) as {{ dbt.type_string() }}), 2, '0') as month,
    joined.snapshot_date,
    joined.school_code,
    schools.township_code,
    cast(joined.grade as integer) as grade,
    joined.status,
    cast(joined.roster_days as integer) as roster_days,
    cast(joined.present_days as integer) as present_days,
    cast(joined.leave_days as integer) as leave_days,
    cast(joined.unexcused_days as integer) as unexcused_days,
    joined.last_present_date
from joined
left join identity on joined.student_no = identity.student_no
left join schools on joined.school_code = schools.school_code
