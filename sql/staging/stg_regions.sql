-- Statbel's REFNIS code list: every region, province, arrondissement and municipality.
CREATE OR REPLACE VIEW staging.stg_regions AS
SELECT
    code::VARCHAR AS code,
    name_fr::VARCHAR AS name_fr,
    name_nl::VARCHAR AS name_nl,
    level::VARCHAR AS level,
    nuts2::VARCHAR AS nuts2,
    filename AS staging_file
FROM read_parquet(getvariable('regions_files'), filename = true, union_by_name = true);
