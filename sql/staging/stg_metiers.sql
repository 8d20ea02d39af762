-- The catalogue of métiers, one row per métier, as typed by the ingest adapter.
CREATE OR REPLACE VIEW staging.stg_metiers AS
SELECT
    slug::VARCHAR AS slug,
    title_fr::VARCHAR AS title_fr,
    title_nl::VARCHAR AS title_nl,
    title_en::VARCHAR AS title_en,
    esco_code::VARCHAR AS esco_code,
    training_years_min::INTEGER AS training_years_min,
    training_years_max::INTEGER AS training_years_max,
    training_plus_experience::BOOLEAN AS training_plus_experience,
    filename AS staging_file
FROM read_parquet(getvariable('catalogue_files'), filename = true, union_by_name = true);
