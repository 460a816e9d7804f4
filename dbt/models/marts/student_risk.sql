-- 学生风险名单: every 在读 student on the as-of date with the risk score, its tier, the reasons
-- in words and every factor's value and points (int_risk_scores, weights in seeds/risk_weights.csv).
with

scores as (

    select * from {{ ref('int_risk_scores') }}
    where is_as_of

),

schools as (

    select * from {{ ref('int_schools') }}

),

tiers as (

    select * from {{ ref('glossary') }}
    where domain = 'tier'

)

select
    scores.id_number,
    scores.student_no,
    scores.school_code,
    schools.school_name,
    scores.township_code,
    scores.grade,
    scores.score,
    scores.tier,
    tiers.label as tier_name,
    scores.reasons,
    {%- for factor in risk_factors() %}
        scores.{{ factor }},
        scores.{{ factor }}_points,
    {%- endfor %}
    scores.eval_date as as_of_date
from scores
left join schools on scores.school_code = schools.school_code
left join tiers on scores.tier = tiers.code
