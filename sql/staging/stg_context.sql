-- Context series (e.g. Eurostat employment by ISCO group), one row per ISCO code, place,
-- period and indicator, as derived at ingest from the series the registry declares.
CREATE OR REPLACE VIEW staging.stg_context AS
SELECT
    source_id::VARCHAR AS source_id,
    isco_code::VARCHAR AS isco_code,
    geo::VARCHAR AS geo,
    time_period::VARCHAR AS time_period,
    indicator::VARCHAR AS indicator,
    unit::VARCHAR AS unit,
    value::DOUBLE AS value,
    flag::VARCHAR AS flag,
    filename AS staging_file
FROM read_parquet(getvariable('context_files'), filename = true, union_by_name = true);
