-- Residents of the latest household snapshot (status 正常) of compulsory-school age on the
-- age cutoff date of the as-of school year.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

residents as (

    select * from {{ ref('int_household_members') }}
    where person_status = 'normal'

),

aged as (

    select
        residents.*,
        as_of.as_of_date,
        cast({{ age_on('residents.birth_date', 'as_of.age_cutoff_date') }} as integer) as age
    from residents
    cross join as_of

)

select * from aged
where age between {{ var('compulsory_min_age') }} and {{ var('compulsory_max_age') }} - 1
