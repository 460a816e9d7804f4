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
        case
            when
                numbered.row_rank = 1
                and identity.id_number is not null
                and numbered.status in ('enrolled', 'suspended')
                then row_number() over (
                    partition by
                        numbered.snapshot_date,
                        identity.id_number,
                        numbered.row_rank = 1 and numbered.status in ('enrolled', 'suspended')
                    order by
                        case when identity.match_method in ('id_number', 'g_number') then 0 else 1 end,
                        case numbered.status when 'enrolled' then 0 else 1 end,
                        numbered.student_no
                )
        end as claim_rank
    from numbered
    left join identity on numbered.student_no = identity.student_no
    left join schools on numbered.school_code = schools.school_code

),

claims as (

    -- the record that keeps each ID number in each snapshot
    select
        snapshot_date,
        identity_id_number,
        student_no as kept_student_no
    from identified
    where claim_rank = 1

)

select
    identified.snapshot_date,
    identified.student_no,
    identified.identity_id_number as id_number,
    identified.match_method,
    identified.student_name,
    identified.gender,
    identified.birth_date_reported,
    identified.school_code,
    identified.township_code,
    identified.school_stage,
    identified.grade,
    identified.status,
    identified.hukou_area_code,
    identified.is_left_behind,
    identified.is_migrant_reported,
    identified.disability_type,
    identified.is_orphan,
    identified.special_groups,
    identified.source_file,
    identified.source_row,
    case
        when identified.row_rank > 1 then 'duplicate_student_no'
        when identified.claim_rank > 1 then 'duplicate_registration'
    end as kept_out_reason,
    case when identified.claim_rank > 1 then claims.kept_student_no end as duplicate_of,
    case when identified.row_rank > 1 then identified.first_row end as duplicate_of_row
from identified
left join claims
    on
        identified.snapshot_date = claims.snapshot_date
        and identified.identity_id_number = claims.identity_id_number
        and identified.claim_rank > 1
