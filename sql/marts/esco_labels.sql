-- Every ESCO label of every occupation, for search by title or alternative label.
CREATE OR REPLACE TABLE esco_labels AS
WITH labels AS (
    SELECT concept_uri, code, lang, 'preferred' AS kind, preferred_label AS label
    FROM intermediate.int_esco_occupations
    UNION ALL
    SELECT concept_uri, code, lang, 'masculine', label_masculine
    FROM intermediate.int_esco_occupations
    UNION ALL
    SELECT concept_uri, code, lang, 'feminine', label_feminine
    FROM intermediate.int_esco_occupations
    UNION ALL
    SELECT concept_uri, code, lang, 'alternative', unnest(alt_labels)
    FROM intermediate.int_esco_occupations
)
SELECT DISTINCT
    concept_uri,
    code,
    lang,
    kind,
    label,
    strip_accents(lower(label)) AS search_key
FROM labels
WHERE label IS NOT NULL AND label <> ''
ORDER BY code, lang, kind, label;

COMMENT ON TABLE esco_labels IS 'Every preferred, gendered and alternative ESCO label of every occupation, one row per label and language; search_key is the label lower-cased without accents.';
COMMENT ON COLUMN esco_labels.concept_uri IS 'ESCO concept URI.';
COMMENT ON COLUMN esco_labels.code IS 'ESCO code of the occupation.';
COMMENT ON COLUMN esco_labels.lang IS 'Language of the label (fr, nl, en).';
COMMENT ON COLUMN esco_labels.kind IS 'preferred, masculine, feminine or alternative.';
COMMENT ON COLUMN esco_labels.label IS 'The label as ESCO writes it.';
COMMENT ON COLUMN esco_labels.search_key IS 'The label lower-cased and without accents, for accent- and case-insensitive search.';
