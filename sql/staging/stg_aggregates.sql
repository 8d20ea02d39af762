-- Published aggregate tables of every source of role `aggregate`, staged in one long shape:
-- the period as published and parsed (year = period_end), the place (geo, geo_level; region
-- only for a Belgian NUTS code), and the value in the mart's unit beside the value as
-- published (metiers/methodology/units.py; foreign or net money keeps its unit and currency).
CREATE OR REPLACE VIEW staging.stg_aggregates AS
SELECT
    source_id::VARCHAR AS source_id,
    occupation_code::VARCHAR AS occupation_code,
    year::INTEGER AS year,
    region::VARCHAR AS region,
    indicator::VARCHAR AS indicator,
    value::DOUBLE AS value,
    flag::VARCHAR AS flag,
    period::VARCHAR AS period,
    period_kind::VARCHAR AS period_kind,
    period_start::INTEGER AS period_start,
    period_end::INTEGER AS period_end,
    geo::VARCHAR AS geo,
    geo_level::VARCHAR AS geo_level,
    unit::VARCHAR AS unit,
    source_value::DOUBLE AS source_value,
    source_unit::VARCHAR AS source_unit,
    currency::VARCHAR AS currency,
    conversion::VARCHAR AS conversion,
    filename AS staging_file
FROM read_parquet(getvariable('aggregate_files'), filename = true, union_by_name = true);
