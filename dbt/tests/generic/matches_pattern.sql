{#- Every non-null value matches the (anchored) regular expression. -#}
{% test matches_pattern(model, column_name, pattern) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null and not {{ matches_regex(column_name, pattern) }}

{% endtest %}
