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

{#- On roll (有学籍): a student status of 在读 or 休学. Counts as a student, not out of school
    (shared/domain.md); every model asks this one macro. -#}
{% macro is_on_roll(status) -%}
    ({{ status }} in ('enrolled', 'suspended'))
{%- endmacro %}

{#- Which of a child's records of one snapshot speaks for the child: 在读, then 休学, then any other
    status (ascending). -#}
{% macro on_roll_rank(status) -%}
    case {{ status }} when 'enrolled' then 0 when 'suspended' then 1 else 2 end
{%- endmacro %}

{% macro parse_gender(expr) -%}
    case trim({{ expr }}) when '男' then 'M' when '1' then 'M' when '女' then 'F' when '2' then 'F' end
{%- endmacro %}

{% macro yes_no(expr) -%}
    coalesce(trim({{ expr }}) in ('是', '1', 'Y', 'y', '有'), false)
{%- endmacro %}

{#- The rows of an extract's latest snapshot (the largest snapshot_date): the household register
    and the poverty list are used as of their latest delivery only. -#}
{% macro latest_snapshot_rows(relation) -%}
    select {{ relation }}.*
    from {{ relation }}
    inner join (select max(snapshot_date) as snapshot_date from {{ relation }}) as latest_snapshot
        on {{ relation }}.snapshot_date = latest_snapshot.snapshot_date
{%- endmacro %}

{#- School year Y runs from 1 September Y to 31 August Y+1. -#}
{% macro school_year_of(date_expr) -%}
    (case when month({{ date_expr }}) >= 9 then year({{ date_expr }}) else year({{ date_expr }}) - 1 end)
{%- endmacro %}

{#- The rows of a relation (with township_code and school_code) once for each unit of the
    reporting tree they count in (int_reporting_units, int_reporting_paths): their leaf — their
    school, or, with no school, their township's no-school row (else the county's) — and every unit
    above it. A row counts in exactly one leaf, so every unit's count is the sum of its children's. -#}
{% macro at_reporting_levels(relation) -%}
    select
        {{ relation }}.*,
        paths.level,
        paths.unit_code
    from {{ relation }}
    cross join (select unit_code as county_code from {{ ref('int_reporting_units') }} where level = 'county') as reporting_county
    left join {{ ref('int_reporting_units') }} as leaf_school
        on leaf_school.level = 'school' and {{ relation }}.school_code = leaf_school.unit_code
    left join {{ ref('int_reporting_units') }} as leaf_township
        on
            leaf_township.level = 'no_school'
            and leaf_township.township_code is not null
            and {{ relation }}.township_code = leaf_township.unit_code
    inner join {{ ref('int_reporting_paths') }} as paths
        on
            paths.leaf_level = case when leaf_school.unit_code is not null then 'school' else 'no_school' end
            and paths.leaf_code = coalesce(leaf_school.unit_code, leaf_township.unit_code, reporting_county.county_code)
{%- endmacro %}
