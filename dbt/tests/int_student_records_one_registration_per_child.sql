-- Fails with each ID number that holds more than one kept 在读/休学 record in one snapshot: a
-- child is registered once (int_student_records keeps the best-identified record and lists the
-- others as duplicate_registration). A singular test because the on-roll rule is a macro
-- (is_on_roll), which a generic test's where configuration cannot call. To resolve: compare the
-- duplicate_registration ranking in int_student_records.sql with the records of that ID number.
with

kept as (

    select
        snapshot_date,
        id_number,
        count(*) as n_rows
    from {{ ref('int_student_records') }}
    where kept_out_reason is null and {{ is_on_roll('status') }} and id_number is not null
    group by snapshot_date, id_number

)

select * from kept
where n_rows > 1
