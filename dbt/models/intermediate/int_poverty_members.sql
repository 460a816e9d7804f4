-- Members of 脱贫户 and 监测户 households in the latest poverty snapshot (一般农户 rows are not
-- poverty households), one row per ID number.
with

poverty as (

    select * from {{ ref('stg_poverty') }}

),

latest_snapshot as (

    {{ latest_snapshot_rows('poverty') }}

),

latest as (

    select * from latest_snapshot
    where
        id_number is not null
        and household_type in ('alleviated', 'monitored')

),

ranked as (

    select
        *,
        row_number() over (partition by id_number order by source_file, source_row) as id_rank
    from latest

)

select
    id_number,
    household_no,
    household_type,
    case household_type when 'alleviated' then '脱贫户' else coalesce(monitor_type, '监测户') end as poverty_type,
    is_risk_cleared
from ranked
where id_rank = 1
