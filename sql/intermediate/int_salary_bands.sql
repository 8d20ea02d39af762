-- Wage distribution per métier, experience band and year, with the disclosure decision of
-- each cell (rules in meta_disclosure, indicator salary_median): primary (too few wages),
-- dominance (the few highest wages make up most of the total) and secondary (the bands of a
-- métier and year add up to its employees, so a year never has exactly one withheld band:
-- the smallest published other band is withheld with it).
CREATE OR REPLACE TABLE intermediate.int_salary_bands AS
WITH rules AS (
    SELECT min_records, dominance_top_n, dominance_share
    FROM meta_disclosure
    WHERE indicator = 'salary_median'
),
banded AS (
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
        banded.slug,
        banded.band,
        banded.year,
        count(*) AS n_records,
        quantile_cont(banded.wage, [0.1, 0.25, 0.5, 0.75, 0.9]) AS quantiles,
        list_sort(list(banded.wage)) AS sorted_wages,
        any_value(rules.min_records) AS min_records,
        any_value(rules.dominance_top_n) AS top_n,
        any_value(rules.dominance_share) AS top_share
    FROM banded
    CROSS JOIN rules
    GROUP BY banded.slug, banded.band, banded.year
),
dominance AS (
    SELECT
        *,
        macros.dominance_share(sorted_wages, top_n) AS top_wages_share
    FROM distribution
),
primary_rule AS (
    SELECT
        *,
        CASE
            WHEN n_records < min_records THEN 'primary'
            WHEN top_wages_share > top_share THEN 'dominance'
        END AS primary_code,
        CASE
            WHEN n_records < min_records THEN json_object('min_records', min_records)
            WHEN top_wages_share > top_share
                THEN json_object('top_n', top_n, 'share_percent', round(top_share * 100)::INTEGER)
        END AS primary_params
    FROM dominance
),
ranked AS (
    SELECT
        *,
        count(primary_code) OVER (PARTITION BY slug, year) AS withheld_bands,
        row_number() OVER (
            PARTITION BY slug, year, primary_code IS NULL ORDER BY n_records, band
        ) AS size_rank
    FROM primary_rule
)
SELECT
    slug,
    band,
    year,
    n_records,
    quantiles,
    macros.quantile_cv(sorted_wages, 0.5, quantiles[3]) AS median_cv,
    CASE
        WHEN primary_code IS NOT NULL THEN primary_code
        WHEN withheld_bands = 1 AND size_rank = 1 THEN 'secondary'
    END AS suppression_code,
    CASE
        WHEN primary_code IS NOT NULL THEN primary_params
        WHEN withheld_bands = 1 AND size_rank = 1 THEN json_object()
    END AS suppression_params
FROM ranked;
