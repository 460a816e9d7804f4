-- Residents in the latest household-register snapshot with a usable ID number; the birth date
-- inside the ID number wins over the reported one.
with

household as (

    select * from {{ ref('stg_household') }}

),

townships as (

    select * from {{ ref('stg_townships') }}

),

latest_snapshot as (

    select max(snapshot_date) as snapshot_date from household

),

latest as (

    select household.*
    from household
    inner join latest_snapshot on household.snapshot_date = latest_snapshot.snapshot_date
    where household.id_number is not null

),

resolved as (

    select
        latest.*,
        townships.township_code,
        {{ parse_date('substr(latest.id_number, 7, 8)') }} as birth_date,
        row_number() over (partition by latest.id_number order by latest.source_file, latest.source_row) as id_rank
    from latest
    left join townships
        on latest.township_text = townships.township_code or latest.township_text = townships.township_name

)

select
    id_number,
    household_no,
    person_name,
    gender,
    birth_date,
    coalesce(birth_date_reported != birth_date, false) as birth_date_conflict,
    relation_to_head,
    township_code,
    village,
    person_status,
    snapshot_date,
    source_file,
    source_row
from resolved
where id_rank = 1
