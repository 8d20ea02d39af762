-- Headcount of each métier per register year.
CREATE OR REPLACE TABLE metier_trend AS
SELECT
    slug,
    year,
    CASE WHEN n_records >= threshold.min_records THEN headcount END AS headcount,
    CASE WHEN n_records >= threshold.min_records THEN n_records END AS n_records,
    macros.suppression_text(reason.code, reason.params) AS suppressed,
    reason.code AS suppression_code,
    reason.params AS suppression_params
FROM intermediate.int_metier_years
CROSS JOIN (
    SELECT min_records FROM meta_disclosure WHERE indicator = 'headcount'
) AS threshold
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN n_records < threshold.min_records THEN 'primary' END AS code,
        CASE
            WHEN n_records < threshold.min_records
                THEN json_object('min_records', threshold.min_records)
        END AS params
) AS reason
ORDER BY slug, year;

COMMENT ON TABLE metier_trend IS 'Weighted headcount of each métier per register year.';
COMMENT ON COLUMN metier_trend.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_trend.year IS 'Register year.';
COMMENT ON COLUMN metier_trend.headcount IS 'Weighted number of persons; null when withheld.';
COMMENT ON COLUMN metier_trend.n_records IS 'Unweighted records; null when withheld.';
COMMENT ON COLUMN metier_trend.suppressed IS 'Why headcount is null; null when published.';
COMMENT ON COLUMN metier_trend.suppression_code IS 'Code of why headcount is null (primary, see meta_suppression_reasons); null when published.';
COMMENT ON COLUMN metier_trend.suppression_params IS 'Parameters of suppression_code as JSON (e.g. {"min_records":10}).';
