{#- 公民身份号码 (GB 11643-1999). Three steps, each a column in staging:
    clean_id_text → id_number_issue → normalized_id_number. -#}

{#- Full-width digits and X, lower-case x, spaces (also ideographic) removed; '' becomes null. -#}
{% macro clean_id_text(expr) -%}
    {%- set half_width = "translate(trim(" ~ expr ~ "), '０１２３４５６７８９Ｘｘ', '0123456789XX')" -%}
    nullif(upper(replace(replace({{ half_width }}, ' ', ''), '　', '')), '')
{%- endmacro %}

{#- ISO 7064 MOD 11-2 check character of the first 17 digits of an expression. -#}
{% macro id_check_char(expr) -%}
    {{ return(adapter.dispatch('id_check_char', 'kcbx')(expr)) }}
{%- endmacro %}

{% macro id_check_weights() -%}
    {{ return([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]) }}
{%- endmacro %}

{#- Spark: one fold over the 17 positions. The sum written out (DuckDB's form below), repeated
    inside the staging expressions, makes Spark give up whole-stage code generation. -#}
{% macro default__id_check_char(expr) -%}
    substr('10X98765432', cast(aggregate(
        sequence(1, 17), 0,
        (total, i) -> total
            + element_at(array({{ id_check_weights() | join(', ') }}), i)
            * (instr('0123456789', substr({{ expr }}, i, 1)) - 1)
    ) % 11 as integer) + 1, 1)
{%- endmacro %}

{% macro duckdb__id_check_char(expr) -%}
    {%- set terms = [] -%}
    {%- for w in id_check_weights() -%}
        {%- set _ = terms.append(w ~ " * (instr('0123456789', substr(" ~ expr ~ ", " ~ loop.index ~ ", 1)) - 1)") -%}
    {%- endfor -%}
    substr('10X98765432', cast(({{ terms | join(' + ') }}) % 11 as integer) + 1, 1)
{%- endmacro %}

{#- The 18-digit form of a 15-digit number (births in the 1900s). -#}
{% macro id_from_15(expr) -%}
    (substr({{ expr }}, 1, 6) || '19' || substr({{ expr }}, 7, 9))
{%- endmacro %}

{#- ok, converted_15 (usable); missing, bad_format, bad_check_digit, bad_birth_date (quarantined). -#}
{% macro id_number_issue(cleaned) -%}
    case
        when {{ cleaned }} is null then 'missing'
        when {{ matches_regex(cleaned, '[0-9]{17}[0-9X]') }} then
            case
                when substr({{ cleaned }}, 18, 1) != {{ id_check_char(cleaned) }} then 'bad_check_digit'
                when coalesce({{ parse_date('substr(' ~ cleaned ~ ', 7, 8)') }} > {{ run_date() }}, true)
                    then 'bad_birth_date'
                else 'ok'
            end
        when {{ matches_regex(cleaned, '[0-9]{15}') }} then
            case
                when {{ parse_date("'19' || substr(" ~ cleaned ~ ", 7, 6)") }} is null then 'bad_birth_date'
                else 'converted_15'
            end
        else 'bad_format'
    end
{%- endmacro %}

{% macro normalized_id_number(cleaned, issue) -%}
    case
        when {{ issue }} = 'ok' then {{ cleaned }}
        when {{ issue }} = 'converted_15'
            then {{ id_from_15(cleaned) }} || {{ id_check_char(id_from_15(cleaned)) }}
    end
{%- endmacro %}

{#- All columns of a relation plus id_text, id_number_issue and id_number for one ID column:
    the staging models' one way to normalise an ID number. -#}
{% macro select_with_id_number(relation, id_expr) -%}
    select
        classified.*,
        {{ normalized_id_number('classified.id_text', 'classified.id_number_issue') }} as id_number
    from (
        select
            cleaned.*,
            {{ id_number_issue('cleaned.id_text') }} as id_number_issue
        from (
            select
                {{ relation }}.*,
                {{ clean_id_text(id_expr) }} as id_text
            from {{ relation }}
        ) as cleaned
    ) as classified
{%- endmacro %}
