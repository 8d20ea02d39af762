-- Reference year Y: the latest year present in the register.
CREATE OR REPLACE TABLE intermediate.int_reference_year AS
SELECT
    max(year) AS reference_year,
    min(year) AS first_year
FROM staging.stg_register;
