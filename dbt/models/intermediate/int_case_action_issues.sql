-- Case-work rows kept out of the counts, one row per problem, in the shape of audit.quarantine
-- (which lists them with every other quarantined row): the file (or 看板录入 for an entry of
-- the dashboard) and row, the column as the contract names it, the value and the reason.
with

action_rows as (

    select * from {{ ref('int_case_action_rows') }}
    where not is_accepted and not is_duplicate

),

{#- (issue column, contract header, value) -#}
{%- set checks = [
    ('date_issue', '日期', 'action_date_raw'),
    ('action_issue', '措施', 'action'),
    ('person_issue', '责任人', 'person'),
    ('result_issue', '结果', 'result'),
    ('cause_issue', '辍学原因', 'cause'),
] %}

problems as (

    {% for issue, header, value in checks %}
        select
            source_file,
            source_row,
            '{{ header }}' as canonical_header,
            {{ value }} as value,
            {{ issue }} as reason
        from action_rows
        where {{ issue }} is not null
        union all
    {% endfor %}
    select
        source_file,
        source_row,
        case
            when child_issue in ('unknown_case', 'out_of_scope') then '案件编号'
            when child_issue = 'no_case' then '日期'
            when id_given is null and student_no_given is not null then '全国学籍号'
            else '身份证号'
        end as canonical_header,
        case
            when child_issue in ('unknown_case', 'out_of_scope') then case_id_given
            when child_issue = 'no_case' then action_date_raw
            when id_given is null then student_no_given
            else id_given
        end as value,
        child_issue as reason
    from action_rows
    where child_issue is not null

)

select
    'casework' as extract,
    coalesce(problems.source_file, '看板录入') as source_file,
    problems.source_row,
    problems.canonical_header,
    problems.value,
    problems.reason
from problems
