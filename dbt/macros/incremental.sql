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
