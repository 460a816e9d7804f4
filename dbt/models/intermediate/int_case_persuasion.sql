-- Per case of the ledger: the persuasion attempts recorded so far (劝返 and 联合劝返, current
-- entries up to the as-of date) and the cause recorded last. For the quarterly rectification
-- table's 劝返次数 and 辍学原因 columns.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

ledger as (

    select * from {{ ref('ledger_cases') }}

),

actions as (

    select actions.*
    from {{ ref('int_case_actions') }} as actions
    cross join as_of
    where actions.is_current and actions.action_date <= as_of.as_of_date

),

attempts as (

    select
        case_id,
        count(case when action_code in ('persuasion', 'joint_persuasion') then 1 end) as persuasion_attempts,
        count(case when action_code = 'joint_persuasion' then 1 end) as joint_persuasion_attempts,
        max(action_date) as last_action_on
    from actions
    group by case_id

),

causes as (

    select
        case_id,
        cause,
        cause_code,
        action_date as cause_recorded_on,
        row_number() over (partition by case_id order by action_date desc, recorded_at desc, source_row desc)
            as recency
    from actions
    where cause_code is not null

)

select
    ledger.case_id,
    coalesce(attempts.persuasion_attempts, 0) as persuasion_attempts,
    coalesce(attempts.joint_persuasion_attempts, 0) as joint_persuasion_attempts,
    attempts.last_action_on,
    causes.cause,
    causes.cause_code,
    causes.cause_recorded_on
from ledger
left join attempts on ledger.case_id = attempts.case_id
left join causes on ledger.case_id = causes.case_id and causes.recency = 1
