{#- Custom schemas are used as-is (staging, intermediate, marts, audit, seeds): the schema
    names are part of the published contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
