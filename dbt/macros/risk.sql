{#- Risk indicators and the risk score: shared by the risk marts and the back-test. -#}

{#- The key groups (重点群体) as boolean expressions over a student-status record (alias
    `status`), its poverty-household row (alias `poverty`) and the county code (`county_code`).
    The codes match dbt/seeds/key_groups.csv; 低保/特困 and the 特殊群体 tags come from the
    status extract's 特殊群体 column. -#}
{% macro key_group_flags() -%}
    {{ return({
        'poverty': "coalesce(poverty.household_type = 'alleviated', false)",
        'monitored': "coalesce(poverty.household_type = 'monitored', false)",
        'low_income': "coalesce(status.special_groups like '%低保%' or status.special_groups like '%特困%', false)",
        'disabled': "coalesce(status.disability_type is not null, false)",
        'left_behind': "coalesce(status.is_left_behind, false)",
        'single_parent': "coalesce(status.special_groups like '%单亲%', false)",
        'reconstituted': "coalesce(status.special_groups like '%重组%', false)",
        'in_difficulty': "coalesce(status.special_groups like '%困境%', false)",
        'orphan': "coalesce(status.is_orphan, false)",
        'struggling': "coalesce(status.special_groups like '%学困%', false)",
        'offence': "coalesce(status.special_groups like '%违法%' or status.special_groups like '%犯罪%', false)",
        'migrant': "coalesce(substr(status.hukou_area_code, 1, 6) != county_code, status.is_migrant_reported, false)",
    }) }}
{%- endmacro %}

{#- The score's factors: columns of int_risk_features, weighted by dbt/seeds/risk_weights.csv. -#}
{% macro risk_factors() -%}
    {% set factors = [
        'recent_unexcused', 'unexcused_streak', 'absence_trend', 'long_leaves', 'key_grade', 'rural_school'
    ] %}
    {% for group_code in key_group_flags() %}{% do factors.append('group_' ~ group_code) %}{% endfor %}
    {{ return(factors) }}
{%- endmacro %}

{#- Chronic absence: absent (for any reason) on at least chronic_absence_share of the enrolled
    school days, with at least chronic_absence_min_days enrolled days. -#}
{% macro is_chronic_absent(absent_days, enrolled_days) -%}
    ({{ enrolled_days }} >= {{ var('chronic_absence_min_days') }}
        and {{ absent_days }} >= {{ enrolled_days }} * cast({{ var('chronic_absence_share') }} as decimal(9, 4)))
{%- endmacro %}

{#- A share as a double, null when the denominator is zero. -#}
{% macro safe_rate(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- The CTEs of a risk mart (continue a `with`): `children` has one row per child (see
    int_risk_children), `keyed` one row per child and key, `all_keys` every key. Measures for
    the county and each township × every key (zeros where nobody), rates, and ratios to the
    county-wide rates of all children. -#}
{% macro risk_indicator_ctes(key_columns) -%}

units as (

    select level, unit_code, unit_name
    from {{ ref('int_reporting_units') }}
    where level in ('county', 'township')

),

keyed_at_levels as (

    select
        keyed.*,
        units.level,
        units.unit_code
    from keyed
    inner join units on units.level = 'county'

    union all

    select
        keyed.*,
        units.level,
        units.unit_code
    from keyed
    -- a county-run school's students count for the county only (the reporting tree)
    inner join units
        on
            units.level = 'township'
            and keyed.township_code = units.unit_code
            and not coalesce(keyed.is_county_run_school, false)

),

measured as (

    select
        level,
        unit_code,
        {{ key_columns | join(', ') }},
        {{ risk_measures() }}
    from keyed_at_levels
    group by level, unit_code, {{ key_columns | join(', ') }}

),

county_measured as (

    select {{ risk_measures() }}
    from children

),

county_rates as (

    select {{ risk_rates('county_measured') }}
    from county_measured

),

grid as (

    select
        units.level,
        units.unit_code,
        units.unit_name,
        all_keys.*,
        coalesce(measured.students, 0) as students,
        coalesce(measured.out_of_school, 0) as out_of_school,
        coalesce(measured.cases, 0) as cases,
        coalesce(measured.enrolled_days, 0) as enrolled_days,
        coalesce(measured.absent_days, 0) as absent_days,
        coalesce(measured.chronic_eligible, 0) as chronic_eligible,
        coalesce(measured.chronic_absent, 0) as chronic_absent
    from units
    cross join all_keys
    left join measured
        on
            units.level = measured.level
            and units.unit_code = measured.unit_code
    {%- for key in key_columns %}
            and all_keys.{{ key }} = measured.{{ key }}
    {%- endfor %}

),

rated as (

    select
        grid.*,
        {{ risk_rates('grid') }}
    from grid

),

indicators as (

    select
        rated.*,
        rated.case_rate / nullif(county_rates.case_rate, 0) as ratio_to_county,
        rated.absence_rate / nullif(county_rates.absence_rate, 0) as absence_ratio_to_county,
        rated.chronic_absence_rate / nullif(county_rates.chronic_absence_rate, 0) as chronic_ratio_to_county,
        rated.students + rated.out_of_school < {{ var('small_denominator') }} as small_denominator,
        as_of.as_of_date
    from rated
    cross join county_rates
    cross join {{ ref('int_as_of') }} as as_of

)

{%- endmacro %}

{#- The measures of a group of rows of int_risk_children. -#}
{% macro risk_measures() -%}
    count(case when is_student then 1 end) as students,
    count(case when not is_student then 1 end) as out_of_school,
    count(case when is_case then 1 end) as cases,
    coalesce(sum(enrolled_days), 0) as enrolled_days,
    coalesce(sum(absent_days), 0) as absent_days,
    count(case when enrolled_days >= {{ var('chronic_absence_min_days') }} then 1 end) as chronic_eligible,
    count(case when {{ is_chronic_absent('absent_days', 'enrolled_days') }} then 1 end) as chronic_absent
{%- endmacro %}

{#- The rates of the measures of `relation`. -#}
{% macro risk_rates(relation) -%}
    {{ safe_rate(relation ~ '.cases', relation ~ '.students + ' ~ relation ~ '.out_of_school') }} as case_rate,
    {{ safe_rate(relation ~ '.absent_days', relation ~ '.enrolled_days') }} as absence_rate,
    {{ safe_rate(relation ~ '.chronic_absent', relation ~ '.chronic_eligible') }} as chronic_absence_rate
{%- endmacro %}

{#- The measure columns every risk mart publishes, in order, after its key columns. -#}
{% macro risk_indicator_columns() -%}
    cast(indicators.students as bigint) as students,
    cast(indicators.out_of_school as bigint) as out_of_school,
    cast(indicators.students + indicators.out_of_school as bigint) as children,
    cast(indicators.cases as bigint) as cases,
    indicators.case_rate,
    cast(indicators.enrolled_days as bigint) as enrolled_days,
    cast(indicators.absent_days as bigint) as absent_days,
    indicators.absence_rate,
    cast(indicators.chronic_eligible as bigint) as chronic_eligible,
    cast(indicators.chronic_absent as bigint) as chronic_absent,
    indicators.chronic_absence_rate,
    indicators.ratio_to_county,
    indicators.absence_ratio_to_county,
    indicators.chronic_ratio_to_county,
    indicators.small_denominator,
    indicators.as_of_date
{%- endmacro %}

{#- The CTEs of a back-test mart (continue a `with`): `keyed` has one row per student-day and
    key (columns key, eval_date, score, tier, is_positive). Precision and recall of the high tier
    (and of high + medium), the flag rate, and the AUC by the Mann–Whitney rank formula (tied
    scores get their average rank). -#}
{% macro backtest_metric_ctes(key) -%}

ranked as (

    select
        keyed.*,
        rank() over (partition by keyed.{{ key }} order by keyed.score) as low_rank,
        count(*) over (partition by keyed.{{ key }}, keyed.score) as tied
    from keyed

),

counted as (

    select
        {{ key }},
        count(distinct eval_date) as evaluation_days,
        count(*) as student_days,
        count(case when is_positive then 1 end) as positives,
        count(case when tier = 'high' then 1 end) as flagged,
        count(case when tier = 'high' and is_positive then 1 end) as true_positives,
        count(case when tier in ('high', 'medium') then 1 end) as flagged_medium_or_high,
        count(case when tier in ('high', 'medium') and is_positive then 1 end) as true_positives_medium_or_high,
        sum(case when is_positive then low_rank + (tied - 1) / 2.0 end) as positive_rank_sum
    from ranked
    group by {{ key }}

),

metrics as (

    select
        counted.*,
        {{ safe_rate('true_positives', 'flagged') }} as precision,
        {{ safe_rate('true_positives', 'positives') }} as recall,
        {{ safe_rate('true_positives_medium_or_high', 'positives') }} as recall_medium_or_high,
        {{ safe_rate('flagged', 'student_days') }} as flag_rate,
        {{ safe_rate('positives', 'student_days') }} as positive_rate,
        (cast(positive_rank_sum as double) - positives * (positives + 1) / 2.0)
        / nullif(cast(positives as double) * (student_days - positives), 0) as auc
    from counted

)

{%- endmacro %}

{#- The window frame of a student's last n roster days, the current one included (n ≥ 1). -#}
{% macro last_days_frame(n) -%}
    rows between {{ [(n | int) - 1, 0] | max }} preceding and current row
{%- endmacro %}
