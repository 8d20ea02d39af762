-- One published value per métier and indicator. An editorial value marked as an override
-- wins; otherwise the available value of the source with the lowest precedence (a value
-- withheld by disclosure control lets the next source's value through); at equal
-- precedence a finer match (the métier's own code before an ISCO group) wins, then the
-- latest period.
CREATE OR REPLACE TABLE intermediate.int_figures_reconciled AS
WITH ranked AS (
    SELECT
        *,
        -- sources, not candidates: a table gives one per match level
        count(DISTINCT source_id) FILTER (WHERE value IS NOT NULL)
            OVER (PARTITION BY slug, indicator) AS available_candidates,
        row_number() OVER (
            PARTITION BY slug, indicator
            ORDER BY
                override DESC, value IS NULL, precedence, match_rank, period_end DESC NULLS LAST,
                source_id
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
    available_candidates,
    match_level,
    match_group,
    period_end
FROM ranked
WHERE rank = 1;
