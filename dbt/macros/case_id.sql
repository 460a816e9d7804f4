{#- Opaque case numbers (案件编号), e.g. 7K3MQ-9XDT4: a keyed hash of what identifies a case, so
    that the number is stable from run to run but cannot be turned back into the ID number
    without the county's key. The same computation in Python: casework/case_ids.py.

    The key is read from its file when the query runs (the file's path is all that compiled SQL,
    logs and the warehouse ever contain). Its path: KCBX_CASE_ID_KEY_FILE, by default
    case_id.key in the data folder (the raw folder's parent). The Dagster asset
    casework/case_id_key creates it before dbt runs; a model that uses the key declares
    -- depends_on: {{ source('raw', 'case_id_key') }} so that it runs after that asset. -#}

{% macro case_id_key_file() -%}
    {{ return(env_var('KCBX_CASE_ID_KEY_FILE', env_var('KCBX_RAW_DIR', '../data/raw') ~ '/../case_id.key')) }}
{%- endmacro %}

{#- A one-row relation with the column case_key. -#}
{% macro case_id_key() -%}
    {{ return(adapter.dispatch('case_id_key', 'kcbx')()) }}
{%- endmacro %}

{% macro default__case_id_key() -%}
    (select substr(value, 1, 64) as case_key from text.`{{ case_id_key_file() }}`)
{%- endmacro %}

{% macro duckdb__case_id_key() -%}
    (select substr(content, 1, 64) as case_key from read_text('{{ case_id_key_file() | replace("'", "''") }}'))
{%- endmacro %}

{#- The case number of the parts (text expressions) with the key expression: SHA-256 in the
    nested form of HMAC, truncated to 50 bits, ten Crockford base-32 characters as XXXXX-XXXXX. -#}
{% macro case_id(key, parts) -%}
    {%- set message = parts | join(" || '|' || ") -%}
    {%- set inner = sha2(key ~ " || ':' || " ~ message) -%}
    {%- set outer = sha2(key ~ " || ':' || " ~ inner) -%}
    {%- set n = "(" ~ hex_to_bigint("substr(" ~ outer ~ ", 1, 13)") ~ " % 1125899906842624)" -%}
    {%- set digits = [] -%}
    {%- for i in range(9, -1, -1) -%}
        {%- set _ = digits.append(
            "substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ', cast(floor(" ~ n ~ " / " ~ (32 ** i) ~ ") as bigint) % 32 + 1, 1)"
        ) -%}
    {%- endfor -%}
    ({{ digits[:5] | join(' || ') }} || '-' || {{ digits[5:] | join(' || ') }})
{%- endmacro %}
