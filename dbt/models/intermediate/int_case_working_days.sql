-- Every calendar date numbered by the working days up to and including it, for case-work
-- deadlines: "N working days after D" is the working day numbered working_day_number(D) + N.
with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

)

select
    calendar_date,
    is_working_day,
    sum(case when is_working_day then 1 else 0 end) over (
        order by calendar_date rows unbounded preceding
    ) as working_day_number
from calendar_days
