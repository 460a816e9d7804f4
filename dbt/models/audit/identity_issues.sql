-- Records that could not be tied to one person, or that the comparisons leave out because the
-- person is already counted: status records without a usable ID number that match no household
-- resident or several; a child registered twice in one snapshot (the record left out, with the
-- student number kept: int_student_records); attendance for unknown student numbers.
with

identity as (

    select * from {{ ref('int_student_identity') }}

),

records as (

    select * from {{ ref('int_student_records') }}

),

latest_status as (

    select * from {{ ref('int_student_status') }}

),

attendance_students as (

    select
        student_no,
        min(attendance_date) as first_date,
        count(*) as records,
        min(source_file) as source_file
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
        cast(identity.candidates as bigint) as candidates,
        cast(null as {{ dbt.type_string() }}) as related_key,
        identity.source_file,
        cast(identity.source_row as bigint) as source_row,
        '身份证件号' as column_name
    from identity
    where identity.match_method in ('ambiguous', 'unmatched')

),

duplicates as (

    -- the latest snapshot in which each student number was left out as a second registration
    select
        *,
        row_number() over (partition by student_no order by snapshot_date desc) as recency_rank,
        count(*) over (partition by snapshot_date, id_number) as registrations
    from records
    where kept_out_reason = 'duplicate_registration'

),

duplicate_issues as (

    select
        'student_status' as source,
        student_no as record_key,
        student_name as person_name,
        birth_date_reported as birth_date,
        'duplicate_registration' as reason,
        cast(registrations + 1 as bigint) as candidates,
        duplicate_of as related_key,
        source_file,
        cast(source_row as bigint) as source_row,
        '全国学籍号' as column_name
    from duplicates
    where recency_rank = 1

),

attendance_issues as (

    select
        'attendance' as source,
        attendance_students.student_no as record_key,
        cast(null as {{ dbt.type_string() }}) as person_name,
        cast(null as date) as birth_date,
        'not_in_student_status' as reason,
        cast(attendance_students.records as bigint) as candidates,
        cast(null as {{ dbt.type_string() }}) as related_key,
        attendance_students.source_file,
        cast(null as bigint) as source_row,
        '全国学籍号' as column_name
    from attendance_students
    where attendance_students.student_no not in (select latest_status.student_no from latest_status)

)

select * from status_issues
union all
select * from duplicate_issues
union all
select * from attendance_issues
