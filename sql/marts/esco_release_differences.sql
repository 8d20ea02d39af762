-- Occupations whose ISCO group differs between the ESCO files read (e.g. FR v1.2.1 and NL
-- v1.2.0): one row per occupation and language file.
CREATE OR REPLACE TABLE esco_release_differences AS
WITH differing AS (
    SELECT concept_uri
    FROM intermediate.int_esco_occupations
    GROUP BY concept_uri
    HAVING count(DISTINCT isco_group) > 1
)
SELECT
    occupations.concept_uri,
    occupations.code,
    occupations.lang,
    occupations.isco_group,
    occupations.preferred_label,
    occupations.modified_date,
    occupations.has_nace AS newer_release_columns,
    files.raw_file AS source_file
FROM intermediate.int_esco_occupations AS occupations
INNER JOIN differing USING (concept_uri)
LEFT JOIN intermediate.int_source_files AS files USING (staging_file)
ORDER BY occupations.concept_uri, occupations.lang;

COMMENT ON TABLE esco_release_differences IS 'ESCO occupations whose ISCO-08 group differs between the language files read, which may come from different ESCO releases: one row per occupation and file.';
COMMENT ON COLUMN esco_release_differences.concept_uri IS 'ESCO concept URI.';
COMMENT ON COLUMN esco_release_differences.code IS 'ESCO code in that file.';
COMMENT ON COLUMN esco_release_differences.lang IS 'Language of the file.';
COMMENT ON COLUMN esco_release_differences.isco_group IS 'ISCO-08 group the file gives.';
COMMENT ON COLUMN esco_release_differences.preferred_label IS 'Preferred label in that language.';
COMMENT ON COLUMN esco_release_differences.modified_date IS 'Modification date of the record in that file.';
COMMENT ON COLUMN esco_release_differences.newer_release_columns IS 'True when the file has the columns of ESCO v1.2.1 or later (naceCode).';
COMMENT ON COLUMN esco_release_differences.source_file IS 'Raw file, relative to the raw folder.';
