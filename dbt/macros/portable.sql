{#- The few engine-specific expressions, dispatched per adapter (duckdb now, spark later). -#}

{% macro matches_regex(expr, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'kcbx')(expr, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expr, pattern) -%}
    ({{ expr }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches_regex(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- A date from text in one of the contract's forms (2025-09-01, 2025/9/1, 20250901, an
    Excel serial number); null when it is none of them. -#}
{% macro parse_date(expr) -%}
    {{ return(adapter.dispatch('parse_date', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__parse_date(expr) -%}
    coalesce(
        try_to_timestamp({{ expr }}, 'yyyy-M-d'),
        try_to_timestamp({{ expr }}, 'yyyy/M/d'),
        try_to_timestamp({{ expr }}, 'yyyyMMdd'),
        case
            when {{ matches_regex(expr, '[0-9]{5}(\\.0+)?') }}
                then date_add(date '1899-12-30', cast(cast({{ expr }} as double) as int))
        end
    )::date
{%- endmacro %}

{% macro duckdb__parse_date(expr) -%}
    cast(coalesce(
        try_strptime({{ expr }}, '%Y-%m-%d'),
        try_strptime({{ expr }}, '%Y/%m/%d'),
        case when {{ matches_regex(expr, '[0-9]{8}') }} then try_strptime({{ expr }}, '%Y%m%d') end,
        case
            when {{ matches_regex(expr, '[0-9]{5}(\\.0+)?') }}
                then cast(date '1899-12-30' + cast(cast({{ expr }} as double) as integer) as timestamp)
        end
    ) as date)
{%- endmacro %}

{#- ISO day of the week: 1 = Monday … 7 = Sunday. -#}
{% macro day_of_week_iso(expr) -%}
    {{ return(adapter.dispatch('day_of_week_iso', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__day_of_week_iso(expr) -%}
    (weekday({{ expr }}) + 1)
{%- endmacro %}

{% macro duckdb__day_of_week_iso(expr) -%}
    isodow({{ expr }})
{%- endmacro %}

{#- SHA-256 of a text as 64 lower-case hex characters. -#}
{% macro sha2(expr) -%}
    {{ return(adapter.dispatch('sha2', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__sha2(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}

{% macro duckdb__sha2(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{#- A hexadecimal text (up to 15 digits) as a bigint. -#}
{% macro hex_to_bigint(expr) -%}
    {{ return(adapter.dispatch('hex_to_bigint', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__hex_to_bigint(expr) -%}
    cast(conv({{ expr }}, 16, 10) as bigint)
{%- endmacro %}

{% macro duckdb__hex_to_bigint(expr) -%}
    cast('0x' || {{ expr }} as bigint)
{%- endmacro %}

{#- The p-quantile (0 < p < 1) of a numeric expression, interpolated (an aggregate). -#}
{% macro percentile(expr, p) -%}
    {{ return(adapter.dispatch('percentile', 'kcbx')(expr, p)) }}
{%- endmacro %}

{% macro default__percentile(expr, p) -%}
    percentile({{ expr }}, {{ p }})
{%- endmacro %}

{% macro duckdb__percentile(expr, p) -%}
    quantile_cont({{ expr }}, {{ p }})
{%- endmacro %}

{#- A timestamp (UTC, without time zone) from nanoseconds since the epoch. -#}
{% macro timestamp_from_epoch_ns(expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_ns', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_ns(expr) -%}
    timestamp_micros(cast({{ expr }} / 1000 as bigint))
{%- endmacro %}

{% macro duckdb__timestamp_from_epoch_ns(expr) -%}
    make_timestamp(cast({{ expr }} // 1000 as bigint))
{%- endmacro %}
