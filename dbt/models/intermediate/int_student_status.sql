-- Every student-status record of every snapshot that int_student_records keeps (one per student
-- number and snapshot, one per ID number among 在读/休学), with the school's township and stage.
with

records as (

    select * from {{ ref('int_student_records') }}
    where kept_out_reason is null

)

select
    snapshot_date,
    student_no,
    id_number,
    match_method,
    student_name,
    gender,
    birth_date_reported,
    school_code,
    township_code,
    school_stage,
    grade,
    status,
    hukou_area_code,
    is_left_behind,
    is_migrant_reported,
    disability_type,
    is_orphan,
    special_groups,
    snapshot_date = max(snapshot_date) over () as is_latest_snapshot
from records
