-- The children the risk indicators count, one row each, on the as-of date: every 在读 student
-- (on the roster grid of the as-of date) and every out-of-school child (marts.out_of_school).
-- A case is a student on dropout_watch as not on roster, suspected dropout or dropout, or an
-- out-of-school child. Absence is over the as-of date's school year: every enrolled school day
-- that is not a present day (leave, unexcused, or no attendance record) is an absent day. Area:
-- the school's 城乡类型 for students, the township's for out-of-school children.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

features as (

    select * from {{ ref('int_risk_features') }}
    where is_as_of

),

grid as (

    select * from {{ ref('int_enrolled_days') }}

),

watch as (

    select * from {{ ref('dropout_watch') }}
    where stage in ('not_on_roster', 'suspected_dropout', 'dropout')

),

out_of_school as (

    select * from {{ ref('out_of_school') }}

),

last_status as (

    select * from {{ ref('int_student_last_status') }}

),

status as (

    select * from {{ ref('int_student_status') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

townships as (

    select * from {{ ref('stg_townships') }}

),

county as (

    select unit_code as county_code from {{ ref('int_reporting_units') }}
    where level = 'county'

),

absence as (

    select
        grid.student_no,
        count(*) as enrolled_days,
        count(case when coalesce(grid.attendance_kind, 'none') != 'present' then 1 end) as absent_days
    from grid
    cross join as_of
    where {{ school_year_of('grid.attendance_date') }} = as_of.school_year
    group by grid.student_no

),

students as (

    select
        features.student_no as child_key,
        features.id_number,
        features.student_no,
        true as is_student,
        watch.student_no is not null as is_case,
        features.school_code,
        features.township_code,
        features.grade,
        schools.urban_rural,
        coalesce(absence.enrolled_days, 0) as enrolled_days,
        coalesce(absence.absent_days, 0) as absent_days,
    {%- for group_code in key_group_flags() %}
        features.group_{{ group_code }} = 1 as is_{{ group_code }}{{ ',' if not loop.last }}
    {%- endfor %}
    from features
    left join watch on features.student_no = watch.student_no
    left join absence on features.student_no = absence.student_no
    left join schools on features.school_code = schools.school_code

),

children_out as (

    select
        out_of_school.id_number as child_key,
        out_of_school.id_number,
        cast(null as {{ dbt.type_string() }}) as student_no,
        false as is_student,
        true as is_case,
        cast(null as {{ dbt.type_string() }}) as school_code,
        out_of_school.township_code,
        status.grade,
        townships.urban_rural,
        0 as enrolled_days,
        0 as absent_days,
    {%- for group_code, flag in key_group_flags().items() %}
        {{ flag }} as is_{{ group_code }}{{ ',' if not loop.last }}
    {%- endfor %}
    from out_of_school
    cross join county
    left join last_status on out_of_school.id_number = last_status.id_number
    left join status
        on
            last_status.student_no = status.student_no
            and last_status.snapshot_date = status.snapshot_date
    left join poverty on out_of_school.id_number = poverty.id_number
    left join townships on out_of_school.township_code = townships.township_code

),

children as (

    select * from students
    union all
    select * from children_out

)

select
    children.*,
    coalesce(schools.is_county_run, false) as is_county_run_school,
    case children.urban_rural
        when '城区' then 'urban'
        when '镇区' then 'town'
        when '乡村' then 'rural'
    end as area_code,
    coalesce(townships.is_migrant_heavy, false) as is_migrant_heavy_township
from children
left join townships on children.township_code = townships.township_code
left join schools on children.school_code = schools.school_code
