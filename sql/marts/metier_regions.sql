-- Headcount, share of women and median wage per métier, region and year, under the rules of
-- meta_disclosure:
--   primary: a cell resting on fewer records than the headcount threshold is withheld; a
--     median wage resting on fewer employee wages than the salary_median threshold, or
--     dominated by its few highest wages, is withheld;
--   secondary: the regions of a métier and year add up to its national figures, so a group
--     never has exactly one withheld cell (or one withheld wage count): the smallest
--     published other one is withheld with it. Two unknowns with a known sum cannot be told
--     apart; one unknown would be the total minus the rest.
CREATE OR REPLACE TABLE metier_regions AS
WITH rules AS (
    SELECT
        max(min_records) FILTER (WHERE indicator = 'headcount') AS cell_min_records,
        max(min_records) FILTER (WHERE indicator = 'salary_median') AS wage_min_records,
        max(dominance_top_n) FILTER (WHERE indicator = 'salary_median') AS top_n,
        max(dominance_share) FILTER (WHERE indicator = 'salary_median') AS top_share,
        max(reliable_min_records) FILTER (WHERE indicator = 'headcount') AS reliable_min_records,
        max(reliable_max_cv) FILTER (WHERE indicator = 'headcount') AS reliable_max_cv,
        max(reliable_max_cv) FILTER (WHERE indicator = 'salary_median') AS wage_max_cv
    FROM meta_disclosure
),
records AS (
    SELECT
        *,
        CASE WHEN sex = 'F' THEN 1.0 ELSE 0.0 END AS is_woman,
        sum(weight * CASE WHEN sex = 'F' THEN 1.0 ELSE 0.0 END) OVER cell
            / sum(weight) OVER cell AS cell_share_women
    FROM intermediate.int_register_records
    WINDOW cell AS (PARTITION BY slug, region, year)
),
cells AS (
    SELECT
        slug,
        region,
        year,
        count(*) AS n_records,
        bool_or(weight <> 1) AS weighted,
        sum(weight) AS headcount,
        sum(weight * is_woman) / sum(weight) AS share_women,
        macros.ht_total_cv(weight) AS headcount_cv,
        macros.ht_ratio_se(weight, is_woman, cell_share_women) AS share_women_se,
        count(gross_monthly_eur) FILTER (WHERE status = 'employee') AS salary_n_records,
        quantile_cont(gross_monthly_eur, 0.5) FILTER (WHERE status = 'employee') AS salary_median,
        list_sort(list(gross_monthly_eur) FILTER (
            WHERE status = 'employee' AND gross_monthly_eur IS NOT NULL
        )) AS sorted_wages
    FROM records
    GROUP BY slug, region, year
),
primary_rule AS (
    SELECT
        cells.*,
        macros.dominance_share(cells.sorted_wages, rules.top_n) AS top_wages_share,
        rules.*,
        cells.n_records < rules.cell_min_records AS primary_suppressed
    FROM cells
    CROSS JOIN rules
),
ranked AS (
    SELECT
        *,
        count(*) FILTER (WHERE primary_suppressed) OVER metier_year AS primary_cells,
        row_number() OVER (
            PARTITION BY slug, year, primary_suppressed ORDER BY n_records, headcount, region
        ) AS size_rank
    FROM primary_rule
    WINDOW metier_year AS (PARTITION BY slug, year)
),
decided AS (
    SELECT
        *,
        CASE
            WHEN primary_suppressed THEN 'primary'
            WHEN primary_cells = 1 AND size_rank = 1 THEN 'secondary'
        END AS suppression_code,
        CASE
            WHEN primary_suppressed THEN json_object('min_records', cell_min_records)
            WHEN primary_cells = 1 AND size_rank = 1 THEN json_object()
        END AS suppression_params
    FROM ranked
),
wage_primary AS (
    SELECT
        *,
        CASE
            WHEN suppression_code IS NOT NULL THEN suppression_code
            WHEN salary_n_records < wage_min_records THEN 'too_few_wages'
            WHEN top_wages_share > top_share THEN 'dominance'
        END AS salary_primary_code,
        CASE
            WHEN suppression_code IS NOT NULL THEN suppression_params
            WHEN salary_n_records < wage_min_records
                THEN json_object('min_records', wage_min_records)
            WHEN top_wages_share > top_share
                THEN json_object('top_n', top_n, 'share_percent', round(top_share * 100)::INTEGER)
        END AS salary_primary_params
    FROM decided
),
wage_ranked AS (
    SELECT
        *,
        count(*) FILTER (WHERE salary_primary_code IS NOT NULL) OVER metier_year
            AS withheld_wages,
        row_number() OVER (
            PARTITION BY slug, year, salary_primary_code IS NULL
            ORDER BY salary_n_records, n_records, region
        ) AS wage_rank
    FROM wage_primary
    WINDOW metier_year AS (PARTITION BY slug, year)
),
wage_decided AS (
    SELECT
        *,
        CASE
            WHEN salary_primary_code IS NOT NULL THEN salary_primary_code
            WHEN withheld_wages = 1 AND wage_rank = 1 THEN 'secondary'
        END AS salary_suppression_code,
        CASE
            WHEN salary_primary_code IS NOT NULL THEN salary_primary_params
            WHEN withheld_wages = 1 AND wage_rank = 1 THEN json_object()
        END AS salary_suppression_params
    FROM wage_ranked
)
SELECT
    slug,
    region,
    year,
    CASE WHEN suppression_code IS NULL THEN headcount END AS headcount,
    CASE WHEN suppression_code IS NULL THEN share_women END AS share_women,
    CASE WHEN salary_suppression_code IS NULL THEN salary_median END AS salary_median,
    CASE WHEN suppression_code IS NULL THEN n_records END AS n_records,
    CASE WHEN salary_suppression_code IS NULL THEN salary_n_records END AS salary_n_records,
    macros.cell_suppression_text(suppression_code, suppression_params) AS suppressed,
    macros.cell_suppression_text(salary_suppression_code, salary_suppression_params)
        AS salary_suppressed,
    CASE WHEN suppression_code IS NULL THEN headcount_cv END AS headcount_cv,
    CASE
        WHEN suppression_code IS NULL THEN macros.smaller_share_cv(share_women_se, share_women)
    END AS share_women_cv,
    CASE
        WHEN suppression_code IS NOT NULL THEN NULL
        WHEN (weighted AND n_records < reliable_min_records) OR headcount_cv > reliable_max_cv
            THEN 'low'
        ELSE 'reliable'
    END AS headcount_reliability,
    CASE
        WHEN suppression_code IS NOT NULL THEN NULL
        WHEN (weighted AND n_records < reliable_min_records)
            OR macros.smaller_share_cv(share_women_se, share_women) > reliable_max_cv
            THEN 'low'
        ELSE 'reliable'
    END AS share_women_reliability,
    CASE
        WHEN salary_suppression_code IS NULL
            THEN macros.quantile_cv(sorted_wages, 0.5, salary_median)
    END AS salary_median_cv,
    CASE
        WHEN salary_suppression_code IS NOT NULL THEN NULL
        WHEN macros.quantile_cv(sorted_wages, 0.5, salary_median) > wage_max_cv
            THEN 'low'
        ELSE 'reliable'
    END AS salary_median_reliability,
    suppression_code,
    suppression_params,
    salary_suppression_code,
    salary_suppression_params
