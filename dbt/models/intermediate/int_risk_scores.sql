-- The risk score per student and evaluation date: each factor of int_risk_features scores the
-- points of the highest threshold it reaches in dbt/seeds/risk_weights.csv; the score is the
-- sum, capped at 100; the tier follows vars risk_high_score / risk_medium_score; the reasons
-- are the scoring factors' Chinese texts, the weightiest first.
with

features as (

    select * from {{ ref('int_risk_features') }}

),

weights as (

    select * from {{ ref('risk_weights') }}

),

factor_values as (

    {% for factor in risk_factors() %}
        select
            student_no,
            eval_date,
            '{{ factor }}' as factor,
            {{ factor }} as factor_value
        from features
        where {{ factor }} > 0
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

matched as (

    select
        factor_values.*,
        weights.points,
        replace(weights.reason, '{value}', cast(factor_values.factor_value as {{ dbt.type_string() }})) as reason,
        row_number() over (
            partition by factor_values.student_no, factor_values.eval_date, factor_values.factor
            order by weights.threshold desc
        ) as threshold_rank
    from factor_values
    inner join weights
        on
            factor_values.factor = weights.factor
            and factor_values.factor_value >= weights.threshold

),

scored as (

    select
        student_no,
        eval_date,
        least(100, sum(points)) as score,
        {{ ordered_listagg('reason', "'；'", ['points desc', 'factor']) }} as reasons,
    {%- for factor in risk_factors() %}
        coalesce(sum(case when factor = '{{ factor }}' then points end), 0) as {{ factor }}_points
        {{- ',' if not loop.last }}
    {%- endfor %}
    from matched
    where threshold_rank = 1
    group by student_no, eval_date

)

select
    features.*,
    cast(coalesce(scored.score, 0) as integer) as score,
    case
        when coalesce(scored.score, 0) >= {{ var('risk_high_score') }} then 'high'
        when coalesce(scored.score, 0) >= {{ var('risk_medium_score') }} then 'medium'
        else 'low'
    end as tier,
    coalesce(scored.reasons, '') as reasons,
{%- for factor in risk_factors() %}
    cast(coalesce(scored.{{ factor }}_points, 0) as integer) as {{ factor }}_points
    {{- ',' if not loop.last }}
{%- endfor %}
from features
left join scored
    on
        features.student_no = scored.student_no
        and features.eval_date = scored.eval_date
