-- The glossary: every code value the marts carry with its Chinese label (seeds code_labels and
-- key_groups), the one place the dashboard and the reports take labels from.
with

labels as (

    select * from {{ ref('glossary') }}

),

key_groups as (

    select * from {{ ref('key_groups') }}

)

select
    domain,
    code,
    label,
    cast(sort_order as integer) as sort_order
from labels

union all

select
    'key_group' as domain,
    group_code as code,
    group_name as label,
    cast(sort_order as integer) as sort_order
from key_groups
