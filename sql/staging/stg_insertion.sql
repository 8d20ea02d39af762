-- Training leavers per cohort and occupation code, and how many were employed after six months.
CREATE OR REPLACE VIEW staging.stg_insertion AS
SELECT
    cohort_year::INTEGER AS cohort_year,
    occupation_code::VARCHAR AS occupation_code,
    leavers::BIGINT AS leavers,
    employed_6m::BIGINT AS employed_6m,
    main_channel::VARCHAR AS main_channel,
    filename AS staging_file
FROM read_parquet(getvariable('insertion_files'), filename = true, union_by_name = true);
