-- One identity per student number: the normalised ID number of its latest status record (from
-- the ID column or a G number); otherwise the household-register resident with the same name,
-- birth date and sex, where exactly one exists. Names are compared normalised (inner and
-- full-width spaces, full-width characters, 〇/○/零, middle dots: macro normalized_name); the
-- method is recorded, name_birth_gender_normalised where only the normalised names agree.
with

status as (

    select * from {{ ref('stg_student_status') }}
    where student_no is not null

),

residents as (

    select * from {{ ref('int_household_members') }}

),

latest_record as (

    select
        *,
        row_number() over (partition by student_no order by snapshot_date desc, source_row asc) as recency_rank
    from status

),

students as (

    select
        *,
        {{ normalized_name('student_name') }} as name_key
    from latest_record
    where recency_rank = 1

),

resident_keys as (

    select
        {{ normalized_name('person_name') }} as name_key,
        birth_date,
        gender,
        count(*) as candidates,
        min(id_number) as id_number,
        min(person_name) as resident_name
    from residents
    group by {{ normalized_name('person_name') }}, birth_date, gender

),

name_matches as (

    -- only records without an ID number look for a resident (an equi-join: keeping the
    -- "no ID" condition out of the join lets the engine hash-join instead of looping)
    select
        students.student_no,
        resident_keys.candidates,
        resident_keys.id_number,
        resident_keys.resident_name
    from students
    inner join resident_keys
        on
            students.name_key = resident_keys.name_key
            and students.birth_date_reported = resident_keys.birth_date
            and students.gender = resident_keys.gender
    where students.id_number is null

),

matched as (

    select
        students.student_no,
        students.student_name,
        students.gender,
        students.birth_date_reported,
        coalesce(name_matches.candidates, 0) as candidates,
        case
            when students.id_number is not null then students.id_number
            when name_matches.candidates = 1 then name_matches.id_number
        end as id_number,
        case
            when students.id_number is not null and students.id_source = 'g_number' then 'g_number'
            when students.id_number is not null then 'id_number'
            when name_matches.candidates = 1 and students.student_name = name_matches.resident_name
                then 'name_birth_gender'
            when name_matches.candidates = 1 then 'name_birth_gender_normalised'
            when name_matches.candidates > 1 then 'ambiguous'
            else 'unmatched'
        end as match_method,
        students.source_file,
        students.source_row
    from students
    left join name_matches on students.student_no = name_matches.student_no

)

select * from matched
