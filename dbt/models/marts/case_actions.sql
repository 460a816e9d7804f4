-- 劝返与个案工作记录: every recorded action that counts, from the dashboard or a returned
-- workbook, attached to its case. Corrections keep both entries (is_current tells which counts).
with

actions as (

    select * from {{ ref('int_case_actions') }}

)

select
    id_number,
    student_no,
    case_id,
    file_kind,
    action_date,
    action,
    person,
    departments,
    result,
    cause,
    notes,
    case when source_kind = 'dashboard' then 'dashboard' else replace(source_file, 'casework/', '') end as source,
    source_row,
    entry_id,
    supersedes,
    superseded_by,
    is_withdrawal,
    is_current,
    recorded_by,
    recorded_at,
    township_code,
    school_code
from actions
