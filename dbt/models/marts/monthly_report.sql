-- 控辍保学月报 (内黄 附件1): per month and unit of the reporting tree, on the month's last school
-- day: students with status (在读 + 休学), students actually in school, the gap (人籍差额) and its
-- causes, split into primary (grades 1–6) and junior (7–9), the key stage; the open cases, new
-- and returned cases; and the 脱贫户/监测户 children among them. Each row is the sum of the rows
-- below it (int_reporting_units): the county = its townships' center schools + the county-run
-- schools; a township = its schools + its no-school row (out-of-school children).
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

units as (

    select * from {{ ref('int_reporting_units') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

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

last_working_days as (

    select
        cast({{ dbt.date_trunc('month', 'calendar_date') }} as date) as month_start,
        max(calendar_date) as last_working_day
    from {{ ref('int_calendar_days') }}
    where is_working_day
    group by cast({{ dbt.date_trunc('month', 'calendar_date') }} as date)

),

periods as (

    -- a month is complete once the as-of date has reached its last working day
    select
        months.month_start,
        months.report_date,
        as_of.as_of_date,
        coalesce(as_of.as_of_date >= last_working_days.last_working_day, true) as is_complete
    from months
    cross join as_of
    left join last_working_days on months.month_start = last_working_days.month_start

),

students_on_day as (

    select
        months.month_start,
        status.student_no,
        status.school_code,
        status.township_code,
        status.status,
        case when status.grade <= 6 then 'primary' else 'junior' end as stage,
        poverty.id_number is not null as is_poverty_household,
        daily.attendance_kind
    from months
    inner join {{ ref('int_day_snapshots') }} as day_snapshots on months.report_date = day_snapshots.attendance_date
    inner join {{ ref('int_student_status') }} as status
        on
            day_snapshots.snapshot_date = status.snapshot_date
            and {{ is_on_roll('status.status') }}
    left join {{ ref('int_attendance_daily') }} as daily
        on
            status.student_no = daily.student_no
            and months.report_date = daily.attendance_date
    left join poverty on status.id_number = poverty.id_number

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
        count(case when stage = 'primary' then 1 end) as students_with_status_primary,
        count(case when stage = 'junior' then 1 end) as students_with_status_junior,
        count(case when is_poverty_household then 1 end) as students_with_status_poverty,
        count(case when status = 'enrolled' and attendance_kind = 'present' then 1 end) as students_in_school,
        count(case when status = 'enrolled' and attendance_kind = 'present' and stage = 'primary' then 1 end)
            as students_in_school_primary,
        count(case when status = 'enrolled' and attendance_kind = 'present' and stage = 'junior' then 1 end)
            as students_in_school_junior,
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
        {% for name, condition in [
            ('open_suspected_dropouts', "case_units.kind = 'suspected_dropout'"),
            ('open_suspected_dropouts_junior', "case_units.kind = 'suspected_dropout' and case_units.stage = 'junior'"),
            ('open_dropouts', "case_units.kind = 'suspected_dropout' and case_units.escalated_on <= months.report_date"),
            ('open_suspected_dropouts_poverty', "case_units.kind = 'suspected_dropout' and case_units.is_poverty_household"),
            ('open_out_of_school', "case_units.kind = 'out_of_school'"),
            ('open_out_of_school_poverty', "case_units.kind = 'out_of_school' and case_units.is_poverty_household"),
        ] %}
        count(
            case
                when
                    {{ condition }}
                    and (case_units.closed_on is null or case_units.closed_on > months.report_date)
                    then 1
            end
        ) as {{ name }}{{ ',' if not loop.last }}
    {% endfor %}
    from months
    inner join {{ ref('int_case_units') }} as case_units on months.report_date >= case_units.opened_on
    group by months.month_start, case_units.level, case_units.unit_code

),

measured as (

    select
        periods.month_start,
        periods.report_date,
        periods.as_of_date,
        periods.is_complete,
        units.level,
        units.unit_code,
        units.unit_name,
        units.report_unit_name,
        units.township_code,
        units.parent_level,
        units.parent_code,
        units.unit_order,
        {% for column in [
            'students_with_status', 'students_with_status_primary', 'students_with_status_junior',
            'students_with_status_poverty', 'students_in_school', 'students_in_school_primary',
            'students_in_school_junior', 'gap_on_leave', 'gap_suspended', 'gap_unexcused', 'gap_not_on_roster'
        ] %}
            cast(coalesce(student_counts.{{ column }}, 0) as bigint) as {{ column }},
        {% endfor %}
        {% for column in [
            'open_suspected_dropouts', 'open_suspected_dropouts_junior', 'open_dropouts',
            'open_suspected_dropouts_poverty', 'open_out_of_school', 'open_out_of_school_poverty',
            'new_cases', 'returned_cases'
        ] %}
        cast(coalesce(case_counts.{{ column }}, 0) as bigint) as {{ column }}{{ ',' if not loop.last }}
    {% endfor %}
    from periods
    cross join units
    left join student_counts
        on
            periods.month_start = student_counts.month_start
            and units.level = student_counts.level
            and units.unit_code = student_counts.unit_code
    left join case_counts
        on
            periods.month_start = case_counts.month_start
            and units.level = case_counts.level
            and units.unit_code = case_counts.unit_code

)

select
    cast(year(month_start) as {{ dbt.type_string() }}) || '-'
    || lpad(cast(month(month_start) as {{ dbt.type_string() }}), 2, '0') as month,
    cast(year(month_start) as {{ dbt.type_string() }}) || '年'
    || cast(month(month_start) as {{ dbt.type_string() }}) || '月' as month_name,
    report_date,
    as_of_date,
    is_complete,
    level,
    unit_code,
    unit_name,
    report_unit_name,
    township_code,
    parent_level,
    parent_code,
    unit_order,
    students_with_status,
    students_with_status_primary,
    students_with_status_junior,
    students_with_status_poverty,
    students_in_school,
    students_in_school_primary,
    students_in_school_junior,
    students_with_status - students_in_school as gap,
    students_with_status_primary - students_in_school_primary as gap_primary,
    students_with_status_junior - students_in_school_junior as gap_junior,
    gap_on_leave,
    gap_suspended,
    gap_unexcused,
    gap_not_on_roster,
    open_suspected_dropouts,
    open_suspected_dropouts_junior,
    open_dropouts,
    open_suspected_dropouts_poverty,
    open_out_of_school,
    open_out_of_school_poverty,
    new_cases,
    returned_cases
from measured
-- the county's row for what belongs to no township is listed only when something does
where not (
    level = 'no_school' and township_code is null
    and students_with_status + open_suspected_dropouts + open_out_of_school + new_cases + returned_cases = 0
)
