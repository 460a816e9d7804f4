-- A school day is a date on which the county's attendance has records.
with

daily as (

    select * from {{ ref('int_attendance_daily') }}

),

days as (

    select distinct attendance_date from daily

)

select
    attendance_date,
    row_number() over (order by attendance_date) as school_day_number
from days
