-- One row per duty of one case file (domain.md, Case work), with its deadline, the actions that
-- fulfil it and its status on the as-of date. Deadlines count working days
-- (int_case_working_days). An action counts towards a duty when it is current (not corrected or
-- withdrawn), of the duty's kind, dated from the duty's start up to the as-of date; a duty needing
-- several attempts is done on the date of the last one needed. A duty that was not done and
-- whose deadline falls after its case closed is not owed (the case closed first).
--   contact (联系家长 or 家访), three_line_* (三线报告, where configured): a case opened by an
--     unexcused streak, or a current 3–4 day streak; from the streak's 3rd day.
--   persuasion (劝返 ×3): every case of the ledger, from its opening.
--   dropout_report (辍学报告单), return_notice (限期返校通知书, from the report, or from escalation
--     while none is filed), joint_persuasion (联合劝返 ×3 with a department for the recorded
--     cause; any department while no cause with departments is recorded), hukou_letter
--     (发函户籍地, a non-local child): a case escalated to dropout.
--   home_teaching (送教上门 ×2): each month of the school year, from the month the child was
--     placed, that has school days up to the as-of date; due on the month's last day.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

files as (

    select * from {{ ref('int_case_files') }}

),

actions as (

    select actions.*
    from {{ ref('int_case_actions') }} as actions
    cross join as_of
    where actions.is_current and actions.action_date <= as_of.as_of_date

),

working_days as (

    select * from {{ ref('int_case_working_days') }}

),

cause_departments as (

    select * from {{ ref('casework_cause_departments') }}

),

duty_actions as (

    -- which action kinds fulfil which duty
    select * from {{ ref('casework_duty_actions') }}

),

-- (duty, applies when, clock starts, counts from, working days, attempts needed)
{%- set streak_duties = ['contact'] + (
    ['three_line_platform', 'three_line_township', 'three_line_county'] if var('casework_three_line_report') else []
) %}
{%- set rules = [] %}
{%- for duty in streak_duties %}
    {%- do rules.append(
        (duty, 'streak_3_on is not null', 'streak_3_on', 'window_start', var('casework_contact_days'), 1)
    ) %}
{%- endfor %}
{%- do rules.extend([
    ('persuasion', "file_kind in ('suspected_dropout', 'out_of_school')", 'opened_on', 'opened_on',
        var('casework_persuasion_days'), var('casework_persuasion_attempts')),
    ('dropout_report', 'escalated_on is not null', 'escalated_on', 'opened_on', var('casework_report_days'), 1),
    ('return_notice', 'escalated_on is not null', 'escalated_on', 'opened_on', var('casework_notice_days'), 1),
    ('joint_persuasion', 'escalated_on is not null', 'escalated_on', 'opened_on',
        var('casework_joint_persuasion_days'), var('casework_joint_persuasion_attempts')),
    ('hukou_letter', 'escalated_on is not null and is_non_local', 'escalated_on', 'opened_on',
        var('casework_letter_days'), 1),
]) %}

