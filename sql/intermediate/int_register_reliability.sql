-- Coefficient of variation and reliability flag of every figure computed from register
-- records. A figure is low reliability when it rests on weighted (sampled) records and on
-- fewer than reliable_min_records of them, or when its CV exceeds reliable_max_cv; a census
-- (every weight 1) has no sampling error, so its record count alone does not flag it.
-- Variances are those of Horvitz-Thompson estimates under Poisson sampling with inclusion
-- probability 1/weight (macros.ht_total_cv, macros.ht_ratio_se). A share's CV is taken
-- relative to the smaller of the share and its complement (macros.smaller_share_cv), a
-- mean's relative to the mean; which is which comes from meta_figure_registry.estimate.
-- Growth takes the larger CV of its two headcounts. Wage medians and percentiles
-- (unweighted) take the distribution-free CV of macros.quantile_cv, whose interval already
-- widens with few records.
CREATE OR REPLACE TABLE intermediate.int_register_reliability AS
WITH rules AS (
    SELECT indicator, reliable_min_records, reliable_max_cv
    FROM meta_disclosure
    WHERE reliable_max_cv IS NOT NULL
),
reference AS (
    SELECT reference_year FROM intermediate.int_reference_year
),
yearly AS (
    SELECT
        slug,
        year,
        count(*) AS n_records,
        bool_or(weight <> 1) AS weighted,
        macros.ht_total_cv(weight) AS headcount_cv
    FROM intermediate.int_register_records
    GROUP BY slug, year
),
headcount AS (
    SELECT slug, 'headcount' AS indicator, headcount_cv AS cv, n_records, weighted
    FROM yearly
    WHERE year = (SELECT reference_year FROM reference)
),
measures AS (
    -- the reference year's records, one row per record and averaged figure
    UNPIVOT (
        SELECT *
        FROM intermediate.int_register_measures
        WHERE year = (SELECT reference_year FROM reference)
    )
    ON COLUMNS(* EXCLUDE (slug, year, weight))
    INTO NAME indicator VALUE measure
),
estimated AS (
    SELECT
        *,
        sum(weight * measure) OVER figure / sum(weight) OVER figure AS estimate
    FROM measures
    WINDOW figure AS (PARTITION BY slug, indicator)
),
ratios AS (
    SELECT
        slug,
        indicator,
        macros.ht_ratio_se(weight, measure, estimate) AS standard_error,
        any_value(estimate) AS estimate,
        count(*) AS n_records,
        bool_or(weight <> 1) AS weighted
    FROM estimated
    GROUP BY slug, indicator
),
averages AS (
    SELECT
        ratios.slug,
        ratios.indicator,
        CASE
            WHEN registry.estimate = 'share'
                THEN macros.smaller_share_cv(ratios.standard_error, ratios.estimate)
            ELSE ratios.standard_error / ratios.estimate
        END AS cv,
        ratios.n_records,
        ratios.weighted
    FROM ratios
    INNER JOIN meta_figure_registry AS registry USING (indicator)
),
growth AS (
    SELECT
        growth.slug,
        'growth_rate' AS indicator,
        greatest(base.headcount_cv, latest.headcount_cv) AS cv,
        growth.n_records,
        base.weighted OR latest.weighted AS weighted
    FROM intermediate.int_growth AS growth
    INNER JOIN yearly AS base
        ON base.slug = growth.slug AND base.year = growth.base_year
    INNER JOIN yearly AS latest
        ON latest.slug = growth.slug AND latest.year = growth.reference_year
),
salaries AS (
    SELECT
        slug,
        unnest(CASE
            WHEN band = 'entry' THEN ['salary_entry']
            ELSE ['salary_senior_median', 'salary_senior_p90']
        END) AS indicator,
        unnest(CASE WHEN band = 'entry' THEN [median_cv] ELSE [median_cv, p90_cv] END) AS cv,
        n_records,
        false AS weighted
    FROM intermediate.int_salary_figures
),
figures AS (
    SELECT * FROM headcount
    UNION ALL
    SELECT * FROM averages
    UNION ALL
    SELECT * FROM growth
    UNION ALL
    SELECT * FROM salaries
)
SELECT
    figures.slug,
    figures.indicator,
    figures.cv,
    figures.n_records,
    CASE
        WHEN figures.weighted AND coalesce(figures.n_records < rules.reliable_min_records, false)
            OR coalesce(figures.cv > rules.reliable_max_cv, false)
            THEN 'low'
        ELSE 'reliable'
    END AS reliability
FROM figures
INNER JOIN rules USING (indicator);
