{#- Fails with each row (period × unit) whose counts differ from the sum of the rows under it
    (parent_level, parent_code), naming the column. The reporting tree (int_reporting_units)
    makes every unit the sum of its children; a failure means a count was taken at one level
    without going through at_reporting_levels(). To resolve: count the rows once per unit they
    belong to with at_reporting_levels() and leave the upper levels to the tree. -#}
{% test adds_up_to_parent(model, period_column, count_columns) %}

with

report_rows as (

    select * from {{ model }}

),

children as (

    select
        {{ period_column }},
        parent_level as level,
        parent_code as unit_code,
        {% for column in count_columns %}
            sum({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from report_rows
    where parent_code is not null
    group by {{ period_column }}, parent_level, parent_code

),

compared as (

    {% for column in count_columns %}
        select
            report_rows.{{ period_column }},
            report_rows.level,
            report_rows.unit_code,
            '{{ column }}' as column_name,
            report_rows.{{ column }} as unit_value,
            children.{{ column }} as children_sum
        from report_rows
        inner join children
            on
                report_rows.{{ period_column }} = children.{{ period_column }}
                and report_rows.level = children.level
                and report_rows.unit_code = children.unit_code
        where report_rows.{{ column }} != children.{{ column }}
        {{ 'union all' if not loop.last }}
    {% endfor %}

)

select * from compared

{% endtest %}
