-- 送教上门: each disabled child on 送教上门 in the latest status snapshot, month by month of the
-- school year: the visits recorded and whether the month falls short of the required number.
select
    id_number,
    student_no,
    person_name,
    case_id,
    month,
    done_count as visits,
    required_count as required_visits,
    done_count < required_count as is_short,
    status,
    due_on as month_end,
    township_code,
    school_code,
    as_of_date
from {{ ref('int_case_duties') }}
where duty = 'home_teaching'
