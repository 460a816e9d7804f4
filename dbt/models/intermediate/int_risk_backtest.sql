-- The back-test's student-days: every student scored on a past evaluation date T, and whether
-- a new suspected-dropout case (either trigger) opened within the next risk_horizon_days school
-- days. Student-days already in a suspected-dropout streak, or with a case open on T, are left
-- out: they are cases already, not predictions.
with

scores as (

    select * from {{ ref('int_risk_scores') }}
    where not is_as_of

),

school_days as (

    select * from {{ ref('int_school_days') }}

),

cases as (

    select
        dropout_cases.student_no,
        dropout_cases.opened_on,
        dropout_cases.closed_on,
        school_days.school_day_number as opened_day_number
    from {{ ref('int_dropout_cases') }} as dropout_cases
    inner join school_days on dropout_cases.opened_on = school_days.attendance_date

),

scored_days as (

    select
        scores.*,
        school_days.school_day_number
    from scores
    inner join school_days on scores.eval_date = school_days.attendance_date
    where scores.unexcused_streak < {{ var('suspected_dropout_days') }}

),

case_flags as (

    select
        scored_days.student_no,
        scored_days.eval_date,
        max(
            case
                when
                    scored_days.eval_date >= cases.opened_on
                    and (cases.closed_on is null or scored_days.eval_date < cases.closed_on)
                    then 1
                else 0
            end
        ) as has_open_case,
        max(
            case
                when
                    scored_days.school_day_number < cases.opened_day_number
                    and cases.opened_day_number <= scored_days.school_day_number + {{ var('risk_horizon_days') }}
                    then 1
                else 0
            end
        ) as has_new_case
    from scored_days
    inner join cases on scored_days.student_no = cases.student_no
    group by scored_days.student_no, scored_days.eval_date

)

select
    scored_days.*,
    coalesce(case_flags.has_new_case = 1, false) as is_positive
from scored_days
left join case_flags
    on scored_days.student_no = case_flags.student_no and scored_days.eval_date = case_flags.eval_date
where coalesce(case_flags.has_open_case, 0) = 0
