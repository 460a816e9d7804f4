-- One record per student and school day: a later delivery (file name sorting later, e.g.
-- 考勤_202510_重报.csv after 考勤_202510.csv) corrects an earlier one.
with

attendance as (

    -- rows with an unusable date or status are in audit.quarantine
    select * from {{ ref('stg_attendance') }}
    where date_issue is null and attendance_kind != 'unknown'

),

ranked as (

    select
        *,
        row_number() over (
            partition by student_no, attendance_date
            order by source_file desc, source_row desc
        ) as delivery_rank
    from attendance

)

select
    student_no,
    attendance_date,
    school_code,
    attendance_code,
    attendance_kind,
    absence_reason,
    source_file,
    source_row
from ranked
where delivery_rank = 1
