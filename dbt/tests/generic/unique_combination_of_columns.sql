{#- Fails with the duplicated key values. To resolve: find the rows in the model with these
    key values and their source_file/source_row, and correct or remove the duplicate in the
    extract. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

keyed as (

    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select * from keyed
where n_rows > 1

{% endtest %}
