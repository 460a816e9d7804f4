-- Records that could not be tied to one person: status records without a usable ID number
-- that match no household resident or several, and attendance for unknown student numbers.
with

identity as (

    select * from {{ ref('int_student_identity') }}

),

latest_status as (

    select * from {{ ref('int_student_status') }}

),

attendance_students as (

    select
        student_no,
        min(attendance_date) as first_date,
        count(*) as records
    from {{ ref('int_attendance_daily') }}
    group by student_no

),

status_issues as (

    select
        'student_status' as source,
        identity.student_no as record_key,
        identity.student_name as person_name,
        identity.birth_date_reported as birth_date,
        identity.match_method as reason,
        cast(identity.candidates as bigint) as candidates
    from identity
    where identity.match_method in ('ambiguous', 'unmatched')

),

attendance_issues as (

    select
        'attendance' as source,
        attendance_students.student_no as record_key,
        cast(null as varchar) as person_name,
        cast(null as date) as birth_date,
        'not_in_student_status' as reason,
        cast(attendance_students.records as bigint) as candidates
    from attendance_students
    where attendance_students.student_no not in (select latest_status.student_no from latest_status)

)

select * from status_issues
union all
select * from attendance_issues
