{#- Spark: the raw tables as Parquet tables in the metastore (dagster_project/spark.py writes
    the files: location/<table>/*.parquet). Run as the build's on-run-start hook: `dbt build
    --target spark --vars '{raw_parquet: {location: ..., tables: [...]}}'` (one Spark start, not
    two); without the var, or on DuckDB, it does nothing. -#}
{% macro register_raw_parquet() -%}
    {%- set given = var('raw_parquet', none) -%}
    {%- if execute and given and target.type == 'spark' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for table in given['tables'] -%}
            {%- set relation = 'raw.' ~ adapter.quote(table) -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- set location = given['location'] ~ '/' ~ table -%}
            {%- do run_query('create table ' ~ relation ~ " using parquet location '" ~ location ~ "'") -%}
            {%- if table in given.get('partitioned', []) -%}
                {#- the delivery folders the landing wrote: the metastore knows a partition once recovered -#}
                {%- do run_query('msck repair table ' ~ relation) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ log('registered ' ~ given['tables'] | length ~ ' raw tables from ' ~ given['location'], info=true) }}
    {%- endif -%}
{%- endmacro %}
