-- Suspected-dropout cases of both triggers, closed as returned, or else at the first snapshot
-- after opening whose status closes a case (转出, 休学, 死亡, 毕业), whichever comes first. A
-- student who leaves the registry keeps the case open: the child is still out of school.
with

cases as (

    select * from {{ ref('int_cases_unexcused') }}
    union all
    select * from {{ ref('int_cases_not_on_roster') }}

),

status_changes as (

    select * from {{ ref('int_status_changes') }}

),

first_change as (

    select
        cases.student_no,
        cases.opened_on,
        min(status_changes.snapshot_date) as changed_on
    from cases
    inner join status_changes
        on
            cases.student_no = status_changes.student_no
            and cases.opened_on < status_changes.snapshot_date
    group by cases.student_no, cases.opened_on

),

resolved as (

    select
        cases.*,
        first_change.changed_on,
        status_changes.close_reason as change_reason,
        coalesce(cases.returned_on <= first_change.changed_on, cases.returned_on is not null) as returned_first
    from cases
    left join first_change
        on cases.student_no = first_change.student_no and cases.opened_on = first_change.opened_on
    left join status_changes
        on
            first_change.student_no = status_changes.student_no
            and first_change.changed_on = status_changes.snapshot_date

)

select
    student_no,
    trigger,
    opened_on,
    escalated_on,
    case when returned_first then returned_on else changed_on end as closed_on,
    case when returned_first then 'returned' else change_reason end as close_reason
from resolved
