-- 一生一档 directory: every child the warehouse knows — a registered resident of compulsory age,
-- anyone with a student status, any child with a case — once, with what every list shows beside
-- a child: name, the 户籍 township and village, the latest school, grade and status, and the key
-- groups (重点群体) in words. township_code / school_code place the child for the roles' scope: a student's
-- latest school and its township; a child without a status, the registered township.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

county as (

    select unit_code as county_code from {{ ref('int_reporting_units') }}
    where level = 'county'

),

group_names as (

    -- each key group's Chinese name, one column per group
    select
    {%- for group_code in key_group_flags() %}
            max(case when group_code = '{{ group_code }}' then group_name end)
                as {{ group_code }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref('key_groups') }}

),

ranked_status as (

    select
        *,
        coalesce(id_number, student_no) as child_key,
        row_number() over (
            partition by coalesce(id_number, student_no)
            order by
                snapshot_date desc,
                {{ on_roll_rank('status') }} asc,
                student_no asc
        ) as recency_rank
    from {{ ref('int_student_status') }}

),

status as (

    select * from ranked_status
    where recency_rank = 1

),

placement as (

    -- 随班就读 / 送教上门 of that record (kept in staging only)
    select
        student_no,
        snapshot_date,
        max(inclusive_placement) as inclusive_placement
    from {{ ref('stg_student_status') }}
    group by student_no, snapshot_date

),

residents as (

    select * from {{ ref('int_household_members') }}

),

eligible as (

    select * from {{ ref('int_eligible_residents') }}

),

poverty as (

    select * from {{ ref('int_poverty_members') }}

),

schools as (

    select * from {{ ref('int_schools') }}

),

keys as (

    select child_key from status
    union
    select id_number as child_key from eligible
    union
    -- a case stays in the ledger after its child left the compulsory age
    select child_key from {{ ref('ledger_cases') }}

),

joined as (

    select
        keys.child_key,
        coalesce(status.id_number, residents.id_number) as id_number,
        status.student_no,
        coalesce(residents.person_name, status.student_name) as person_name,
        coalesce(residents.gender, status.gender) as gender,
        coalesce(residents.birth_date, status.birth_date_reported) as birth_date,
        residents.household_no,
        residents.township_code as hukou_township_code,
        residents.village,
        status.school_code,
        schools.school_name,
        status.grade,
        status.status,
        status.snapshot_date as status_date,
        status.is_latest_snapshot and {{ is_on_roll('status.status') }} as is_current_student,
        status.township_code as school_township_code,
        status.disability_type,
        placement.inclusive_placement,
        poverty.id_number is not null as is_poverty_household,
        poverty.poverty_type,
        -- is_migrant among them (one column: Spark refuses a name twice)
    {%- for group_code, flag in key_group_flags().items() %}
        {{ flag }} as is_{{ group_code }}{{ ',' if not loop.last }}
    {%- endfor %}
    from keys
    cross join county
    left join status on keys.child_key = status.child_key
    left join residents on keys.child_key = residents.id_number
    left join poverty on keys.child_key = poverty.id_number
    left join schools on status.school_code = schools.school_code
    left join placement
        on status.student_no = placement.student_no and status.snapshot_date = placement.snapshot_date

)

select
    joined.child_key,
    joined.id_number,
    joined.student_no,
    joined.person_name,
    joined.gender,
    joined.birth_date,
    cast({{ age_on('joined.birth_date', 'as_of.age_cutoff_date') }} as integer) as age,
    joined.household_no,
    joined.hukou_township_code,
    joined.village,
    coalesce(joined.school_township_code, joined.hukou_township_code) as township_code,
    joined.school_code,
    joined.school_name,
    cast(joined.grade as integer) as grade,
    joined.status,
    joined.status_date,
    coalesce(joined.is_current_student, false) as is_current_student,
    joined.is_poverty_household,
    joined.poverty_type,
    joined.is_migrant,
    joined.disability_type,
    joined.inclusive_placement,
    coalesce(joined.inclusive_placement = '送教上门', false) as is_home_teaching,
    concat_ws(
        '、',
        {%- for group_code in key_group_flags() %}
            case when joined.is_{{ group_code }} then group_names.{{ group_code }} end{{ ',' if not loop.last }}
        {%- endfor %}
    ) as key_groups,
    as_of.as_of_date
from joined
cross join as_of
cross join group_names
