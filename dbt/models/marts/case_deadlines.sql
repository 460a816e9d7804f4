-- 个案工作期限: one row per duty of each case (and of each current 3-day streak and each
-- 送教上门 month), with its deadline, when it was done and its status on the as-of date.
select
    case_id,
    file_kind,
    id_number,
    student_no,
    person_name,
    duty,
    month,
    trigger_on,
    due_on,
    done_on,
    required_count,
    done_count,
    status,
    is_open,
    opened_on,
    closed_on,
    school_year,
    township_code,
    school_code,
    as_of_date
from {{ ref('int_case_duties') }}
