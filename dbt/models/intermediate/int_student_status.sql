-- Every student-status record of every snapshot, with the school's township and stage.
with

status as (

    -- records with an unknown grade or status are in audit.quarantine
    select * from {{ ref('stg_student_status') }}
    where grade is not null and status != 'unknown'

),

schools as (

    select * from {{ ref('int_schools') }}

),

identity as (

    select * from {{ ref('int_student_identity') }}

)

select
    status.snapshot_date,
    status.student_no,
    identity.id_number,
    identity.match_method,
    status.student_name,
    status.gender,
    status.birth_date_reported,
    status.school_code,
    schools.township_code,
    schools.stage as school_stage,
    status.grade,
    status.status,
    status.hukou_area_code,
    status.is_left_behind,
    status.is_migrant_reported,
    status.disability_type,
    status.is_orphan,
    status.special_groups,
    status.snapshot_date = max(status.snapshot_date) over () as is_latest_snapshot
from status
left join schools on status.school_code = schools.school_code
left join identity on status.student_no = identity.student_no
