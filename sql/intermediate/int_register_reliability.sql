-- Coefficient of variation and reliability flag of every figure computed from register
-- records. A figure is low reliability when it rests on weighted (sampled) records and on
-- fewer than reliable_min_records of them, or when its CV exceeds reliable_max_cv; a census
-- (every weight 1) has no sampling error, so its record count alone does not flag it. Variances are those of Horvitz-Thompson estimates under Poisson sampling
-- with inclusion probability 1/weight (Särndal et al., Model Assisted Survey Sampling, 5.7):
--   total  Y = sum(w y):            V = sum(w (w - 1) y^2)
--   ratio  R = sum(w y) / sum(w):   V = sum(w (w - 1) (y - R)^2) / sum(w)^2
-- A census (every weight 1) has variance 0. A share's CV is taken relative to the smaller of
-- the share and its complement, so 3% and 97% women are equally (un)reliable. Growth takes
-- the larger CV of its two headcounts. Wage medians and percentiles (unweighted) take the
-- distribution-free CV of macros.quantile_cv, whose interval already widens with few records.
CREATE OR REPLACE TABLE intermediate.int_register_reliability AS
WITH rules AS (
    SELECT indicator, reliable_min_records, reliable_max_cv
    FROM meta_disclosure
    WHERE reliable_max_cv IS NOT NULL
),
records AS (
    SELECT
        slug,
        year,
        weight,
        age::DOUBLE AS age,
        CASE WHEN sex = 'F' THEN 1.0 ELSE 0.0 END AS is_woman,
        CASE WHEN status = 'self_employed' THEN 1.0 ELSE 0.0 END AS is_self_employed
    FROM intermediate.int_register_records
),
estimates AS (
    SELECT
        records.*,
        sum(weight * age) OVER metier_year / sum(weight) OVER metier_year AS mean_age,
        sum(weight * is_woman) OVER metier_year / sum(weight) OVER metier_year AS women,
        sum(weight * is_self_employed) OVER metier_year / sum(weight) OVER metier_year
            AS self_employed
    FROM records
    WINDOW metier_year AS (PARTITION BY slug, year)
),
yearly AS (
    SELECT
        slug,
        year,
        count(*) AS n_records,
        bool_or(weight <> 1) AS weighted,
        macros.ht_total_cv(weight) AS headcount_cv,
        macros.ht_ratio_se(weight, age, mean_age) / any_value(mean_age) AS average_age_cv,
        macros.ht_ratio_se(weight, is_woman, women) AS share_women_se,
        any_value(women) AS share_women,
        macros.ht_ratio_se(weight, is_self_employed, self_employed) AS share_self_employed_se,
        any_value(self_employed) AS share_self_employed
    FROM estimates
    GROUP BY slug, year
),
relative_to_smaller_share AS (
    SELECT
        *,
        macros.smaller_share_cv(share_women_se, share_women) AS share_women_cv,
        macros.smaller_share_cv(share_self_employed_se, share_self_employed)
            AS share_self_employed_cv
    FROM yearly
),
reference_figures AS (
    SELECT
        slug,
        unnest(['headcount', 'average_age', 'share_women', 'share_self_employed'])
            AS indicator,
        unnest([headcount_cv, average_age_cv, share_women_cv, share_self_employed_cv]) AS cv,
        n_records,
        weighted
    FROM relative_to_smaller_share
    WHERE year = (SELECT reference_year FROM intermediate.int_reference_year)
),
growth AS (
    SELECT
        growth.slug,
        'growth_rate' AS indicator,
        greatest(base.headcount_cv, latest.headcount_cv) AS cv,
        growth.n_records,
        base.weighted OR latest.weighted AS weighted
    FROM intermediate.int_growth AS growth
    INNER JOIN relative_to_smaller_share AS base
        ON base.slug = growth.slug AND base.year = growth.base_year
    INNER JOIN relative_to_smaller_share AS latest
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
    SELECT * FROM reference_figures
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
