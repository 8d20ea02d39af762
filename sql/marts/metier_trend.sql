-- Headcount of each métier per register year.
CREATE OR REPLACE TABLE metier_trend AS
SELECT
    slug,
    year,
    CASE WHEN n_records >= threshold.min_records THEN headcount END AS headcount,
    CASE WHEN n_records >= threshold.min_records THEN n_records END AS n_records,
    CASE
        WHEN n_records < threshold.min_records
            THEN 'fewer than ' || threshold.min_records::VARCHAR || ' records'
    END AS suppressed
FROM intermediate.int_metier_years
CROSS JOIN (
    SELECT min_records FROM meta_disclosure WHERE indicator = 'headcount'
) AS threshold
ORDER BY slug, year;

COMMENT ON TABLE metier_trend IS 'Weighted headcount of each métier per register year.';
COMMENT ON COLUMN metier_trend.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_trend.year IS 'Register year.';
COMMENT ON COLUMN metier_trend.headcount IS 'Weighted number of persons; null when withheld.';
COMMENT ON COLUMN metier_trend.n_records IS 'Unweighted records; null when withheld.';
COMMENT ON COLUMN metier_trend.suppressed IS 'Why headcount is null; null when published.';
