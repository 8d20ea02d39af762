-- Wage distribution of employees per métier, experience band and year.
CREATE OR REPLACE TABLE metier_salaries AS
WITH banded AS (
    SELECT
        slug,
        year,
        gross_monthly_eur AS wage,
        CASE
            WHEN experience_years < 3 THEN '0-2'
            WHEN experience_years < 10 THEN '3-9'
            ELSE '10+'
        END AS band
    FROM intermediate.int_register_records
    WHERE status = 'employee' AND gross_monthly_eur IS NOT NULL
),
distribution AS (
    SELECT
        slug,
        band,
        year,
        count(*) AS n_records,
        quantile_cont(wage, [0.1, 0.25, 0.5, 0.75, 0.9]) AS quantiles
    FROM banded
    GROUP BY slug, band, year
)
SELECT
    slug,
    band,
    year,
    CASE WHEN n_records >= getvariable('min_records') THEN n_records END AS n_records,
    CASE WHEN n_records >= getvariable('min_records') THEN quantiles[1] END AS p10,
    CASE WHEN n_records >= getvariable('min_records') THEN quantiles[2] END AS p25,
    CASE WHEN n_records >= getvariable('min_records') THEN quantiles[3] END AS median,
    CASE WHEN n_records >= getvariable('min_records') THEN quantiles[4] END AS p75,
    CASE WHEN n_records >= getvariable('min_records') THEN quantiles[5] END AS p90,
    CASE
        WHEN n_records < getvariable('min_records')
            THEN 'fewer than ' || getvariable('min_records')::VARCHAR || ' records'
    END AS suppressed
FROM distribution
ORDER BY slug, year, band;

COMMENT ON TABLE metier_salaries IS 'Distribution of the gross monthly FTE wage of employees per métier, experience band and year, in euros.';
COMMENT ON COLUMN metier_salaries.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_salaries.band IS 'Experience band in years: 0-2, 3-9 or 10+.';
COMMENT ON COLUMN metier_salaries.year IS 'Register year.';
COMMENT ON COLUMN metier_salaries.n_records IS 'Employee wages in the cell; null when withheld.';
COMMENT ON COLUMN metier_salaries.p10 IS '10th percentile (linear interpolation), euros.';
COMMENT ON COLUMN metier_salaries.p25 IS '25th percentile, euros.';
COMMENT ON COLUMN metier_salaries.median IS 'Median, euros.';
COMMENT ON COLUMN metier_salaries.p75 IS '75th percentile, euros.';
COMMENT ON COLUMN metier_salaries.p90 IS '90th percentile, euros.';
COMMENT ON COLUMN metier_salaries.suppressed IS 'Why the quantiles are null (fewer records than the threshold); null when published.';
