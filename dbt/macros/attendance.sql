{#- The student-days to which one file gives different statuses (attendance codes): none of their
    rows is used (int_attendance_daily) and each is quarantined (int_attendance_conflicts). -#}
{% macro conflicting_student_days(relation) -%}
    select
        source_file,
        student_no,
        attendance_date
    from {{ relation }}
    group by source_file, student_no, attendance_date
    having count(distinct attendance_code) > 1
{%- endmacro %}
