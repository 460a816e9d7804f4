-- Per ID number, the student-status record of the latest snapshot the child appears in.
with

status as (

    select * from {{ ref('int_student_status') }}
    where id_number is not null

),

ranked as (

    select
        *,
        row_number() over (
            partition by id_number
            order by
                snapshot_date desc,
                {{ on_roll_rank('status') }} asc,
                student_no asc
        ) as recency_rank
    from status

)

select
    id_number,
    student_no,
    snapshot_date,
    is_latest_snapshot,
    status,
    grade,
    school_code,
    township_code
from ranked
where recency_rank = 1
