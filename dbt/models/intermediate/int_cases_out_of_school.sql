-- Out-of-school cases, rebuilt at every student-status snapshot: a registered child of
-- compulsory age (for that snapshot's school year) whose last known status is none
-- (never_enrolled) or no longer 在读/休学 (left_status). A case runs over consecutive such
-- snapshots and closes at the next snapshot, with the reason that snapshot gives. Children whose
-- last status is 转出 are listed for verification but are not cases.
with

snapshots as (

    select
        snapshot_date,
        dense_rank() over (order by snapshot_date) as snapshot_number
    from (select distinct snapshot_date from {{ ref('stg_student_status') }}) as distinct_snapshots

),

residents as (

    select * from {{ ref('int_household_members') }}
    where person_status = 'normal' and relation_to_head not in ('户主', '配偶')

),

records as (

    select
        id_number,
        snapshot_date,
        status,
        grade,
        row_number() over (
            partition by id_number, snapshot_date
            order by {{ on_roll_rank('status') }} asc, student_no asc
        ) as record_rank
    from {{ ref('int_student_status') }}
    where id_number is not null

),

history as (

    select * from records
    where record_rank = 1

),

per_snapshot as (

    select
        residents.id_number,
        snapshots.snapshot_date,
        snapshots.snapshot_number,
        cast({{ age_on(
            'residents.birth_date',
            'make_date(' ~ school_year_of('snapshots.snapshot_date') ~ ', '
            ~ var('age_cutoff_month') ~ ', ' ~ var('age_cutoff_day') ~ ')'
        ) }} as integer) as age
    from residents
    cross join snapshots

),

last_known as (

    -- per child and snapshot, the child's latest status record on or before it
    select
        per_snapshot.id_number,
        per_snapshot.snapshot_date,
        history.snapshot_date as status_date,
        history.status,
        history.grade,
        row_number() over (
            partition by per_snapshot.id_number, per_snapshot.snapshot_date order by history.snapshot_date desc
        ) as recency_rank
    from per_snapshot
    inner join history
        on
            per_snapshot.id_number = history.id_number
            and per_snapshot.snapshot_date >= history.snapshot_date

),

classified as (

    select
        per_snapshot.*,
        per_snapshot.age between {{ var('compulsory_min_age') }} and {{ var('compulsory_max_age') }} - 1
            as is_eligible,
        coalesce(last_known.status_date = per_snapshot.snapshot_date, false) as is_listed,
        last_known.status,
        case
            when last_known.id_number is null then 'never_enrolled'
            when last_known.status_date = per_snapshot.snapshot_date and {{ is_on_roll('last_known.status') }}
                then 'in_school'
            when last_known.status = 'transferred_out' then 'transferred_out'
            when last_known.status = 'graduated' and last_known.grade = 9 then 'completed'
            when last_known.status = 'deceased' then 'deceased'
            else 'left_status'
        end as category
    from per_snapshot
    left join last_known
        on
            per_snapshot.id_number = last_known.id_number
            and per_snapshot.snapshot_date = last_known.snapshot_date
            and last_known.recency_rank = 1

),

out_rows as (

    select
        *,
        snapshot_number - row_number() over (partition by id_number order by snapshot_number) as island
    from classified
    where is_eligible and category in ('never_enrolled', 'left_status')

),

islands as (

    select
        id_number,
        island,
        min(snapshot_date) as opened_on,
        max(snapshot_number) as last_snapshot_number,
        min(snapshot_number) as first_snapshot_number
    from out_rows
    group by id_number, island

),

opened as (

    select
        islands.*,
        out_rows.category as trigger
    from islands
    inner join out_rows
        on islands.id_number = out_rows.id_number and islands.first_snapshot_number = out_rows.snapshot_number

)

select
    opened.id_number,
    opened.trigger,
    opened.opened_on,
    cast(null as date) as escalated_on,
    closing.snapshot_date as closed_on,
    case
        when closing.snapshot_date is null then null
        when closing.is_listed and closing.status = 'enrolled' then 'returned'
        when closing.is_listed and closing.status = 'suspended' then 'suspended'
        when closing.is_listed and closing.status = 'transferred_out' then 'transferred'
        when closing.is_listed and closing.status = 'graduated' then 'graduated'
        when closing.is_listed and closing.status = 'deceased' then 'deceased'
        when not closing.is_eligible then 'over_age'
    end as close_reason
from opened
left join classified as closing
    on opened.id_number = closing.id_number and closing.snapshot_number = opened.last_snapshot_number + 1
