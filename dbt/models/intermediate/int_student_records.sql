-- Every usable student-status record of every snapshot (grade and status known, a student number
-- and a school code), with its identity, its school's township and whether it is kept:
-- * a student number listed twice in one snapshot keeps its first row (duplicate_student_no);
-- * a child registered twice in one snapshot (one ID number held by several 在读/休学 records,
--   e.g. a G number at one school and, matched by name, a J number without ID at another) keeps
--   the best-identified record: ID number or G number before a name match, 在读 before 休学,
--   then the lower student number (duplicate_registration).
-- Records kept out are listed in audit.quarantine and audit.identity_issues; the rest builds.
with

status as (

    -- records with an unknown grade or status, or without student number or school, are in
    -- audit.quarantine
    select * from {{ ref('stg_student_status') }}
    where
        grade is not null
        and status != 'unknown'
        and student_no is not null
        and school_code is not null

),

schools as (

    select * from {{ ref('int_schools') }}

),

identity as (

    select * from {{ ref('int_student_identity') }}

),

numbered as (

    select
        status.*,
        row_number() over (
            partition by status.snapshot_date, status.student_no order by status.source_file, status.source_row
        ) as row_rank,
        first_value(status.source_row) over (
            partition by status.snapshot_date, status.student_no order by status.source_file, status.source_row
        ) as first_row
    from status

),

identified as (

    select
        numbered.*,
        identity.id_number as identity_id_number,
        identity.match_method,
        schools.township_code,
        schools.stage as school_stage,
        numbered.row_rank = 1
        and identity.id_number is not null
        and {{ is_on_roll('numbered.status') }} as is_registration
    from numbered
    left join identity on numbered.student_no = identity.student_no
    left join schools on numbered.school_code = schools.school_code

),

classified as (

    -- the registrations of one ID number in one snapshot, in the order they keep it
    select
        identified.*,
        case when identified.is_registration then row_number() over registrations end as claim_rank,
        case when identified.is_registration then first_value(identified.student_no) over registrations end
            as kept_student_no
    from identified
    window registrations as (
        partition by identified.snapshot_date, identified.identity_id_number, identified.is_registration
        order by
            case when identified.match_method in ('id_number', 'g_number') then 0 else 1 end,
            case identified.status when 'enrolled' then 0 else 1 end,
            identified.student_no
    )

)

select
    classified.snapshot_date,
    classified.student_no,
    classified.identity_id_number as id_number,
    classified.match_method,
    classified.student_name,
    classified.gender,
    classified.birth_date_reported,
    classified.school_code,
    classified.township_code,
    classified.school_stage,
    classified.grade,
    classified.status,
    classified.hukou_area_code,
    classified.is_left_behind,
    classified.is_migrant_reported,
    classified.disability_type,
    classified.is_orphan,
    classified.special_groups,
    classified.source_file,
    classified.source_row,
    case
        when classified.row_rank > 1 then 'duplicate_student_no'
        when classified.claim_rank > 1 then 'duplicate_registration'
    end as kept_out_reason,
    case when classified.claim_rank > 1 then classified.kept_student_no end as duplicate_of,
    case when classified.row_rank > 1 then classified.first_row end as duplicate_of_row
from classified
