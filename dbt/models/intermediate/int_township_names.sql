-- Every text by which an extract may name a township of the county: its 9-digit code, its name,
-- and the former names and codes the county declares (reference/曾用名), each with the township's
-- current code. A former name that is also a current name or code, or is declared for two
-- townships, is left out (the reference's quality suite blocks such a file).
with

townships as (

    select * from {{ ref('stg_townships') }}

),

aliases as (

    select * from {{ ref('stg_township_aliases') }}

),

current_names as (

    select
        township_code as township_text,
        township_code,
        'code' as matched_by
    from townships
    union all
    select
        township_name as township_text,
        township_code,
        'name' as matched_by
    from townships

),

former_names as (

    select
        aliases.former_name as township_text,
        min(aliases.township_code) as township_code,
        'former_name' as matched_by
    from aliases
    inner join townships on aliases.township_code = townships.township_code
    where
        aliases.former_name is not null
        and aliases.former_name not in (select current_names.township_text from current_names)
    group by aliases.former_name
    having count(distinct aliases.township_code) = 1

)

select * from current_names
union all
select * from former_names
