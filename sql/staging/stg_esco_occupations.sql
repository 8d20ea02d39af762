-- ESCO occupations, one row per concept URI and language file, as typed by the ESCO adapter.
CREATE OR REPLACE VIEW staging.stg_esco_occupations AS
SELECT
    concept_uri::VARCHAR AS concept_uri,
    code::VARCHAR AS code,
    isco_group::VARCHAR AS isco_group,
    preferred_label::VARCHAR AS preferred_label,
    label_masculine::VARCHAR AS label_masculine,
    label_feminine::VARCHAR AS label_feminine,
    alt_labels::VARCHAR[] AS alt_labels,
    hidden_labels::VARCHAR[] AS hidden_labels,
    status::VARCHAR AS status,
    modified_date::TIMESTAMP AS modified_date,
    lang::VARCHAR AS lang,
    has_nace::BOOLEAN AS has_nace,
    filename AS staging_file
FROM read_parquet(getvariable('esco_occupations_files'), filename = true, union_by_name = true);
