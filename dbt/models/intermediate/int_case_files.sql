-- Everything case work is recorded against (a "case file", 一生一案), each with an opaque case
-- number: every case of the ledger; a current unexcused streak of 3–4 school days that has not
-- opened a case (the contact is due now); and, for each disabled child on 送教上门 in the latest
-- status snapshot, the home-teaching file of the school year. window_start is the first date an
-- action belongs to the file: for a case opened by an unexcused streak, the streak's 3rd day
-- (the contact duty starts there), else the opening date.
-- depends_on: {{ source('raw', 'case_id_key') }}
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

ledger as (

    select * from {{ ref('ledger_cases') }}

),

attendance_status as (

    select * from {{ ref('int_attendance_status') }}

),

identity as (

    select * from {{ ref('int_student_identity') }}

),

residents as (

    select * from {{ ref('int_household_members') }}

),

latest_status as (

    select * from {{ ref('int_student_status') }}
    where is_latest_snapshot

),

placements as (

    select * from {{ ref('stg_student_status') }}
    where inclusive_placement = '送教上门'

),

case_key as (

    select * from {{ case_id_key() }}

),

-- the school days on which a streak reached the notice threshold (its 3rd unexcused day), with
-- their segment (int_student_school_days)
third_days as (

    select
        student_no,
        segment,
        attendance_date
    from {{ ref('int_student_school_days') }}
    where attendance_kind = 'unexcused' and unexcused_streak = {{ var('absent_notice_days') }}

),

ledger_streaks as (

    -- a case opens on a day of its streak's segment: the segment's 3rd unexcused day
    select
        ledger.case_id,
        third_days.attendance_date as streak_3_on
    from ledger
    inner join {{ ref('int_student_school_days') }} as opening
        on ledger.student_no = opening.student_no and ledger.opened_on = opening.attendance_date
    inner join third_days
        on
            opening.student_no = third_days.student_no
            and opening.segment = third_days.segment
    where ledger.trigger = 'unexcused_absence'

),

ledger_files as (

    select
        ledger.case_id,
        ledger.kind as file_kind,
        ledger.trigger,
        ledger.child_key,
        ledger.id_number,
        ledger.student_no,
        ledger.township_code,
        ledger.school_code,
        ledger.opened_on,
        coalesce(ledger_streaks.streak_3_on, ledger.opened_on) as window_start,
        ledger_streaks.streak_3_on,
        ledger.escalated_on,
        ledger.closed_on,
        ledger.close_reason,
        ledger.is_open
    from ledger
    left join ledger_streaks on ledger.case_id = ledger_streaks.case_id

),

current_segments as (

    select
        student_no,
        max(segment) as segment
    from {{ ref('int_student_school_days') }}
    group by student_no

),

streak_files as (

    -- on the as-of date in a streak of 3 or 4 unexcused days, with no open case
    select
        attendance_status.student_no,
        coalesce(identity.id_number, attendance_status.student_no) as child_key,
        identity.id_number,
        third_days.attendance_date as streak_3_on
    from attendance_status
    inner join current_segments on attendance_status.student_no = current_segments.student_no
    inner join third_days
        on
            current_segments.student_no = third_days.student_no
            and current_segments.segment = third_days.segment
    left join identity on attendance_status.student_no = identity.student_no
    where
        attendance_status.unexcused_streak_days >= {{ var('absent_notice_days') }}
        and attendance_status.unexcused_streak_days < {{ var('suspected_dropout_days') }}

),

open_children as (

    select distinct child_key from ledger
    where is_open

),

streak_file_rows as (

    select
        {{ case_id(
            'case_key.case_key', ["'absent_3d'", 'streak_files.child_key', 'cast(streak_files.streak_3_on as ' ~ dbt.type_string() ~ ')']
        ) }} as case_id,
        'absent_3d' as file_kind,
        'unexcused_absence' as trigger,
        streak_files.child_key,
        streak_files.id_number,
        streak_files.student_no,
        latest_status.township_code,
        latest_status.school_code,
        streak_files.streak_3_on as opened_on,
        streak_files.streak_3_on as window_start,
        streak_files.streak_3_on,
        cast(null as date) as escalated_on,
        cast(null as date) as closed_on,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        true as is_open
    from streak_files
    cross join case_key
    left join latest_status on streak_files.student_no = latest_status.student_no
    where streak_files.child_key not in (select open_children.child_key from open_children)

),

home_teaching as (

    -- 在读 on 送教上门 in the latest snapshot; the file starts with the first snapshot of the
    -- as-of school year that shows the placement (on the first day of its month)
    select
        latest_status.student_no,
        coalesce(latest_status.id_number, latest_status.student_no) as child_key,
        latest_status.id_number,
        latest_status.township_code,
        latest_status.school_code,
        as_of.school_year,
        min(placements.snapshot_date) as placed_on
    from latest_status
    cross join as_of
    inner join placements
        on
            latest_status.student_no = placements.student_no
            and {{ school_year_of('placements.snapshot_date') }} = as_of.school_year
    inner join placements as placed_now
        on
            latest_status.student_no = placed_now.student_no
            and latest_status.snapshot_date = placed_now.snapshot_date
    where latest_status.status = 'enrolled'
    group by
        latest_status.student_no,
        coalesce(latest_status.id_number, latest_status.student_no),
        latest_status.id_number,
        latest_status.township_code,
        latest_status.school_code,
        as_of.school_year

),

home_teaching_rows as (

    select
        {{ case_id(
            'case_key.case_key',
            ["'home_teaching'", 'home_teaching.child_key', 'cast(home_teaching.school_year as ' ~ dbt.type_string() ~ ')']
        ) }} as case_id,
        'home_teaching' as file_kind,
        'home_teaching' as trigger,
        home_teaching.child_key,
        home_teaching.id_number,
        home_teaching.student_no,
        home_teaching.township_code,
        home_teaching.school_code,
        cast({{ dbt.date_trunc('month', 'home_teaching.placed_on') }} as date) as opened_on,
        cast({{ dbt.date_trunc('month', 'home_teaching.placed_on') }} as date) as window_start,
        cast(null as date) as streak_3_on,
        cast(null as date) as escalated_on,
        cast(null as date) as closed_on,
        cast(null as {{ dbt.type_string() }}) as close_reason,
        true as is_open
    from home_teaching
    cross join case_key

),

files as (

    select * from ledger_files
    union all
    select * from streak_file_rows
    union all
    select * from home_teaching_rows

)

select
    files.*,
    coalesce(residents.person_name, latest_status.student_name) as person_name,
    -- 户口 outside the county: not in the county's household register
    residents.id_number is null as is_non_local
from files
left join residents on files.id_number = residents.id_number
left join latest_status on files.student_no = latest_status.student_no
