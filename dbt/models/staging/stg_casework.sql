{%- set q = adapter.quote -%}
-- Case-work actions from both ways they arrive: returned workbooks (raw.casework, the contract's
-- casework extract) and entries made in the dashboard (raw.casework_entries, from the store).
-- One row per source row, typed and coded; nothing is dropped here (blank template rows of a
-- workbook, duplicates and unusable rows are sorted out in intermediate.int_case_action_rows).
with

files as (

    select * from {{ source('raw', 'casework') }}

),

entries as (

    select * from {{ source('raw', 'casework_entries') }}

),

uploads as (

    select * from {{ source('raw', 'casework_uploads') }}

),

load_files as (

    select * from {{ source('raw', 'load_files') }}
    where extract = 'casework'

),

from_files as (

    select
        'file' as source_kind,
        files._source_file as source,
        files._source_file as source_file,
        cast(files._row_number as bigint) as source_row,
        files._delivery_seq as delivery_seq,
        cast(null as bigint) as supersedes,
        false as is_withdrawal,
        nullif(upper(trim(files.{{ q('案件编号') }})), '') as case_id_given,
        nullif(trim(files.{{ q('身份证号') }}), '') as id_given,
        nullif(upper(trim(files.{{ q('全国学籍号') }})), '') as student_no_given,
        nullif(trim(files.{{ q('日期') }}), '') as action_date_raw,
        nullif(trim(files.{{ q('措施') }}), '') as action,
        nullif(trim(files.{{ q('责任人') }}), '') as person,
        nullif(trim(files.{{ q('参与部门') }}), '') as departments,
        nullif(trim(files.{{ q('结果') }}), '') as result,
        nullif(trim(files.{{ q('辍学原因') }}), '') as cause,
        nullif(trim(files.{{ q('备注') }}), '') as notes,
        uploads.uploaded_by as recorded_by,
        -- when the workbook was uploaded, or else written (not when it landed: a rebuild lands it again)
        coalesce(uploads.uploaded_at, {{ timestamp_from_epoch_ns('load_files.file_mtime_ns') }}) as recorded_at,
        uploads.file_name is not null as is_upload,
        uploads.uploaded_role as scope_role,
        uploads.township_code as scope_township_code,
        uploads.school_code as scope_school_code
    from files
    left join uploads on files._source_file = 'casework/' || uploads.file_name
    left join load_files on files._source_file = load_files.source_file

),

from_entries as (

    select
        'dashboard' as source_kind,
        'dashboard' as source,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(entry_id as bigint) as source_row,
        cast(null as bigint) as delivery_seq,
        cast(supersedes as bigint) as supersedes,
        withdrawn as is_withdrawal,
        case_id as case_id_given,
        id_number as id_given,
        student_no as student_no_given,
        cast(action_date as {{ dbt.type_string() }}) as action_date_raw,
        action,
        person,
        departments,
        result,
        cause,
        notes,
        entered_by as recorded_by,
        entered_at as recorded_at,
        false as is_upload,
        -- scope was checked when the entry was made
        cast(null as {{ dbt.type_string() }}) as scope_role,
        cast(null as {{ dbt.type_string() }}) as scope_township_code,
        cast(null as {{ dbt.type_string() }}) as scope_school_code
    from entries

),

unioned as (

    select * from from_files
    union all
    select * from from_entries

),

identified as (

    {{ select_with_id_number('unioned', 'unioned.id_given') }}

),

action_values as (

    select
        label as value,
        code
    from {{ ref('glossary') }}
    where domain = 'action'

),

result_values as (

    select
        label as value,
        code
    from {{ ref('glossary') }}
    where domain = 'result'

),

cause_values as (

    select
        label as value,
        code
    from {{ ref('glossary') }}
    where domain = 'cause'

)

select
    identified.source_kind,
    identified.source,
    identified.source_file,
    identified.source_row,
    identified.delivery_seq,
    identified.supersedes,
    identified.is_withdrawal,
    identified.case_id_given,
    identified.id_given,
    identified.id_number,
    identified.id_number_issue,
    identified.student_no_given,
    identified.action_date_raw,
    {{ parse_date('identified.action_date_raw') }} as action_date,
    identified.action,
    action_values.code as action_code,
    identified.person,
    identified.departments,
    identified.result,
    result_values.code as result_code,
    identified.cause,
    cause_values.code as cause_code,
    identified.notes,
    identified.recorded_by,
    identified.recorded_at,
    identified.is_upload,
    identified.scope_role,
    identified.scope_township_code,
    identified.scope_school_code,
    -- a prefilled workbook row nobody filled in: not an action
    coalesce(
        identified.action_date_raw, identified.action, identified.person, identified.departments,
        identified.result, identified.cause, identified.notes
    ) is null as is_blank
from identified
left join action_values on identified.action = action_values.value
left join result_values on identified.result = result_values.value
left join cause_values on identified.cause = cause_values.value