rules as (

    {% for duty, applies, starts, counts_from, days, needed in rules %}
        select
            case_id,
            '{{ duty }}' as duty,
            {{ starts }} as trigger_on,
            {{ counts_from }} as counts_from,
            {{ days }} as working_days,
            {{ needed }} as required_count
        from files
        where {{ applies }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

recorded_cause as (

    -- the case's cause: the latest one recorded on any of its actions
    select
        case_id,
        cause
    from (
        select
            case_id,
            cause,
            row_number() over (partition by case_id order by action_date desc, recorded_at desc, source_row desc)
                as recency
        from actions
        where cause_code is not null
    ) as causes
    where recency = 1

),

counted as (

    select
        rules.case_id,
        rules.duty,
        actions.action_date,
        row_number() over (
            partition by rules.case_id, rules.duty
            order by actions.action_date, actions.recorded_at, actions.source_kind, actions.source_row
        ) as attempt
    from rules
    inner join duty_actions on rules.duty = duty_actions.duty
    inner join actions
        on
            rules.case_id = actions.case_id
            and duty_actions.action_code = actions.action_code
            and rules.counts_from <= actions.action_date
    left join recorded_cause on rules.case_id = recorded_cause.case_id
    where
        rules.duty != 'joint_persuasion'
        or not exists (
            select 1 from cause_departments
            where cause_departments.cause = recorded_cause.cause
        )
        or exists (
            select 1 from cause_departments
            where
                cause_departments.cause = recorded_cause.cause
                and instr('、' || actions.departments || '、', '、' || cause_departments.department || '、') > 0
        )

),

fulfilled as (

    select
        rules.case_id,
        rules.duty,
        count(counted.attempt) as done_count,
        min(case when counted.attempt = rules.required_count then counted.action_date end) as done_on
    from rules
    left join counted on rules.case_id = counted.case_id and rules.duty = counted.duty
    group by rules.case_id, rules.duty

),

case_duties as (

    select
        rules.case_id,
        rules.duty,
        -- the township's notice runs from the school's report (from escalation while none is filed)
        case
            when rules.duty = 'return_notice' then coalesce(report.done_on, rules.trigger_on)
            else rules.trigger_on
        end as trigger_on,
        rules.working_days,
        rules.required_count,
        fulfilled.done_count,
        fulfilled.done_on
    from rules
    inner join fulfilled on rules.case_id = fulfilled.case_id and rules.duty = fulfilled.duty
    left join fulfilled as report on rules.case_id = report.case_id and report.duty = 'dropout_report'

),

case_deadlines as (

    select
        case_duties.case_id,
        case_duties.duty,
        case_duties.trigger_on,
        case
            when case_duties.working_days = 0 then case_duties.trigger_on
            else due_day.calendar_date
        end as due_on,
        case_duties.required_count,
        case_duties.done_count,
        case_duties.done_on,
        cast(null as {{ dbt.type_string() }}) as month
    from case_duties
    inner join working_days as start_day on case_duties.trigger_on = start_day.calendar_date
    left join working_days as due_day
        on
            due_day.is_working_day
            and due_day.working_day_number = start_day.working_day_number + case_duties.working_days

),

months as (

    select distinct cast({{ dbt.date_trunc('month', 'school_days.attendance_date') }} as date) as month_start
    from {{ ref('int_school_days') }} as school_days
    cross join as_of
    where
        school_days.attendance_date <= as_of.as_of_date
        and {{ school_year_of('school_days.attendance_date') }} = as_of.school_year

),

visits as (

    select
        files.case_id,
        cast({{ dbt.date_trunc('month', 'actions.action_date') }} as date) as month_start,
        actions.action_date,
        row_number() over (
            partition by files.case_id, {{ dbt.date_trunc('month', 'actions.action_date') }}
            order by actions.action_date, actions.recorded_at, actions.source_kind, actions.source_row
        ) as visit
    from files
    inner join actions
        on files.child_key = actions.child_key and actions.action_code = 'home_teaching'
    where files.file_kind = 'home_teaching'

),

home_teaching as (

    select
        files.case_id,
        'home_teaching' as duty,
        months.month_start as trigger_on,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date) as due_on,
        {{ var('casework_home_teaching_visits') }} as required_count,
        count(visits.visit) as done_count,
        min(case when visits.visit = {{ var('casework_home_teaching_visits') }} then visits.action_date end)
            as done_on,
        cast(year(months.month_start) as {{ dbt.type_string() }}) || '-'
        || lpad(cast(month(months.month_start) as {{ dbt.type_string() }}), 2, '0') as month
    from files
    inner join months on files.opened_on <= months.month_start
    left join visits on files.case_id = visits.case_id and months.month_start = visits.month_start
    where files.file_kind = 'home_teaching'
    group by files.case_id, months.month_start

),

all_duties as (

    select * from case_deadlines
    union all
    select * from home_teaching

)

select
    all_duties.case_id,
    files.file_kind,
    all_duties.duty,
    all_duties.month,
    all_duties.trigger_on,
    all_duties.due_on,
    all_duties.required_count,
    all_duties.done_count,
    all_duties.done_on,
    case
        when all_duties.done_on <= all_duties.due_on then 'done'
        when all_duties.done_on is not null then 'done_late'
        when as_of.as_of_date <= all_duties.due_on then 'due'
        else 'overdue'
    end as status,
    files.is_open,
    files.opened_on,
    files.closed_on,
    files.child_key,
    files.id_number,
    files.student_no,
    files.person_name,
    files.township_code,
    files.school_code,
    cast({{ school_year_of('all_duties.trigger_on') }} as integer) as school_year,
    as_of.as_of_date
from all_duties
inner join files on all_duties.case_id = files.case_id
cross join as_of
where not (all_duties.done_on is null and files.closed_on is not null and all_duties.due_on > files.closed_on)
