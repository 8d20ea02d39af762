-- Which métier each occupation code belongs to: the code equals the métier's esco_code or
-- starts with it followed by '.' (so 2654.2.1 belongs to 2654.2, and 2654.21 does not).
-- Matching distinct codes first keeps the expensive condition off the large tables.
CREATE OR REPLACE TABLE intermediate.int_occupation_metiers AS
WITH occupation_codes AS (
    SELECT DISTINCT occupation_code FROM staging.stg_register
    UNION
    SELECT DISTINCT occupation_code FROM staging.stg_insertion
)
SELECT
    codes.occupation_code,
    metiers.slug
FROM occupation_codes AS codes
INNER JOIN staging.stg_metiers AS metiers
    ON codes.occupation_code = metiers.esco_code
    OR starts_with(codes.occupation_code, metiers.esco_code || '.');
