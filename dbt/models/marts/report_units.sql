-- The reporting tree, published: every unit the monthly and quarterly tables have a row for,
-- with its 填报单位 name, the unit its row adds into and its place there.
select
    level,
    unit_code,
    unit_name,
    report_unit_name,
    township_code,
    parent_level,
    parent_code,
    is_county_run,
    unit_order
from {{ ref('int_reporting_units') }}
