-- Statbel's REFNIS code list: every region, province, arrondissement and municipality (the
-- 2019 list, or the open-ended units of the current TU_COM_REFNIS distribution).
CREATE OR REPLACE VIEW staging.stg_regions AS
SELECT
    code::VARCHAR AS code,
    name_fr::VARCHAR AS name_fr,
    name_nl::VARCHAR AS name_nl,
    name_de::VARCHAR AS name_de,
    level::VARCHAR AS level,
    nuts2::VARCHAR AS nuts2,
    nuts1::VARCHAR AS nuts1,
    filename AS staging_file
FROM read_parquet(getvariable('regions_files'), filename = true, union_by_name = true);
