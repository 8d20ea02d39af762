-- Register records, one row per person and year.
CREATE OR REPLACE VIEW staging.stg_register AS
SELECT
    year::INTEGER AS year,
    person_id::VARCHAR AS person_id,
    occupation_code::VARCHAR AS occupation_code,
    region::VARCHAR AS region,
    sex::VARCHAR AS sex,
    age::INTEGER AS age,
    status::VARCHAR AS status,
    gross_monthly_eur::DOUBLE AS gross_monthly_eur,
    experience_years::INTEGER AS experience_years,
    weight::DOUBLE AS weight,
    filename AS staging_file
FROM read_parquet(getvariable('register_files'), filename = true, union_by_name = true);
