-- 重点群体风险指标: each key group (and all children) for the county and each township.
with

children as (

    select * from {{ ref('int_risk_children') }}

),

all_keys as (

    select
        group_code,
        group_name,
        sort_order
    from {{ ref('key_groups') }}

),

keyed as (

    select
        children.*,
        'all' as group_code
    from children
    {%- for group_code in key_group_flags() %}

        union all

        select
            children.*,
            '{{ group_code }}' as group_code
        from children
        where children.is_{{ group_code }}
    {%- endfor %}

),

{{ risk_indicator_ctes(['group_code']) }}

select
    indicators.level,
    indicators.unit_code,
    indicators.unit_name,
    indicators.group_code,
    indicators.group_name,
    cast(indicators.sort_order as integer) as sort_order,
    {{ risk_indicator_columns() }}
from indicators
