-- Compound annual growth of headcount from Y-5 (or the métier's first year after it) to Y.
-- A span shorter than 3 years gives no rate.
CREATE OR REPLACE TABLE intermediate.int_growth AS
WITH span_rule AS (
    SELECT 3 AS min_span_years
),
base_years AS (
    SELECT
        metier_years.slug,
        min(metier_years.year) AS base_year
    FROM intermediate.int_metier_years AS metier_years
    CROSS JOIN intermediate.int_reference_year AS reference
    WHERE metier_years.year >= reference.reference_year - 5
    GROUP BY metier_years.slug
)
SELECT
    base_years.slug,
    base_years.base_year,
    reference.reference_year,
    reference.reference_year - base_years.base_year AS span_years,
    span_rule.min_span_years,
    CASE
        WHEN reference.reference_year - base_years.base_year >= span_rule.min_span_years
            THEN pow(
                latest.headcount / earliest.headcount,
                1.0 / (reference.reference_year - base_years.base_year)
            ) - 1
    END AS growth_rate,
    least(latest.n_records, earliest.n_records) AS n_records
FROM base_years
CROSS JOIN intermediate.int_reference_year AS reference
CROSS JOIN span_rule
INNER JOIN intermediate.int_metier_years AS earliest
    ON earliest.slug = base_years.slug AND earliest.year = base_years.base_year
INNER JOIN intermediate.int_metier_years AS latest
    ON latest.slug = base_years.slug AND latest.year = reference.reference_year;
