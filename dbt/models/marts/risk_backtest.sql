-- 风险分回测: the score on every past evaluation date T against who became a suspected dropout
-- within the next risk_horizon_days school days (int_risk_backtest), for all students and for
-- each key group, so that a group flagged far more often than its outcomes warrant shows up in
-- flag_rate_ratio against positive_rate.
with

backtest as (

    select * from {{ ref('int_risk_backtest') }}

),

key_groups as (

    select * from {{ ref('key_groups') }}

),

keyed as (

    select
        'all' as group_code,
        eval_date,
        score,
        tier,
        is_positive
    from backtest
    {%- for group_code in key_group_flags() %}

        union all

        select
            '{{ group_code }}' as group_code,
            eval_date,
            score,
            tier,
            is_positive
        from backtest
        where group_{{ group_code }} = 1
    {%- endfor %}

),

{{ backtest_metric_ctes('group_code') }},

overall as (

    select flag_rate as overall_flag_rate from metrics
    where group_code = 'all'

)

select
    key_groups.group_code,
    key_groups.group_name,
    cast(key_groups.sort_order as integer) as sort_order,
    cast(coalesce(metrics.evaluation_days, 0) as integer) as evaluation_days,
    cast(coalesce(metrics.student_days, 0) as bigint) as student_days,
    cast(coalesce(metrics.positives, 0) as bigint) as positives,
    cast(coalesce(metrics.flagged, 0) as bigint) as flagged,
    cast(coalesce(metrics.true_positives, 0) as bigint) as true_positives,
    metrics.precision,
    metrics.recall,
    metrics.auc,
    metrics.flag_rate,
    metrics.flag_rate / nullif(overall.overall_flag_rate, 0) as flag_rate_ratio,
    metrics.positive_rate,
    cast(coalesce(metrics.flagged_medium_or_high, 0) as bigint) as flagged_medium_or_high,
    metrics.recall_medium_or_high,
    cast({{ var('risk_horizon_days') }} as integer) as horizon_days,
    as_of.as_of_date
from key_groups
cross join overall
cross join {{ ref('int_as_of') }} as as_of
left join metrics on key_groups.group_code = metrics.group_code
