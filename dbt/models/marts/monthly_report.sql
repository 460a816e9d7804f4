-- 控辍保学月报 (内黄 附件1): per month and unit, on the month's last school day: students with
-- status (在读 + 休学), students actually in school, the gap (人籍差额) and its causes, and the
-- month's new and returned cases.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

units as (

    select * from {{ ref('int_reporting_units') }}

),

months as (

    select
        cast({{ dbt.date_trunc('month', 'school_days.attendance_date') }} as date) as month_start,
        max(school_days.attendance_date) as report_date
    from {{ ref('int_school_days') }} as school_days
    cross join as_of
    where school_days.attendance_date <= as_of.as_of_date
    group by cast({{ dbt.date_trunc('month', 'school_days.attendance_date') }} as date)

),

students_on_day as (

    select
        months.month_start,
        status.student_no,
        status.school_code,
        status.township_code,
        status.status,
        daily.attendance_kind
    from months
    inner join {{ ref('int_day_snapshots') }} as day_snapshots on months.report_date = day_snapshots.attendance_date
    inner join {{ ref('int_student_status') }} as status
        on
            day_snapshots.snapshot_date = status.snapshot_date
            and status.status in ('enrolled', 'suspended')
    left join {{ ref('int_attendance_daily') }} as daily
        on
            status.student_no = daily.student_no
            and months.report_date = daily.attendance_date

),

student_units as (

    {{ at_reporting_levels('students_on_day') }}

),

student_counts as (

    select
        month_start,
        level,
        unit_code,
        count(*) as students_with_status,
        count(case when status = 'enrolled' and attendance_kind = 'present' then 1 end) as students_in_school,
        count(case when status = 'suspended' then 1 end) as gap_suspended,
        count(case when status = 'enrolled' and attendance_kind = 'leave' then 1 end) as gap_on_leave,
        count(case when status = 'enrolled' and attendance_kind = 'unexcused' then 1 end) as gap_unexcused,
        count(case when status = 'enrolled' and attendance_kind is null then 1 end) as gap_not_on_roster
    from student_units
    group by month_start, level, unit_code

),

case_counts as (

    select
        months.month_start,
        case_units.level,
        case_units.unit_code,
        count(case when {{ dbt.date_trunc('month', 'case_units.opened_on') }} = months.month_start then 1 end)
            as new_cases,
        count(
            case
                when
                    case_units.close_reason = 'returned'
                    and {{ dbt.date_trunc('month', 'case_units.closed_on') }} = months.month_start
                    then 1
            end
        ) as returned_cases,
        count(
            case
                when
                    case_units.kind = 'suspected_dropout'
                    and (case_units.closed_on is null or case_units.closed_on > months.report_date)
                    then 1
            end
        ) as open_suspected_dropouts,
        count(
            case
                when
                    case_units.kind = 'out_of_school'
                    and (case_units.closed_on is null or case_units.closed_on > months.report_date)
                    then 1
            end
        ) as open_out_of_school
    from months
    inner join {{ ref('int_case_units') }} as case_units on months.report_date >= case_units.opened_on
    group by months.month_start, case_units.level, case_units.unit_code

)

select
    cast(year(months.month_start) as varchar) || '-'
    || lpad(cast(month(months.month_start) as varchar), 2, '0') as month,
    months.report_date,
    units.level,
    units.unit_code,
    units.unit_name,
    units.township_code,
    cast(coalesce(student_counts.students_with_status, 0) as bigint) as students_with_status,
    cast(coalesce(student_counts.students_in_school, 0) as bigint) as students_in_school,
    cast(coalesce(student_counts.students_with_status - student_counts.students_in_school, 0) as bigint) as gap,
    cast(coalesce(student_counts.gap_on_leave, 0) as bigint) as gap_on_leave,
    cast(coalesce(student_counts.gap_suspended, 0) as bigint) as gap_suspended,
    cast(coalesce(student_counts.gap_unexcused, 0) as bigint) as gap_unexcused,
    cast(coalesce(student_counts.gap_not_on_roster, 0) as bigint) as gap_not_on_roster,
    cast(coalesce(case_counts.open_suspected_dropouts, 0) as bigint) as open_suspected_dropouts,
    cast(coalesce(case_counts.open_out_of_school, 0) as bigint) as open_out_of_school,
    cast(coalesce(case_counts.new_cases, 0) as bigint) as new_cases,
    cast(coalesce(case_counts.returned_cases, 0) as bigint) as returned_cases
from months
cross join units
left join student_counts
    on
        months.month_start = student_counts.month_start
        and units.level = student_counts.level
        and units.unit_code = student_counts.unit_code
left join case_counts
    on
        months.month_start = case_counts.month_start
        and units.level = case_counts.level
        and units.unit_code = case_counts.unit_code
