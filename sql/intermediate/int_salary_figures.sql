-- Entry (experience < 3 years) and senior (>= 10 years) wages of employees in Y. When the
-- band's cell of Y is withheld in the wage distribution (int_salary_bands: too few wages,
-- dominance, or protecting another band), the figure pools Y-2..Y instead, so a value
-- withheld there is never published here. A pooled figure obeys the same rules (threshold
-- of its indicator, dominance) and is withheld with its reason code when it breaks one.
CREATE OR REPLACE TABLE intermediate.int_salary_figures AS
WITH rules AS (
    SELECT
        max(min_records) FILTER (WHERE indicator = 'salary_entry') AS entry_min_records,
        max(min_records) FILTER (WHERE indicator = 'salary_senior_median') AS senior_min_records,
        max(dominance_top_n) FILTER (WHERE indicator = 'salary_entry') AS top_n,
        max(dominance_share) FILTER (WHERE indicator = 'salary_entry') AS top_share
    FROM meta_disclosure
),
employee_wages AS (
    SELECT
        records.slug,
        records.year,
        records.gross_monthly_eur AS wage,
        CASE
            WHEN records.experience_years < 3 THEN 'entry'
            WHEN records.experience_years >= 10 THEN 'senior'
        END AS band,
        reference.reference_year
    FROM intermediate.int_register_records AS records
    CROSS JOIN intermediate.int_reference_year AS reference
    WHERE records.status = 'employee'
        AND records.gross_monthly_eur IS NOT NULL
        AND records.year BETWEEN reference.reference_year - 2 AND reference.reference_year
),
reference_cells AS (
    SELECT
        bands.slug,
        CASE bands.band WHEN '0-2' THEN 'entry' ELSE 'senior' END AS band,
        bands.suppression_code IS NULL
            AND bands.n_records >= CASE
                WHEN bands.band = '0-2' THEN rules.entry_min_records
                ELSE rules.senior_min_records
            END AS reference_year_published
    FROM intermediate.int_salary_bands AS bands
    CROSS JOIN intermediate.int_reference_year AS reference
    CROSS JOIN rules
    WHERE bands.year = reference.reference_year AND bands.band IN ('0-2', '10+')
),
selected AS (
    SELECT employee_wages.*
    FROM employee_wages
    LEFT JOIN reference_cells USING (slug, band)
    WHERE employee_wages.band IS NOT NULL
        AND (
            NOT coalesce(reference_cells.reference_year_published, false)
            OR employee_wages.year = employee_wages.reference_year
        )
),
figures AS (
    SELECT
        selected.slug,
        selected.band,
        CASE
            WHEN min(selected.year) = max(selected.year) THEN min(selected.year)::VARCHAR
            ELSE min(selected.year)::VARCHAR || '-' || max(selected.year)::VARCHAR
        END AS period,
        min(selected.year) AS first_year,
        max(selected.year) AS last_year,
        count(*) AS n_records,
        quantile_cont(selected.wage, 0.5) AS median,
        quantile_cont(selected.wage, 0.9) AS p90,
        list_sort(list(selected.wage)) AS sorted_wages,
        rules.top_n,
        rules.top_share
    FROM selected
    CROSS JOIN rules
    GROUP BY selected.slug, selected.band, rules.top_n, rules.top_share
)
SELECT
    slug,
    band,
    period,
    first_year,
    last_year,
    n_records,
    CASE WHEN top_wages_share > top_share THEN NULL ELSE median END AS median,
    CASE WHEN top_wages_share > top_share THEN NULL ELSE p90 END AS p90,
    macros.quantile_cv(sorted_wages, 0.5, median) AS median_cv,
    macros.quantile_cv(sorted_wages, 0.9, p90) AS p90_cv,
    CASE WHEN top_wages_share > top_share THEN 'dominance' END AS dominance_code,
    CASE
        WHEN top_wages_share > top_share
            THEN json_object('top_n', top_n, 'share_percent', round(top_share * 100)::INTEGER)
    END AS dominance_params
FROM (
    SELECT
        *,
        macros.dominance_share(sorted_wages, top_n) AS top_wages_share
    FROM figures
);
