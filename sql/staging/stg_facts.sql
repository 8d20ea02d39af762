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
    -- Who published it, per card language (optional columns; `source` is the fallback). Read
    -- through the row as JSON, so facts files and registries without them keep working.
    (to_json(facts) ->> 'source_fr')::VARCHAR AS source_fr,
    (to_json(facts) ->> 'source_nl')::VARCHAR AS source_nl,
    (to_json(facts) ->> 'source_en')::VARCHAR AS source_en,
    filename AS staging_file
FROM read_parquet(getvariable('facts_files'), filename = true, union_by_name = true) AS facts;
