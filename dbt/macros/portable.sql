{#- The few engine-specific expressions, dispatched per adapter: duckdb__ for DuckDB, default__
    for Spark (and any engine with Spark's / Hive's dialect). Models and other macros hold no
    engine-specific SQL: tests/unit/test_portable_sql.py fails on it outside dispatched macros. -#}

{#- True when the whole text matches the pattern (never a substring): DuckDB's
    regexp_full_match; elsewhere rlike anchored at both ends of the input (\z: Java's $ would
    also match before a final line break). The pattern is written once, as the regex engine
    reads it; Spark's string literals take backslashes as escapes, so they are doubled. -#}
{% macro matches_regex(expr, pattern) -%}
    {{ return(adapter.dispatch('matches_regex', 'kcbx')(expr, pattern)) }}
{%- endmacro %}

{% macro default__matches_regex(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})\\z')
{%- endmacro %}

{% macro duckdb__matches_regex(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- A date from text in one of the contract's forms (2025-09-01, 2025/9/1, 20250901, an
    Excel serial number); null when it is none of them. -#}
{% macro parse_date(expr) -%}
    {{ return(adapter.dispatch('parse_date', 'kcbx')(expr)) }}
{%- endmacro %}

{#- The form is chosen by its pattern and the text parsed once: a failed parse costs Spark an
    exception, and trying every format in turn made one staging model 5 times slower. An
    impossible date (2025-02-30) is null (spark.sql.legacy.timeParserPolicy=CORRECTED in the
    spark target). -#}
{% macro default__parse_date(expr) -%}
    case
        when {{ matches_regex(expr, '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}') }}
            then to_date({{ expr }}, 'yyyy-M-d')
        when {{ matches_regex(expr, '[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}') }}
            then to_date({{ expr }}, 'yyyy/M/d')
        when {{ matches_regex(expr, '[0-9]{8}') }}
            then to_date({{ expr }}, 'yyyyMMdd')
        when {{ matches_regex(expr, '[0-9]{5}(\\.0+)?') }}
            then date_add(date '1899-12-30', cast(cast({{ expr }} as double) as int))
    end
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

{#- The date the run stands on (a birth or attendance date after it is in the future): the var
    run_date, by default the day the run started, in the time zone of the machine running dbt
    (not the engine's session time zone, which differs between engines and clusters). -#}
{% macro run_date() -%}
    cast('{{ var("run_date") or modules.datetime.date.today().isoformat() }}' as date)
{%- endmacro %}

{#- The texts of expr in a group, joined by delimiter in the order of order_by (a list of
    "expression" or "expression desc"): dbt.listagg keeps the order on DuckDB but drops it on
    Spark, so Spark sorts the collected values itself. -#}
{% macro ordered_listagg(expr, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg', 'kcbx')(expr, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(expr, delimiter, order_by) -%}
    {%- set fields = ["'v', " ~ expr] -%}
    {%- set comparisons = [] -%}
    {%- for key in order_by -%}
        {%- set descending = key.strip().lower().endswith(' desc') -%}
        {%- set key_expr = key.strip()[:-5] if descending else key -%}
        {%- set _ = fields.append("'k" ~ loop.index ~ "', " ~ key_expr) -%}
        {%- set before, after = ('>', '<') if descending else ('<', '>') -%}
        {%- set _ = comparisons.append(
            'when l.k' ~ loop.index ~ ' ' ~ before ~ ' r.k' ~ loop.index ~ ' then -1 '
            ~ 'when l.k' ~ loop.index ~ ' ' ~ after ~ ' r.k' ~ loop.index ~ ' then 1'
        ) -%}
    {%- endfor -%}
    array_join(transform(
        array_sort(
            collect_list(named_struct({{ fields | join(', ') }})),
            (l, r) -> case {{ comparisons | join(' ') }} else 0 end
        ),
        x -> x.v
    ), {{ delimiter }})
{%- endmacro %}

{% macro duckdb__ordered_listagg(expr, delimiter, order_by) -%}
    {{ dbt.listagg(expr, delimiter, 'order by ' ~ order_by | join(', ')) }}
{%- endmacro %}

{#- A one-character text literal of a Unicode code point (the same on every engine; DuckDB's
    chr takes a code point, Spark's a byte). -#}
{% macro char_literal(code_point) -%}
    '{{ "%c" | format(code_point) }}'
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

{#- A timestamp (UTC, without time zone) from nanoseconds since the epoch: integer division (a
    double loses the last microsecond of today's nanoseconds). -#}
{% macro timestamp_from_epoch_ns(expr) -%}
    {{ return(adapter.dispatch('timestamp_from_epoch_ns', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro default__timestamp_from_epoch_ns(expr) -%}
    timestamp_micros({{ expr }} div 1000)
{%- endmacro %}

{% macro duckdb__timestamp_from_epoch_ns(expr) -%}
    make_timestamp(cast({{ expr }} // 1000 as bigint))
{%- endmacro %}
