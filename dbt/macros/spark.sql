{#- Spark: the raw tables as Parquet tables in the metastore (dagster_project/spark.py writes
    the files: location/<table>/*.parquet). `dbt run-operation register_raw_parquet --target spark
    --args '{location: ..., tables: [...]}'`. -#}
{% macro register_raw_parquet(location, tables) -%}
    {%- do run_query('create database if not exists raw') -%}
    {%- for table in tables -%}
        {%- set relation = 'raw.' ~ adapter.quote(table) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query('create table ' ~ relation ~ " using parquet location '" ~ location ~ '/' ~ table ~ "'") -%}
    {%- endfor -%}
    {{ log('registered ' ~ tables | length ~ ' raw tables from ' ~ location, info=true) }}
{%- endmacro %}
