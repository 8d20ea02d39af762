-- Every figure of every métier in long form, before disclosure control: one row per value
-- (indicator), with the records it rests on, its period, its source and, when it has no
-- value, why (a code of meta_suppression_reasons and its parameters). Which figure an
-- indicator belongs to is in meta_figure_registry.
CREATE OR REPLACE TABLE intermediate.int_figures AS
WITH reference AS (
    SELECT reference_year FROM intermediate.int_reference_year
),
reference_figures AS (
    SELECT metier_years.*, files.raw_files
    FROM intermediate.int_metier_years AS metier_years
    CROSS JOIN reference
    LEFT JOIN intermediate.int_register_year_files AS files USING (year)
    WHERE metier_years.year = reference.reference_year
),
register_figures AS (
    -- headcount and every weighted mean of int_metier_years, one row each
    SELECT *
    FROM reference_figures
    UNPIVOT INCLUDE NULLS (
        value FOR indicator IN (COLUMNS(* EXCLUDE (slug, year, n_records, raw_files)))
    )
)
SELECT
    slug, indicator, value, n_records, year::VARCHAR AS period,
    'register' AS source_id, raw_files AS source_files,
    NULL::VARCHAR AS unavailable_code, NULL::JSON AS unavailable_params
FROM register_figures
UNION ALL
SELECT
    growth.slug, 'growth_rate', growth.growth_rate, growth.n_records,
    growth.base_year::VARCHAR || '-' || growth.reference_year::VARCHAR,
    'register',
    (
        SELECT string_agg(files.raw_files, ', ' ORDER BY files.year)
        FROM intermediate.int_register_year_files AS files
        WHERE files.year IN (growth.base_year, growth.reference_year)
    ),
    CASE WHEN growth.growth_rate IS NULL THEN 'short_history' END,
    CASE
        WHEN growth.growth_rate IS NULL THEN json_object('min_years', growth.min_span_years)
    END
FROM intermediate.int_growth AS growth
UNION ALL
SELECT
    salaries.slug,
    CASE WHEN salaries.band = 'entry' THEN 'salary_entry' ELSE 'salary_senior_median' END,
    salaries.median, salaries.n_records, salaries.period, 'register',
    (
        SELECT string_agg(files.raw_files, ', ' ORDER BY files.year)
        FROM intermediate.int_register_year_files AS files
        WHERE files.year BETWEEN salaries.first_year AND salaries.last_year
    ),
    salaries.dominance_code,
    salaries.dominance_params
FROM intermediate.int_salary_figures AS salaries
UNION ALL
SELECT
    salaries.slug, 'salary_senior_p90', salaries.p90, salaries.n_records,
    salaries.period, 'register',
    (
        SELECT string_agg(files.raw_files, ', ' ORDER BY files.year)
        FROM intermediate.int_register_year_files AS files
        WHERE files.year BETWEEN salaries.first_year AND salaries.last_year
    ),
    salaries.dominance_code,
    salaries.dominance_params
FROM intermediate.int_salary_figures AS salaries
WHERE salaries.band = 'senior'
UNION ALL
SELECT
    slug, 'insertion_rate', insertion_rate, leavers, period, 'insertion',
    raw_files, NULL, NULL
FROM intermediate.int_insertion
UNION ALL
SELECT
    facts.slug, unnest(['freelance_rate_min', 'freelance_rate_max']),
    unnest([facts.value_min, facts.value_max]), NULL, facts.year::VARCHAR, 'facts',
    source_files.raw_file, NULL, NULL
FROM intermediate.int_freelance_rates AS facts
LEFT JOIN intermediate.int_source_files AS source_files USING (staging_file);
