-- Every calendar date of the span the warehouse works in, with whether it is a working day and
-- whether it is a school day of the county.
-- Working day: Monday to Friday, except the State Council's public holidays, plus its make-up
-- working days (seed public_holidays). Deadlines in working days (case work) count these days; a
-- year the seed does not list yet counts Monday to Friday only (holidays_known = false).
-- School day: the county's calendar (reference/校历*.csv, stg_calendar) decides. Inside a term
-- the working days are school days; a 放假 row takes days off, a 上课 row (a make-up class day)
-- puts them on, whatever the weekday (for one date, the later delivered row wins). The county's
-- terms replace the default terms (var school_terms) for every school year they start in.
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

county_rows as (

    -- rows with unusable dates or kinds are in audit.quarantine
    select * from {{ ref('stg_calendar') }}
    where row_issue is null

),

listed_years as (

    select distinct year(calendar_date) as calendar_year from public_holidays

),

dates as (

    select
        cast(spine.date_day as date) as calendar_date,
        {{ school_year_of('cast(spine.date_day as date)') }} as school_year
    from spine

),

days as (

    select
        dates.calendar_date,
        dates.school_year,
        public_holidays.day_kind,
        public_holidays.holiday_name,
        listed_years.calendar_year is not null as holidays_known,
        {{ day_of_week_iso('dates.calendar_date') }} >= 6 as is_weekend
    from dates
    left join public_holidays on dates.calendar_date = public_holidays.calendar_date
    left join listed_years on year(dates.calendar_date) = listed_years.calendar_year

),

working_days as (

    select
        calendar_date,
        school_year,
        is_weekend,
        coalesce(day_kind = 'holiday', false) as is_public_holiday,
        coalesce(day_kind = 'workday', false) as is_makeup_workday,
        holiday_name,
        holidays_known,
        (not is_weekend and coalesce(day_kind <> 'holiday', true)) or coalesce(day_kind = 'workday', false)
            as is_working_day
    from days

),

county_terms as (

    select
        {{ school_year_of('start_date') }} as school_year,
        start_date,
        end_date,
        coalesce(calendar_name, '学期') as term_name
    from county_rows
    where day_kind = 'term'

),

county_term_years as (

    select distinct school_year from county_terms

),

in_county_term as (

    select
        working_days.calendar_date,
        min(county_terms.term_name) as term_name
    from working_days
    inner join county_terms
        on working_days.calendar_date between county_terms.start_date and county_terms.end_date
    group by working_days.calendar_date

),

county_day_rows as (

    -- 放假 and 上课 rows, one per date: the later delivered (then the later row) wins
    select
        working_days.calendar_date,
        county_rows.day_kind,
        county_rows.calendar_name,
        row_number() over (
            partition by working_days.calendar_date
            order by county_rows.delivery_seq desc, county_rows.source_file desc, county_rows.source_row desc
        ) as row_rank
    from working_days
    inner join county_rows
        on working_days.calendar_date between county_rows.start_date and county_rows.end_date
    where county_rows.day_kind in ('holiday', 'school_day')

),

default_term_dates as (

    {#- var school_terms: a list of {name, start: MM-DD, end: MM-DD}; an empty list leaves only
        the county's terms -#}
    {%- set terms = var('school_terms') | select('mapping') | list %}
    {%- for term in terms %}
        {%- set start_month, start_day = term['start'].split('-') | map('int') | list %}
        {%- set end_month, end_day = term['end'].split('-') | map('int') | list %}
        select
            '{{ term['name'] }}' as term_name,
            {{ start_month }} as start_month,
            {{ start_day }} as start_day,
            {{ end_month }} as end_month,
            {{ end_day }} as end_day
        union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as term_name,
        9 as start_month,
        1 as start_day,
        8 as end_month,
        31 as end_day
    where false

),

default_terms as (

    -- months before September belong to the school year's second calendar year
    select
        working_days.calendar_date,
        min(default_term_dates.term_name) as term_name
    from working_days
    inner join default_term_dates
        on
            working_days.calendar_date
            between make_date(
                working_days.school_year + case when default_term_dates.start_month >= 9 then 0 else 1 end,
                default_term_dates.start_month,
                default_term_dates.start_day
            )
            and make_date(
                working_days.school_year + case when default_term_dates.end_month >= 9 then 0 else 1 end,
                default_term_dates.end_month,
                default_term_dates.end_day
            )
    group by working_days.calendar_date

),

school_calendar as (

    select
        working_days.*,
        county_term_years.school_year is not null or county_day.calendar_date is not null as is_county_calendar,
        case
            when county_term_years.school_year is not null then in_county_term.term_name
            else default_terms.term_name
        end as term_name,
        county_day.day_kind as county_day_kind,
        county_day.calendar_name as county_day_name
    from working_days
    left join county_term_years on working_days.school_year = county_term_years.school_year
    left join in_county_term on working_days.calendar_date = in_county_term.calendar_date
    left join default_terms on working_days.calendar_date = default_terms.calendar_date
    left join county_day_rows as county_day
        on working_days.calendar_date = county_day.calendar_date and county_day.row_rank = 1

),

classified as (

    select
        *,
        case
            when county_day_kind = 'school_day' then 'school_day'
            when county_day_kind = 'holiday' then 'county_holiday'
            when term_name is null then 'outside_term'
            when is_working_day then 'school_day'
            when is_public_holiday then 'public_holiday'
            else 'weekend'
        end as school_day_kind
    from school_calendar

)

select
    calendar_date,
    is_weekend,
    is_public_holiday,
    is_makeup_workday,
    holiday_name,
    holidays_known,
    is_working_day,
    school_year,
    term_name,
    school_day_kind,
    school_day_kind = 'school_day' as is_school_day,
    coalesce(county_day_name, case when school_day_kind = 'public_holiday' then holiday_name end, term_name)
        as school_day_note,
    case when is_county_calendar then 'county' else 'default' end as school_calendar_source
from classified
