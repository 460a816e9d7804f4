-- The case-work actions that count: accepted rows of either source (workbooks and dashboard
-- entries), each attached to its case file. Corrected, withdrawn and withdrawing entries stay
-- (is_current = false), so a case's timeline shows every entry.
select * from {{ ref('int_case_action_rows') }}
where is_accepted
