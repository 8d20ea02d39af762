-- ESCO occupations for analysts: one row per concept URI with its labels in every language.
CREATE OR REPLACE TABLE esco_occupations AS
SELECT
    concept_uri,
    arg_max(code, modified_date) AS code,
    arg_max(isco_group, modified_date) AS isco_group,
    count(DISTINCT isco_group) > 1 AS isco_group_differs,
    max(preferred_label) FILTER (WHERE lang = 'fr') AS preferred_label_fr,
    max(preferred_label) FILTER (WHERE lang = 'nl') AS preferred_label_nl,
    max(preferred_label) FILTER (WHERE lang = 'en') AS preferred_label_en,
    max(label_masculine) FILTER (WHERE lang = 'fr') AS label_masculine_fr,
    max(label_feminine) FILTER (WHERE lang = 'fr') AS label_feminine_fr,
    max(alt_labels) FILTER (WHERE lang = 'fr') AS alt_labels_fr,
    max(alt_labels) FILTER (WHERE lang = 'nl') AS alt_labels_nl,
    max(alt_labels) FILTER (WHERE lang = 'en') AS alt_labels_en,
    max(modified_date) AS modified_date
FROM intermediate.int_esco_occupations
GROUP BY concept_uri
ORDER BY code;

COMMENT ON TABLE esco_occupations IS 'ESCO occupations (when ESCO files are in the raw folder): one row per concept URI with its code, ISCO-08 group and labels in French, Dutch and English.';
COMMENT ON COLUMN esco_occupations.concept_uri IS 'ESCO concept URI, the stable identifier.';
COMMENT ON COLUMN esco_occupations.code IS 'ESCO hierarchy code (ISCO unit group, then dotted parts, e.g. 2654.1.7).';
COMMENT ON COLUMN esco_occupations.isco_group IS 'ISCO-08 unit group (4 digits, leading zeros kept), from the most recently modified record.';
COMMENT ON COLUMN esco_occupations.isco_group_differs IS 'True when the language files (possibly of different ESCO releases) disagree on the ISCO group; see esco_release_differences.';
COMMENT ON COLUMN esco_occupations.preferred_label_fr IS 'Preferred French label (masculine/feminine pair as ESCO writes it).';
COMMENT ON COLUMN esco_occupations.preferred_label_nl IS 'Preferred Dutch label.';
COMMENT ON COLUMN esco_occupations.preferred_label_en IS 'Preferred English label.';
COMMENT ON COLUMN esco_occupations.label_masculine_fr IS 'Masculine form of the French label.';
COMMENT ON COLUMN esco_occupations.label_feminine_fr IS 'Feminine form of the French label.';
COMMENT ON COLUMN esco_occupations.alt_labels_fr IS 'Alternative French labels.';
COMMENT ON COLUMN esco_occupations.alt_labels_nl IS 'Alternative Dutch labels.';
COMMENT ON COLUMN esco_occupations.alt_labels_en IS 'Alternative English labels.';
COMMENT ON COLUMN esco_occupations.modified_date IS 'Latest modification date of the occupation in the files read.';
