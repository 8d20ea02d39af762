-- Published aggregate tables of every source of role `aggregate`, staged in one long shape.
CREATE OR REPLACE VIEW staging.stg_aggregates AS
SELECT
    source_id::VARCHAR AS source_id,
    occupation_code::VARCHAR AS occupation_code,
    year::INTEGER AS year,
    region::VARCHAR AS region,
    indicator::VARCHAR AS indicator,
    value::DOUBLE AS value,
    flag::VARCHAR AS flag,
    filename AS staging_file
FROM read_parquet(getvariable('aggregate_files'), filename = true, union_by_name = true);
