-- Every case-work row that is not a blank template row, resolved to its child and its case
-- file, with what (if anything) keeps it from counting. A row names its case by number (案件编号,
-- as the dashboard and the handed-out workbook do) or its child by ID number or student number;
-- a child's action belongs to the child's latest case file whose window started on or before the
-- action's date (a 送教上门 visit to the home-teaching file first). The same workbook row
-- delivered twice (a re-sent or copied file) counts once: later copies are marked duplicates.
-- Rows with an issue go to audit.quarantine (int_case_action_issues); the others are actions.
with

stg as (

    select * from {{ ref('stg_casework') }}
    where not is_blank

),

files as (

    select * from {{ ref('int_case_files') }}

),

known_children as (

    select
        id_number,
        cast(null as {{ dbt.type_string() }}) as student_no,
        id_number as child_key
    from {{ ref('int_household_members') }}
    union all
    select
        id_number,
        student_no,
        coalesce(id_number, student_no) as child_key
    from {{ ref('int_student_identity') }}
    union all
    select
        id_number,
        student_no,
        child_key
    from files

),

by_id as (

    select
        id_number,
        min(child_key) as child_key
    from known_children
    where id_number is not null
    group by id_number

),

by_student_no as (

    select
        student_no,
        min(child_key) as child_key
    from known_children
    where student_no is not null
    group by student_no

),

copies as (

    select
        stg.*,
        case
            when stg.source_kind = 'file'
                then row_number() over (
                    partition by
                        stg.source_kind, stg.case_id_given, coalesce(stg.id_number, stg.id_given), stg.student_no_given,
                        coalesce(cast(stg.action_date as {{ dbt.type_string() }}), stg.action_date_raw),
                        stg.action, stg.person, stg.departments, stg.result, stg.cause, stg.notes
                    order by stg.delivery_seq, stg.source_file, stg.source_row
                )
            else 1
        end > 1 as is_duplicate
    from stg

),

named as (

    select
        copies.*,
        given_file.case_id as given_case_id,
        given_file.id_number as given_id_number,
        coalesce(given_file.child_key, by_id.child_key, by_student_no.child_key) as child_key
    from copies
    left join files as given_file on copies.case_id_given = given_file.case_id
    left join by_id on copies.id_number = by_id.id_number
    left join by_student_no on copies.student_no_given = by_student_no.student_no

),

candidates as (

    select
        named.source_kind,
        named.source,
        named.source_row,
        files.case_id,
        row_number() over (
            partition by named.source_kind, named.source, named.source_row
            order by
                case when (files.file_kind = 'home_teaching') = (named.action_code = 'home_teaching') then 0 else 1 end,
                files.window_start desc,
                files.case_id asc
        ) as preference
    from named
    inner join files
        on
            named.child_key = files.child_key
            and named.action_date >= files.window_start
    where named.given_case_id is null

),

attached as (

    select
        named.*,
        coalesce(named.given_case_id, candidates.case_id) as case_id
    from named
    left join candidates
        on
            named.source_kind = candidates.source_kind
            and named.source = candidates.source
            and named.source_row = candidates.source_row
            and candidates.preference = 1

),

checked as (

    select
        attached.*,
        files.file_kind,
        files.id_number as child_id_number,
        files.student_no as child_student_no,
        files.township_code,
        files.school_code,
        case
            when attached.action_date_raw is null then 'missing_date'
            when attached.action_date is null then 'bad_date'
            when attached.action_date > cast(attached.recorded_at as date) then 'future_date'
        end as date_issue,
        case
            when attached.action is null then 'missing_action'
            when attached.action_code is null then 'unknown_action'
        end as action_issue,
        case when attached.person is null then 'missing_person' end as person_issue,
        case when attached.result is not null and attached.result_code is null then 'unknown_result' end
            as result_issue,
        case when attached.cause is not null and attached.cause_code is null then 'unknown_cause' end
            as cause_issue,
        case
            when attached.case_id_given is not null and attached.child_key is null then 'unknown_case'
            when attached.id_given is null and attached.student_no_given is null and attached.child_key is null
                then 'missing_child'
            when attached.child_key is null then 'unknown_child'
            when attached.given_case_id is not null and attached.id_number != attached.given_id_number
                then 'case_child_mismatch'
            when attached.case_id is null and attached.action_date is not null then 'no_case'
            when
                attached.is_upload
                and not (
                    attached.scope_role = 'county'
                    or (attached.scope_role = 'township' and files.township_code = attached.scope_township_code)
                    or (attached.scope_role = 'school' and files.school_code = attached.scope_school_code)
                )
                then 'out_of_scope'
        end as child_issue
    from attached
    left join files on attached.case_id = files.case_id

),

superseding as (

    select
        supersedes as entry_id,
        min(source_row) as superseded_by
    from stg
    where source_kind = 'dashboard' and supersedes is not null
    group by supersedes

)

select
    checked.source_kind,
    checked.source,
    checked.source_file,
    checked.source_row,
    checked.delivery_seq,
    case when checked.source_kind = 'dashboard' then checked.source_row end as entry_id,
    checked.supersedes,
    superseding.superseded_by,
    checked.is_withdrawal,
    checked.case_id_given,
    checked.id_given,
    checked.student_no_given,
    checked.case_id,
    checked.file_kind,
    checked.child_key,
    coalesce(checked.child_id_number, checked.id_number) as id_number,
    checked.child_student_no as student_no,
    checked.township_code,
    checked.school_code,
    checked.action_date_raw,
    checked.action_date,
    checked.action,
    checked.action_code,
    checked.person,
    checked.departments,
    checked.result,
    checked.result_code,
    checked.cause,
    checked.cause_code,
    checked.notes,
    checked.recorded_by,
    checked.recorded_at,
    checked.is_duplicate,
    checked.date_issue,
    checked.action_issue,
    checked.person_issue,
    checked.result_issue,
    checked.cause_issue,
    checked.child_issue,
    not checked.is_duplicate
    and coalesce(
        checked.date_issue, checked.action_issue, checked.person_issue, checked.result_issue,
        checked.cause_issue, checked.child_issue
    ) is null as is_accepted,
    -- counts towards the duties: accepted, not corrected or withdrawn since, not itself a withdrawal
    superseding.superseded_by is null and not checked.is_withdrawal as is_current
from checked
left join superseding
    on checked.source_kind = 'dashboard' and checked.source_row = superseding.entry_id
