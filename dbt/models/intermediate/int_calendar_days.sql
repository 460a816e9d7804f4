-- Every calendar date of the span the warehouse works in, with whether it is a working day:
-- Monday to Friday, except the State Council's public holidays, plus its make-up working days
-- (seed public_holidays). Deadlines in working days (case work) count these days; a year the
-- seed does not list yet counts Monday to Friday only (holidays_known = false).
-- The spine's end is exclusive, hence the day after calendar_end.
with

spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start') ~ "' as date)",
        dbt.dateadd('day', 1, "cast('" ~ var('calendar_end') ~ "' as date)")
    ) }}

),

public_holidays as (

    select * from {{ ref('public_holidays') }}

),

listed_years as (

    select distinct year(calendar_date) as calendar_year from public_holidays

),

days as (

    select
        cast(spine.date_day as date) as calendar_date,
        public_holidays.day_kind,
        public_holidays.holiday_name,
        listed_years.calendar_year is not null as holidays_known,
        {{ day_of_week_iso('spine.date_day') }} >= 6 as is_weekend
    from spine
    left join public_holidays on cast(spine.date_day as date) = public_holidays.calendar_date
    left join listed_years on year(cast(spine.date_day as date)) = listed_years.calendar_year

)

select
    calendar_date,
    is_weekend,
    coalesce(day_kind = 'holiday', false) as is_public_holiday,
    coalesce(day_kind = 'workday', false) as is_makeup_workday,
    holiday_name,
    holidays_known,
    (not is_weekend and coalesce(day_kind <> 'holiday', true)) or coalesce(day_kind = 'workday', false)
        as is_working_day
from days
