-- The freelance rate a card shows: per métier, the latest national row of `facts`
-- (a regional row only when no national one exists).
CREATE OR REPLACE TABLE intermediate.int_freelance_rates AS
SELECT *
FROM staging.stg_facts
WHERE indicator = 'freelance_rate'
QUALIFY row_number() OVER (
    PARTITION BY slug ORDER BY region IS NOT NULL, year DESC, value_max DESC
) = 1;
