-- The landing bookkeeping, one row per landed file: its delivery sequence number (higher means
-- delivered later, whatever the file names) and whether a published run has validated it.
with

source as (

    select * from {{ source('raw', 'load_files') }}

),

renamed as (

    select
        extract,
        source_file,
        delivery_seq,
        coalesce(accepted, false) as is_accepted,
        snapshot_date,
        rows_loaded,
        loaded_at
    from source

)

select * from renamed
