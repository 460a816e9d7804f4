-- The case-work entries the quarterly rectification table counts, one per current entry (up to
-- the as-of date) on a case of the ledger that is a persuasion attempt or records a cause:
--   a persuasion attempt (劝返次数) is an action that fulfils the persuasion or the joint
--   persuasion duty (casework_duty_actions: 劝返, 联合劝返), dated on or after the case opened,
--   exactly the actions int_case_duties counts for those duties. A 家访 or 联系家长 is the
--   3-day contact, not an attempt; how an attempt was made (家访/电话/约谈) is part of the entry.
--   Its stage: 适龄失学 for an out-of-school case; 辍学 from the day the case escalated; before
--   that 疑似辍学.
--   a cause (辍学原因): the latest one recorded up to a period's end is the case's cause then.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

ledger as (

    select * from {{ ref('ledger_cases') }}

),

attempt_actions as (

    select distinct action_code
    from {{ ref('casework_duty_actions') }}
    where duty in ('persuasion', 'joint_persuasion')

),

actions as (

    select actions.*
    from {{ ref('int_case_actions') }} as actions
    cross join as_of
    where actions.is_current and actions.action_date <= as_of.as_of_date

),

entries as (

    select
        actions.case_id,
        actions.source_kind,
        actions.source,
        actions.source_row,
        actions.action_date,
        actions.recorded_at,
        actions.action_code,
        actions.cause,
        actions.cause_code,
        ledger.kind,
        ledger.escalated_on,
        attempt_actions.action_code is not null and actions.action_date >= ledger.opened_on as is_attempt
    from actions
    inner join ledger on actions.case_id = ledger.case_id
    left join attempt_actions on actions.action_code = attempt_actions.action_code

)

select
    case_id,
    source_kind,
    source,
    source_row,
    action_date,
    recorded_at,
    action_code,
    is_attempt,
    case
        when not is_attempt then null
        when kind = 'out_of_school' then 'out_of_school'
        when escalated_on <= action_date then 'dropout'
        else 'suspected_dropout'
    end as attempt_stage,
    cause,
    cause_code
from entries
where is_attempt or cause_code is not null
