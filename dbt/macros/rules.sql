{#- Small rule helpers shared by the models. -#}

{#- Whole years of age on a date. -#}
{% macro age_on(birth_date, on_date) -%}
    (year({{ on_date }}) - year({{ birth_date }})
        - case
            when month({{ birth_date }}) > month({{ on_date }})
                or (month({{ birth_date }}) = month({{ on_date }}) and day({{ birth_date }}) > day({{ on_date }}))
                then 1
            else 0
        end)
{%- endmacro %}

{% macro parse_gender(expr) -%}
    case trim({{ expr }}) when '男' then 'M' when '1' then 'M' when '女' then 'F' when '2' then 'F' end
{%- endmacro %}

{% macro yes_no(expr) -%}
    coalesce(trim({{ expr }}) in ('是', '1', 'Y', 'y', '有'), false)
{%- endmacro %}

{#- School year Y runs from 1 September Y to 31 August Y+1. -#}
{% macro school_year_of(date_expr) -%}
    (case when month({{ date_expr }}) >= 9 then year({{ date_expr }}) else year({{ date_expr }}) - 1 end)
{%- endmacro %}

{#- The rows of a relation (with township_code and school_code) once for the county, once for
    their township and once for their school: the three reporting levels. -#}
{% macro at_reporting_levels(relation) -%}
    select
        {{ relation }}.*,
        'county' as level,
        county.unit_code
    from {{ relation }}
    cross join (select unit_code from {{ ref('int_reporting_units') }} where level = 'county') as county

    union all

    select
        {{ relation }}.*,
        'township' as level,
        {{ relation }}.township_code as unit_code
    from {{ relation }}
    where {{ relation }}.township_code is not null

    union all

    select
        {{ relation }}.*,
        'school' as level,
        {{ relation }}.school_code as unit_code
    from {{ relation }}
    where {{ relation }}.school_code is not null
{%- endmacro %}
