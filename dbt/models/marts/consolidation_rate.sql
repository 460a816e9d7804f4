-- 巩固率. Annual working version per school year, unit and stage: end-of-year roll ÷ (start-of-
-- year roll + transfers in − transfers out − deaths), rolls being 在读 + 休学 in the year's first
-- and last snapshots; a move between units counts as out of one and into the other. Cohort
-- version (nine_year, where enrollment_history exists): grade-9 roll ÷ the same cohort's
-- grade-1 enrolment eight school years earlier.
with

status as (

    select
        *,
        {{ school_year_of('snapshot_date') }} as school_year,
        coalesce(id_number, student_no) as child_key
    from {{ ref('int_student_status') }}

),

units as (

    select * from {{ ref('int_reporting_units') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

year_bounds as (

    select
        school_year,
        min(snapshot_date) as first_snapshot,
        max(snapshot_date) as last_snapshot
    from status
    group by school_year

),

staged as (

    select
        status.*,
        case when status.grade <= 6 then 'primary' else 'junior' end as stage
    from status
    union all
    select
        status.*,
        'nine_year' as stage
    from status

),

start_rows as (

    select staged.*
    from staged
    inner join year_bounds on staged.snapshot_date = year_bounds.first_snapshot
    where {{ is_on_roll('staged.status') }}

),

end_rows as (

    select staged.*
    from staged
    inner join year_bounds on staged.snapshot_date = year_bounds.last_snapshot

),

start_units as (

    {{ at_reporting_levels('start_rows') }}

),

end_units as (

    {{ at_reporting_levels('end_rows') }}

),

paths as (

    -- each child's start-of-year and end-of-year record, per level and stage
    select
        coalesce(start_units.school_year, end_units.school_year) as school_year,
        coalesce(start_units.level, end_units.level) as level,
        coalesce(start_units.stage, end_units.stage) as stage,
        start_units.unit_code as start_unit,
        end_units.unit_code as end_unit,
        end_units.status as end_status,
        start_units.child_key is not null as in_start_roll
    from start_units
    full outer join end_units
        on
            start_units.school_year = end_units.school_year
            and start_units.level = end_units.level
            and start_units.stage = end_units.stage
            and start_units.child_key = end_units.child_key

),

start_side as (

    select
        school_year,
        level,
        stage,
        start_unit as unit_code,
        count(*) as start_roll,
        count(
            case
                when
                    end_status = 'transferred_out'
                    or ({{ is_on_roll('end_status') }} and end_unit != start_unit)
                    then 1
            end
        ) as transfers_out,
        count(case when end_status = 'deceased' then 1 end) as deaths
    from paths
    where in_start_roll
    group by school_year, level, stage, start_unit

),

end_side as (

    select
        school_year,
        level,
        stage,
        end_unit as unit_code,
        count(*) as end_roll,
        count(case when not in_start_roll or start_unit != end_unit then 1 end) as transfers_in
    from paths
    where {{ is_on_roll('end_status') }}
    group by school_year, level, stage, end_unit

),

annual as (

    select
        coalesce(start_side.school_year, end_side.school_year) as school_year,
        coalesce(start_side.level, end_side.level) as level,
        coalesce(start_side.unit_code, end_side.unit_code) as unit_code,
        coalesce(start_side.stage, end_side.stage) as stage,
        'annual' as method,
        coalesce(start_side.start_roll, 0) as start_roll,
        coalesce(end_side.transfers_in, 0) as transfers_in,
        coalesce(start_side.transfers_out, 0) as transfers_out,
        coalesce(start_side.deaths, 0) as deaths,
        coalesce(end_side.end_roll, 0) as numerator,
        coalesce(start_side.start_roll, 0) + coalesce(end_side.transfers_in, 0)
        - coalesce(start_side.transfers_out, 0) - coalesce(start_side.deaths, 0) as denominator
    from start_side
    full outer join end_side
        on
            start_side.school_year = end_side.school_year
            and start_side.level = end_side.level
            and start_side.stage = end_side.stage
            and start_side.unit_code = end_side.unit_code

),

grade_9_rolls as (

    select
        end_rows.school_year,
        end_rows.township_code,
        count(*) as grade_9_roll
    from end_rows
    where end_rows.stage = 'nine_year' and end_rows.grade = 9 and {{ is_on_roll('end_rows.status') }}
    group by end_rows.school_year, end_rows.township_code

),

grade_1_intake as (

    select
        history.school_year + 8 as school_year,
        schools.township_code,
        sum(history.students) as grade_1_intake
    from {{ ref('stg_enrollment_history') }} as history
    left join schools on history.school_code = schools.school_code
    where history.grade = 1
    group by history.school_year + 8, schools.township_code

),

cohort_by_township as (

    select
        grade_1_intake.school_year,
        grade_1_intake.township_code as unit_code,
        coalesce(grade_9_rolls.grade_9_roll, 0) as numerator,
        grade_1_intake.grade_1_intake as denominator
    from grade_1_intake
    inner join year_bounds on grade_1_intake.school_year = year_bounds.school_year
    left join grade_9_rolls
        on
            grade_1_intake.school_year = grade_9_rolls.school_year
            and grade_1_intake.township_code = grade_9_rolls.township_code

),

cohort as (

    select
        school_year,
        'township' as level,
        unit_code,
        numerator,
        denominator
    from cohort_by_township
    union all
    select
        cohort_by_township.school_year,
        'county' as level,
        min(units.unit_code) as unit_code,
        sum(cohort_by_township.numerator) as numerator,
        sum(cohort_by_township.denominator) as denominator
    from cohort_by_township
    cross join units
    where units.level = 'county'
    group by cohort_by_township.school_year

),

unioned as (

    select * from annual
    union all
    select
        school_year,
        level,
        unit_code,
        'nine_year' as stage,
        'cohort' as method,
        cast(null as bigint) as start_roll,
        cast(null as bigint) as transfers_in,
        cast(null as bigint) as transfers_out,
        cast(null as bigint) as deaths,
        numerator,
        denominator
    from cohort

)

select
    cast(unioned.school_year as integer) as school_year,
    unioned.level,
    unioned.unit_code,
    units.unit_name,
    unioned.stage,
    unioned.method,
    cast(unioned.start_roll as bigint) as start_roll,
    cast(unioned.transfers_in as bigint) as transfers_in,
    cast(unioned.transfers_out as bigint) as transfers_out,
    cast(unioned.deaths as bigint) as deaths,
    cast(unioned.numerator as bigint) as numerator,
    cast(unioned.denominator as bigint) as denominator,
    cast(unioned.numerator as double) / nullif(unioned.denominator, 0) as rate,
    unioned.denominator < {{ var('small_denominator') }} as is_small_denominator,
    unioned.numerator > unioned.denominator as is_over_100,
    year_bounds.first_snapshot as first_snapshot_date,
    year_bounds.last_snapshot as last_snapshot_date
from unioned
left join units on unioned.level = units.level and unioned.unit_code = units.unit_code
left join year_bounds on unioned.school_year = year_bounds.school_year
where unioned.denominator > 0 or unioned.numerator > 0
