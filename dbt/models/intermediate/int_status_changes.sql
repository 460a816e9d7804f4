-- Per student number, each snapshot whose status closes a case (转出, 休学, 死亡, 毕业), with
-- the close reason it gives.
with

status as (

    select * from {{ ref('int_student_status') }}

)

select
    student_no,
    snapshot_date,
    case status
        when 'transferred_out' then 'transferred'
        when 'suspended' then 'suspended'
        when 'deceased' then 'deceased'
        when 'graduated' then 'graduated'
    end as close_reason
from status
where status in ('transferred_out', 'suspended', 'deceased', 'graduated')
