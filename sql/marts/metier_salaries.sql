-- Wage distribution of employees per métier, experience band and year; withheld cells
-- (see intermediate/int_salary_bands.sql) keep only their reason.
CREATE OR REPLACE TABLE metier_salaries AS
SELECT
    slug,
    band,
    year,
    CASE WHEN suppression_code IS NULL THEN n_records END AS n_records,
    CASE WHEN suppression_code IS NULL THEN quantiles[1] END AS p10,
    CASE WHEN suppression_code IS NULL THEN quantiles[2] END AS p25,
    CASE WHEN suppression_code IS NULL THEN quantiles[3] END AS median,
    CASE WHEN suppression_code IS NULL THEN quantiles[4] END AS p75,
    CASE WHEN suppression_code IS NULL THEN quantiles[5] END AS p90,
    macros.cell_suppression_text(suppression_code, suppression_params) AS suppressed,
    CASE WHEN suppression_code IS NULL THEN median_cv END AS median_cv,
    CASE
        WHEN suppression_code IS NOT NULL THEN NULL
        WHEN median_cv > (
            SELECT reliable_max_cv FROM meta_disclosure WHERE indicator = 'salary_median'
        ) THEN 'low'
        ELSE 'reliable'
    END AS reliability,
    suppression_code,
    suppression_params
FROM intermediate.int_salary_bands
ORDER BY slug, year, band;

COMMENT ON TABLE metier_salaries IS 'Distribution of the gross monthly FTE wage of employees per métier, experience band and year, in euros, with primary, dominance and secondary suppression (rules in meta_disclosure, indicator salary_median).';
COMMENT ON COLUMN metier_salaries.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_salaries.band IS 'Experience band in years: 0-2, 3-9 or 10+.';
COMMENT ON COLUMN metier_salaries.year IS 'Register year.';
COMMENT ON COLUMN metier_salaries.n_records IS 'Employee wages in the cell; null when withheld.';
COMMENT ON COLUMN metier_salaries.p10 IS '10th percentile (linear interpolation), euros.';
COMMENT ON COLUMN metier_salaries.p25 IS '25th percentile, euros.';
COMMENT ON COLUMN metier_salaries.median IS 'Median, euros.';
COMMENT ON COLUMN metier_salaries.p75 IS '75th percentile, euros.';
COMMENT ON COLUMN metier_salaries.p90 IS '90th percentile, euros.';
COMMENT ON COLUMN metier_salaries.suppressed IS 'Why the cell is null: primary (fewer records than the threshold), dominance (a few wages make up most of the total) or secondary (protects another withheld band of the same year); null when published.';
COMMENT ON COLUMN metier_salaries.suppression_code IS 'Code of why the cell is null: primary, dominance or secondary (see meta_suppression_reasons); null when published.';
COMMENT ON COLUMN metier_salaries.suppression_params IS 'Parameters of suppression_code as JSON (e.g. {"min_records":10}), named in its wording in meta_suppression_reasons.';
COMMENT ON COLUMN metier_salaries.median_cv IS 'Distribution-free coefficient of variation of the median (width of its 95% order-statistic interval / 3.92 / median); null when withheld.';
COMMENT ON COLUMN metier_salaries.reliability IS 'low when median_cv exceeds meta_disclosure.reliable_max_cv (indicator salary_median), else reliable; null when withheld.';
