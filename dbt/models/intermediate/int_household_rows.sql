-- Every row of the latest household-register snapshot with a usable ID number, its township
-- resolved (code, name or a declared former name) and whether it is kept: a row whose township
-- the county's lists do not know, or whose ID number an earlier row already holds, is kept out
-- (audit.quarantine names it) and the rest builds.
with

household as (

    select * from {{ ref('stg_household') }}

),

township_names as (

    select * from {{ ref('int_township_names') }}

),

latest_snapshot as (

    {{ latest_snapshot_rows('household') }}

),

latest as (

    select * from latest_snapshot
    where id_number is not null

),

resolved as (

    select
        latest.*,
        township_names.township_code,
        township_names.matched_by as township_matched_by,
        row_number() over (
            partition by latest.id_number
            order by township_names.township_code is null, latest.source_file, latest.source_row
        ) as id_rank,
        first_value(latest.source_row) over (
            partition by latest.id_number
            order by township_names.township_code is null, latest.source_file, latest.source_row
        ) as first_row
    from latest
    left join township_names on trim(latest.township_text) = township_names.township_text

)

select
    id_number,
    household_no,
    person_name,
    gender,
    birth_date_reported,
    relation_to_head,
    township_text,
    township_code,
    township_matched_by,
    village,
    person_status,
    snapshot_date,
    source_file,
    source_row,
    case
        when township_code is null then 'unknown_township'
        when id_rank > 1 then 'duplicate_id_number'
    end as kept_out_reason,
    case when township_code is not null and id_rank > 1 then first_row end as duplicate_of_row
from resolved
