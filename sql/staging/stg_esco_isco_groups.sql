-- ISCO-08 groups as ESCO publishes them, one row per code and language file.
CREATE OR REPLACE VIEW staging.stg_esco_isco_groups AS
SELECT
    concept_uri::VARCHAR AS concept_uri,
    code::VARCHAR AS code,
    level::INTEGER AS level,
    preferred_label::VARCHAR AS preferred_label,
    alt_labels::VARCHAR[] AS alt_labels,
    lang::VARCHAR AS lang,
    filename AS staging_file
FROM read_parquet(getvariable('esco_isco_groups_files'), filename = true, union_by_name = true);
