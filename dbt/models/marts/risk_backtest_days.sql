-- 风险分回测（按评分日）: the back-test's figures for all students on each past evaluation date T.
with

backtest as (

    select * from {{ ref('int_risk_backtest') }}

),

keyed as (

    select
        eval_date,
        score,
        tier,
        is_positive
    from backtest

),

{{ backtest_metric_ctes('eval_date') }}

select
    metrics.eval_date,
    cast(metrics.student_days as bigint) as student_days,
    cast(metrics.positives as bigint) as positives,
    cast(metrics.flagged as bigint) as flagged,
    cast(metrics.true_positives as bigint) as true_positives,
    metrics.precision,
    metrics.recall,
    metrics.auc,
    metrics.flag_rate,
    metrics.positive_rate,
    as_of.as_of_date
from metrics
cross join {{ ref('int_as_of') }} as as_of
