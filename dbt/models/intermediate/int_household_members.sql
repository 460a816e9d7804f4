-- Residents in the latest household-register snapshot with a usable ID number and a township the
-- county knows, one per ID number (int_household_rows keeps the others out); the birth date
-- inside the ID number wins over the reported one.
with

rows_kept as (

    select * from {{ ref('int_household_rows') }}
    where kept_out_reason is null

),

dated as (

    select
        rows_kept.*,
        {{ parse_date('substr(rows_kept.id_number, 7, 8)') }} as birth_date
    from rows_kept

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
from dated
