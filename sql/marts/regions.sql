-- Names of the NUTS-2 regions used in the register, from Statbel's REFNIS list when present.
CREATE OR REPLACE TABLE regions AS
SELECT
    nuts2,
    code AS refnis_code,
    level,
    name_fr,
    name_nl,
    regexp_replace(name_fr, '^Province (du |de la |de |d'')', '') AS short_name_fr,
    regexp_replace(name_nl, '^Provincie ', '') AS short_name_nl,
    files.raw_file AS source_file
FROM staging.stg_regions AS regions
LEFT JOIN intermediate.int_source_files AS files
    ON files.staging_file = regions.staging_file
WHERE (level = 'province' OR code = '04000') AND nuts2 IS NOT NULL
ORDER BY nuts2;

COMMENT ON TABLE regions IS 'The 11 Belgian NUTS-2 regions of the register (the 10 provinces and the Brussels-Capital region) with their French and Dutch names, from Statbel''s REFNIS code list when it is in the raw folder (empty otherwise).';
COMMENT ON COLUMN regions.nuts2 IS 'NUTS-2 code used in the register (BE10 ... BE35).';
COMMENT ON COLUMN regions.refnis_code IS 'Statbel REFNIS code of the province (or 04000 for the Brussels-Capital region).';
COMMENT ON COLUMN regions.level IS 'province or region.';
COMMENT ON COLUMN regions.name_fr IS 'French name as Statbel writes it.';
COMMENT ON COLUMN regions.name_nl IS 'Dutch name as Statbel writes it.';
COMMENT ON COLUMN regions.short_name_fr IS 'French name without "Province de/du/d''".';
COMMENT ON COLUMN regions.short_name_nl IS 'Dutch name without "Provincie".';
COMMENT ON COLUMN regions.source_file IS 'Raw file the names come from.';
