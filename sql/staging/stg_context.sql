-- Context series (e.g. Eurostat employment by ISCO group), one row per ISCO code, place,
-- period and indicator, as derived at ingest from the series the registry declares. A table
-- without an ISCO dimension is general context: isco_code is null. Values are in the mart's
-- units (persons, share), beside the value and unit as published.
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
    geo_level::VARCHAR AS geo_level,
    period::VARCHAR AS period,
    period_kind::VARCHAR AS period_kind,
    period_start::INTEGER AS period_start,
    period_end::INTEGER AS period_end,
    year::INTEGER AS year,
    source_value::DOUBLE AS source_value,
    source_unit::VARCHAR AS source_unit,
    currency::VARCHAR AS currency,
    conversion::VARCHAR AS conversion,
    filename AS staging_file
FROM read_parquet(getvariable('context_files'), filename = true, union_by_name = true);
