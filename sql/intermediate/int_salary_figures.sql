-- Entry (experience < 3 years) and senior (>= 10 years) wages of employees in Y; a band with
-- fewer records in Y than the disclosure threshold pools Y-2..Y instead.
CREATE OR REPLACE TABLE intermediate.int_salary_figures AS
WITH employee_wages AS (
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
reference_counts AS (
    SELECT
        slug,
        band,
        count(*) FILTER (WHERE year = reference_year) AS n_reference_year
    FROM employee_wages
    WHERE band IS NOT NULL
    GROUP BY slug, band
),
selected AS (
    SELECT employee_wages.*
    FROM employee_wages
    INNER JOIN reference_counts USING (slug, band)
    WHERE reference_counts.n_reference_year < getvariable('min_records')
        OR employee_wages.year = employee_wages.reference_year
)
SELECT
    slug,
    band,
    CASE
        WHEN min(year) = max(year) THEN min(year)::VARCHAR
        ELSE min(year)::VARCHAR || '-' || max(year)::VARCHAR
    END AS period,
    min(year) AS first_year,
    max(year) AS last_year,
    count(*) AS n_records,
    quantile_cont(wage, 0.5) AS median,
    quantile_cont(wage, 0.9) AS p90
FROM selected
GROUP BY slug, band;
