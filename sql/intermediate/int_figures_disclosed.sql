-- Disclosure control: a figure resting on fewer records than the threshold is withheld, and
-- so is its record count. Editorial figures (no record count) are published as given.
CREATE OR REPLACE TABLE intermediate.int_figures_disclosed AS
SELECT
    slug,
    figure,
    indicator,
    CASE WHEN n_records < getvariable('min_records') THEN NULL ELSE value END AS value,
    CASE WHEN n_records < getvariable('min_records') THEN NULL ELSE n_records END AS n_records,
    period,
    source_id,
    source_files,
    CASE
        WHEN n_records < getvariable('min_records')
            THEN 'fewer than ' || getvariable('min_records')::VARCHAR || ' records'
        ELSE unavailable_reason
    END AS suppressed
FROM intermediate.int_figures;
