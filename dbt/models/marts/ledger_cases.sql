-- 疑似辍学台账 (incl. out-of-school children): every case, open or closed, rebuilt from the
-- whole history of snapshots and attendance. A child has at most one open case: a case that
-- would open while an earlier one is still open is not opened. Closed cases stay with their
-- reason and date; a child who returns and later stops again gets a new case.
-- The case number is opaque (a keyed hash, see macros/case_id.sql): it never shows the ID number.
-- depends_on: {{ source('raw', 'case_id_key') }}
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

identity as (

    select * from {{ ref('int_student_identity') }}

),

day_snapshots as (

    select * from {{ ref('int_day_snapshots') }}

),

status as (

    select * from {{ ref('int_student_status') }}

),

residents as (

    select * from {{ ref('int_household_members') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

dropout_cases as (

    select * from {{ ref('int_dropout_cases') }}

),

student_cases as (

    select
        coalesce(identity.id_number, dropout_cases.student_no) as child_key,
        identity.id_number,
        dropout_cases.student_no,
        'suspected_dropout' as kind,
        dropout_cases.trigger,
        status.school_code,
        status.township_code,
        dropout_cases.opened_on,
        dropout_cases.escalated_on,
        dropout_cases.closed_on,
        dropout_cases.close_reason
    from dropout_cases
    left join identity on dropout_cases.student_no = identity.student_no
    left join day_snapshots on dropout_cases.opened_on = day_snapshots.attendance_date
    left join status
        on
            dropout_cases.student_no = status.student_no
            and day_snapshots.snapshot_date = status.snapshot_date

),

child_cases as (

    select
        cases.id_number as child_key,
        cases.id_number,
        cast(null as {{ dbt.type_string() }}) as student_no,
        'out_of_school' as kind,
        cases.trigger,
        cast(null as {{ dbt.type_string() }}) as school_code,
        residents.township_code,
        cases.opened_on,
        cases.escalated_on,
        cases.closed_on,
        cases.close_reason
    from {{ ref('int_cases_out_of_school') }} as cases
    left join residents on cases.id_number = residents.id_number

),

all_cases as (

    select * from student_cases
    union all
    select * from child_cases

),

kept as (

    select this_case.*
    from all_cases as this_case
    where not exists (
        select 1
        from all_cases as earlier
        where
            earlier.child_key = this_case.child_key
            and (
                earlier.opened_on < this_case.opened_on
                or (
                    earlier.opened_on = this_case.opened_on
                    and earlier.kind || earlier.trigger < this_case.kind || this_case.trigger
                )
            )
            and (earlier.closed_on is null or earlier.closed_on > this_case.opened_on)
    )

),

case_key as (

    select * from {{ case_id_key() }}

)

select
    {{ case_id(
        'case_key.case_key', ['kept.kind', 'kept.child_key', 'cast(kept.opened_on as ' ~ dbt.type_string() ~ ')']
    ) }} as case_id,
    kept.child_key,
    kept.id_number,
    kept.student_no,
    kept.kind,
    kept.trigger,
    kept.township_code,
    kept.school_code,
    kept.opened_on,
    kept.escalated_on,
    kept.closed_on,
    kept.close_reason,
    kept.closed_on is null as is_open,
    poverty.id_number is not null as is_poverty_household,
    as_of.as_of_date
from kept
cross join as_of
cross join case_key
left join poverty on kept.id_number = poverty.id_number
