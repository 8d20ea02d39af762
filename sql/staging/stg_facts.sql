-- Editorial figures kept by the content team.
CREATE OR REPLACE VIEW staging.stg_facts AS
SELECT
    slug::VARCHAR AS slug,
    indicator::VARCHAR AS indicator,
    value::DOUBLE AS value,
    value_min::DOUBLE AS value_min,
    value_max::DOUBLE AS value_max,
    unit::VARCHAR AS unit,
    year::INTEGER AS year,
    region::VARCHAR AS region,
    source::VARCHAR AS source,
    source_url::VARCHAR AS source_url,
    note::VARCHAR AS note,
    coalesce(override::BOOLEAN, false) AS override,
    filename AS staging_file
FROM read_parquet(getvariable('facts_files'), filename = true, union_by_name = true);
