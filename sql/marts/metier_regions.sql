-- Headcount, share of women and median wage per métier, region and year, with primary and
-- secondary suppression: when a single cell of a métier-year is withheld, the smallest other
-- cell is withheld too, so the withheld one cannot be recovered from the total.
CREATE OR REPLACE TABLE metier_regions AS
WITH cells AS (
    SELECT
        slug,
        region,
        year,
        count(*) AS n_records,
        sum(weight) AS headcount,
        coalesce(sum(weight) FILTER (WHERE sex = 'F'), 0) / sum(weight) AS share_women,
        count(gross_monthly_eur) FILTER (WHERE status = 'employee') AS salary_n_records,
        quantile_cont(gross_monthly_eur, 0.5) FILTER (WHERE status = 'employee') AS salary_median
    FROM intermediate.int_register_records
    GROUP BY slug, region, year
),
primary_rule AS (
    SELECT
        *,
        n_records < getvariable('min_records') AS primary_suppressed
    FROM cells
),
ranked AS (
    SELECT
        *,
        count(*) FILTER (WHERE primary_suppressed) OVER metier_year AS primary_cells,
        row_number() OVER (
            PARTITION BY slug, year, primary_suppressed ORDER BY n_records, region
        ) AS size_rank
    FROM primary_rule
    WINDOW metier_year AS (PARTITION BY slug, year)
),
decided AS (
    SELECT
        *,
        CASE
            WHEN primary_suppressed
                THEN 'primary: fewer than ' || getvariable('min_records')::VARCHAR || ' records'
            WHEN primary_cells = 1 AND size_rank = 1
                THEN 'secondary: protects another withheld cell'
        END AS suppressed
    FROM ranked
)
SELECT
    slug,
    region,
    year,
    CASE WHEN suppressed IS NULL THEN headcount END AS headcount,
    CASE WHEN suppressed IS NULL THEN share_women END AS share_women,
    CASE
        WHEN suppressed IS NULL AND salary_n_records >= getvariable('min_records')
            THEN salary_median
    END AS salary_median,
    CASE WHEN suppressed IS NULL THEN n_records END AS n_records,
    CASE
        WHEN suppressed IS NULL AND salary_n_records >= getvariable('min_records')
            THEN salary_n_records
    END AS salary_n_records,
    suppressed,
    CASE
        WHEN suppressed IS NOT NULL THEN suppressed
        WHEN salary_n_records < getvariable('min_records')
            THEN 'fewer than ' || getvariable('min_records')::VARCHAR || ' employee wages'
    END AS salary_suppressed
FROM decided
ORDER BY slug, year, region;

COMMENT ON TABLE metier_regions IS 'Regional cut per métier, NUTS-2 region and year: weighted headcount, share of women and median wage, with primary and secondary suppression.';
COMMENT ON COLUMN metier_regions.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_regions.region IS 'Belgian NUTS-2 region code (BE10 Bruxelles-Capitale, BE21..BE25 Flemish provinces, BE31..BE35 Walloon provinces).';
COMMENT ON COLUMN metier_regions.year IS 'Register year.';
COMMENT ON COLUMN metier_regions.headcount IS 'Weighted number of persons of the métier in the region; null when withheld.';
COMMENT ON COLUMN metier_regions.share_women IS 'Weighted share of women (fraction); null when withheld.';
COMMENT ON COLUMN metier_regions.salary_median IS 'Median gross monthly FTE wage of employees, in euros; null when withheld or fewer employee wages than the threshold.';
COMMENT ON COLUMN metier_regions.n_records IS 'Unweighted records in the cell; null when withheld.';
COMMENT ON COLUMN metier_regions.salary_n_records IS 'Employee wages the median rests on; null when withheld.';
COMMENT ON COLUMN metier_regions.suppressed IS 'Why the cell is withheld: primary (too few records) or secondary (protects another withheld cell of the same métier and year); null when published.';
COMMENT ON COLUMN metier_regions.salary_suppressed IS 'Why salary_median is null; null when published.';