FROM wage_decided
ORDER BY slug, year, region;

COMMENT ON TABLE metier_regions IS 'Regional cut per métier, NUTS-2 region and year: weighted headcount, share of women and median wage, with primary suppression, dominance rule on wages, secondary suppression and reliability flags (rules in meta_disclosure).';
COMMENT ON COLUMN metier_regions.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_regions.region IS 'Belgian NUTS-2 region code (BE10 Bruxelles-Capitale, BE21..BE25 Flemish provinces, BE31..BE35 Walloon provinces).';
COMMENT ON COLUMN metier_regions.year IS 'Register year.';
COMMENT ON COLUMN metier_regions.headcount IS 'Weighted number of persons of the métier in the region; null when withheld.';
COMMENT ON COLUMN metier_regions.share_women IS 'Weighted share of women (fraction); null when withheld.';
COMMENT ON COLUMN metier_regions.salary_median IS 'Median gross monthly FTE wage of employees, in euros; null when withheld (see salary_suppressed).';
COMMENT ON COLUMN metier_regions.n_records IS 'Unweighted records in the cell; null when withheld.';
COMMENT ON COLUMN metier_regions.salary_n_records IS 'Employee wages the median rests on; null when the median is withheld.';
COMMENT ON COLUMN metier_regions.suppressed IS 'Why the cell is withheld: primary (too few records) or secondary (protects another withheld cell of the same métier and year); null when published.';
COMMENT ON COLUMN metier_regions.salary_suppressed IS 'Why salary_median is null: the cell is withheld, too few employee wages, dominance (a few wages make up most of the total) or secondary (protects another withheld wage count); null when published.';
COMMENT ON COLUMN metier_regions.suppression_code IS 'Code of why the cell is withheld: primary or secondary (see meta_suppression_reasons); null when published.';
COMMENT ON COLUMN metier_regions.suppression_params IS 'Parameters of suppression_code as JSON (e.g. {"min_records":10}), named in its wording in meta_suppression_reasons.';
COMMENT ON COLUMN metier_regions.salary_suppression_code IS 'Code of why salary_median is null: primary or secondary (the cell is withheld), too_few_wages, dominance or secondary (see meta_suppression_reasons); null when published.';
COMMENT ON COLUMN metier_regions.salary_suppression_params IS 'Parameters of salary_suppression_code as JSON (e.g. {"top_n":2,"share_percent":50}).';
COMMENT ON COLUMN metier_regions.headcount_cv IS 'Coefficient of variation of the weighted headcount (0 for a census); null when withheld.';
COMMENT ON COLUMN metier_regions.share_women_cv IS 'Coefficient of variation of the share of women, relative to the smaller of the share and its complement; null when withheld.';
COMMENT ON COLUMN metier_regions.headcount_reliability IS 'low when the cell rests on weighted records fewer than meta_disclosure.reliable_min_records or its CV exceeds reliable_max_cv, else reliable; null when withheld.';
COMMENT ON COLUMN metier_regions.share_women_reliability IS 'Reliability of share_women by the same rule (low or reliable); null when withheld.';
COMMENT ON COLUMN metier_regions.salary_median_cv IS 'Distribution-free coefficient of variation of the median wage (width of its 95% order-statistic interval / 3.92 / median); null when withheld.';
COMMENT ON COLUMN metier_regions.salary_median_reliability IS 'low when salary_median_cv exceeds meta_disclosure.reliable_max_cv (indicator salary_median), else reliable; null when withheld.';
