-- The dates the risk score is computed for: the as-of date (marts.student_risk) and, for the
-- back-test, every Nth past school day T with a full look-back window before it and a full
-- horizon after it, counted back from the as-of date (vars risk_backtest_every_n_days,
-- risk_recent_days, risk_horizon_days).
with

school_days as (

    select * from {{ ref('int_school_days') }}

),

as_of as (

    select
        as_of.as_of_date,
        max(school_days.school_day_number) as as_of_day_number
    from {{ ref('int_as_of') }} as as_of
    inner join school_days on as_of.as_of_date >= school_days.attendance_date
    group by as_of.as_of_date

),

backtest_days as (

    select
        school_days.attendance_date as eval_date,
        school_days.school_day_number,
        false as is_as_of
    from school_days
    cross join as_of
    where
        school_days.school_day_number <= as_of.as_of_day_number - {{ var('risk_horizon_days') }}
        and school_days.school_day_number >= {{ var('risk_recent_days') }}
        and mod(
            as_of.as_of_day_number - {{ var('risk_horizon_days') }} - school_days.school_day_number,
            {{ var('risk_backtest_every_n_days') }}
        ) = 0

)

select
    as_of_date as eval_date,
    as_of_day_number as school_day_number,
    true as is_as_of
from as_of

union all

select * from backtest_days
