-- Every row kept out of the comparisons, with where it came from and why: rows the loader
-- could not parse, and ID numbers that could not be normalised.
with

load_quarantine as (

    select * from {{ source('raw', 'load_quarantine') }}

),

file_columns as (

    select * from {{ source('raw', 'load_file_columns') }}

),

{%- set id_columns = [
    ('household', 'stg_household', '公民身份号码', ['ok', 'converted_15']),
    ('poverty', 'stg_poverty', '证件号码', ['ok', 'converted_15']),
    ('student_status', 'stg_student_status', '身份证件号', ['ok', 'converted_15', 'missing']),
] %}

id_problems as (

    {% for extract, model, header, usable in id_columns %}
        select
            '{{ extract }}' as extract,
            source_file,
            source_row,
            '{{ header }}' as canonical_header,
            id_number_raw as value,
            id_number_issue as reason
        from {{ ref(model) }}
        where
            id_number_issue not in ('{{ usable | join("', '") }}')
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

id_rows as (

    select
        id_problems.extract,
        id_problems.source_file,
        id_problems.source_row,
        coalesce(file_columns.source_header, id_problems.canonical_header) as column_name,
        id_problems.value,
        id_problems.reason
    from id_problems
    left join file_columns
        on
            id_problems.source_file = file_columns.source_file
            and id_problems.canonical_header = file_columns.canonical_header

)

select
    extract,
    source_file,
    cast(row_number as bigint) as source_row,
    column_name,
    value,
    reason
from load_quarantine
union all
select
    extract,
    source_file,
    cast(source_row as bigint) as source_row,
    column_name,
    value,
    reason
from id_rows
