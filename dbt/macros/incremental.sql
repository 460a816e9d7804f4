{#- Incremental models: the rows landed since the last build, and the rows the last build kept.
    On a first or full build both fall back to "everything" and "nothing". -#}

{% macro landed_since_last_build(column) -%}
    {%- if is_incremental() -%}
        {{ column }} > (select max({{ column }}) from {{ this }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro last_build(empty_like) -%}
    {%- if is_incremental() -%}
        {{ this }}
    {%- else -%}
        (select * from {{ empty_like }} where false)
    {%- endif -%}
{%- endmacro %}

{#- The materialization of a model kept up to date by unique_key (config(**keyed_incremental())):
    on DuckDB incremental, the rows of a key replaced (delete+insert); on Spark's plain Parquet
    tables no strategy replaces rows by key (delete+insert and merge need Delta or Iceberg), so
    the model is rebuilt whole every run, which yields the same rows as the incremental build
    ("a later delivery corrects an earlier one" is decided over every delivery). -#}
{% macro keyed_incremental() -%}
    {{ return(adapter.dispatch('keyed_incremental', 'kcbx')()) }}
{%- endmacro %}

{% macro default__keyed_incremental() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro duckdb__keyed_incremental() -%}
    {{ return({'materialized': 'incremental', 'incremental_strategy': 'delete+insert'}) }}
{%- endmacro %}
