-- 小升初整班移交: every grade-6 student (在读) of the previous school year's last snapshot, and
-- whether they registered in a grade 7 this school year, transferred out, or are missing.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

status as (

    select
        *,
        {{ school_year_of('snapshot_date') }} as school_year,
        coalesce(id_number, student_no) as child_key
    from {{ ref('int_student_status') }}

),

previous_last as (

    select max(status.snapshot_date) as snapshot_date
    from status
    cross join as_of
    where status.school_year = as_of.school_year - 1

),

sixth_graders as (

    select status.*
    from status
    inner join previous_last on status.snapshot_date = previous_last.snapshot_date
    where status.status = 'enrolled' and status.grade = 6

),

this_year as (

    select status.*
    from status
    cross join as_of
    where status.school_year = as_of.school_year and status.snapshot_date <= as_of.as_of_date

),

registered as (

    select
        child_key,
        min(school_code) as grade_7_school_code
    from this_year
    where grade = 7 and {{ is_on_roll('status') }}
    group by child_key

),

transferred as (

    select distinct child_key from this_year
    where status = 'transferred_out'

)

select
    sixth_graders.id_number,
    sixth_graders.student_no,
    sixth_graders.student_name,
    sixth_graders.school_code,
    sixth_graders.township_code,
    case
        when registered.child_key is not null then 'registered_grade_7'
        when transferred.child_key is not null then 'transferred'
        else 'missing'
    end as outcome,
    registered.grade_7_school_code,
    cast(as_of.school_year as integer) as school_year
from sixth_graders
cross join as_of
left join registered on sixth_graders.child_key = registered.child_key
left join transferred on sixth_graders.child_key = transferred.child_key
