-- One published value per métier and indicator. An editorial value marked as an override
-- wins; otherwise the available value of the source with the lowest precedence (a value
-- withheld by disclosure control lets the next source's value through).
CREATE OR REPLACE TABLE intermediate.int_figures_reconciled AS
WITH ranked AS (
    SELECT
        *,
        count(*) FILTER (WHERE value IS NOT NULL)
            OVER (PARTITION BY slug, indicator) AS available_candidates,
        row_number() OVER (
            PARTITION BY slug, indicator
            ORDER BY override DESC, value IS NULL, precedence, source_id
        ) AS rank
    FROM intermediate.int_figure_candidates
)
SELECT
    slug,
    figure,
    indicator,
    value,
    n_records,
    period,
    source_id,
    source_files,
    suppressed,
    suppression_code,
    suppression_params,
    flag,
    override,
    available_candidates
FROM ranked
WHERE rank = 1;
