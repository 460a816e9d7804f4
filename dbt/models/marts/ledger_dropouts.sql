-- 辍学台账: the cases that escalated to dropout (15 school days), open or closed.
select * from {{ ref('ledger_cases') }}
where escalated_on is not null
