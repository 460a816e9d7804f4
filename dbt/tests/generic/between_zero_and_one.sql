{#- Fails with the rows whose rate or share lies outside [0, 1] (nulls pass: an empty
    denominator). To resolve: the numerator counts something the denominator does not (a case,
    an absent day or a flagged student outside the population); compare the two counts' filters
    in the model and make the numerator a subset of the denominator. -#}
{% test between_zero_and_one(model, column_name) %}

select * from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1

{% endtest %}
