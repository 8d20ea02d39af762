-- Names of the NUTS-2 regions used in the register, and of the three NUTS-1 regions, from
-- Statbel's REFNIS list when present.
CREATE OR REPLACE TABLE regions AS
WITH units AS (
    SELECT
        regions.*,
        files.raw_file AS source_file
    FROM staging.stg_regions AS regions
    LEFT JOIN intermediate.int_source_files AS files
        ON files.staging_file = regions.staging_file
)
SELECT
    nuts2 AS nuts,
    2 AS nuts_level,
    nuts2,
    nuts1,
    code AS refnis_code,
    level,
    name_fr,
    name_nl,
    name_de,
    regexp_replace(name_fr, '^Province (du |de la |de |d'')', '') AS short_name_fr,
    regexp_replace(name_nl, '^Provincie ', '') AS short_name_nl,
    regexp_replace(name_de, '^Provinz ', '') AS short_name_de,
    source_file
FROM units
WHERE (level = 'province' OR code = '04000') AND nuts2 IS NOT NULL
UNION ALL
SELECT
    nuts1 AS nuts,
    1 AS nuts_level,
    NULL AS nuts2,
    nuts1,
    code AS refnis_code,
    level,
    name_fr,
    name_nl,
    name_de,
    name_fr AS short_name_fr,
    name_nl AS short_name_nl,
    name_de AS short_name_de,
    source_file
FROM units
WHERE level = 'region' AND nuts1 IS NOT NULL
ORDER BY nuts_level DESC, nuts;

COMMENT ON TABLE regions IS 'The 11 Belgian NUTS-2 regions of the register (the 10 provinces and the Brussels-Capital region), then the 3 NUTS-1 regions (Brussels, Flanders, Wallonia), with their French, Dutch and German names, from Statbel''s REFNIS code list when it is in the raw folder (empty otherwise).';
COMMENT ON COLUMN regions.nuts IS 'NUTS code of the row: BE10 ... BE35 (NUTS-2), BE1, BE2, BE3 (NUTS-1).';
COMMENT ON COLUMN regions.nuts_level IS '2 for a NUTS-2 region, 1 for a NUTS-1 region.';
COMMENT ON COLUMN regions.nuts2 IS 'NUTS-2 code used in the register (BE10 ... BE35); null on the NUTS-1 rows.';
COMMENT ON COLUMN regions.nuts1 IS 'NUTS-1 region the row belongs to (BE1 Brussels, BE2 Flanders, BE3 Wallonia).';
COMMENT ON COLUMN regions.refnis_code IS 'Statbel REFNIS code of the province or region (04000 for the Brussels-Capital region).';
COMMENT ON COLUMN regions.level IS 'province or region.';
COMMENT ON COLUMN regions.name_fr IS 'French name as Statbel writes it.';
COMMENT ON COLUMN regions.name_nl IS 'Dutch name as Statbel writes it.';
COMMENT ON COLUMN regions.name_de IS 'German name as Statbel writes it (current REFNIS file only; null with the 2019 list).';
COMMENT ON COLUMN regions.short_name_fr IS 'French name without "Province de/du/d''".';
COMMENT ON COLUMN regions.short_name_nl IS 'Dutch name without "Provincie".';
COMMENT ON COLUMN regions.short_name_de IS 'German name without "Provinz".';
COMMENT ON COLUMN regions.source_file IS 'Raw file the names come from.';
