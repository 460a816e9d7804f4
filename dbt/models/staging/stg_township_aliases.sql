{%- set q = adapter.quote -%}
-- Former township names and codes the county declares (reference/曾用名*.csv): an extract that
-- still names a village's township by its old name or code is matched to the current township.
with

source as (

    select * from {{ source('raw', 'township_aliases') }}

),

renamed as (

    select
        _source_file as source_file,
        _row_number as source_row,
        _delivery_seq as delivery_seq,
        nullif(trim({{ q('曾用名') }}), '') as former_name,
        nullif(trim({{ q('乡镇代码') }}), '') as township_code
    from source

)

select * from renamed
