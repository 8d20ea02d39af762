-- Pairs of available candidate values of a figure that disagree by more than the declared
-- tolerance ([reconciliation.tolerance] in sources.toml), for editorial review. Each source
-- is compared with its best candidate only (finest match, then latest period): a table's
-- ISCO-group value is not in conflict with its own finer value.
CREATE OR REPLACE TABLE intermediate.int_figure_conflicts AS
WITH available AS (
    SELECT * FROM intermediate.int_figure_candidates WHERE value IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY slug, indicator, source_id
        ORDER BY match_rank, period_end DESC NULLS LAST
    ) = 1
),
pairs AS (
    SELECT
        first.slug,
        first.figure,
        first.indicator,
        first.source_id AS source_a,
        first.value AS value_a,
        second.source_id AS source_b,
        second.value AS value_b,
        abs(first.value - second.value) AS absolute_difference,
        abs(first.value - second.value)
            / nullif(greatest(abs(first.value), abs(second.value)), 0) AS relative_difference
    FROM available AS first
    INNER JOIN available AS second
        ON first.slug = second.slug
        AND first.indicator = second.indicator
        AND first.source_id < second.source_id
),
tolerances AS (
    SELECT
        pairs.*,
        CASE WHEN specific.indicator IS NOT NULL THEN specific.relative ELSE fallback.relative END
            AS tolerance_relative,
        CASE WHEN specific.indicator IS NOT NULL THEN specific.absolute ELSE fallback.absolute END
            AS tolerance_absolute
    FROM pairs
    LEFT JOIN meta_reconciliation_tolerance AS specific ON specific.indicator = pairs.indicator
    LEFT JOIN meta_reconciliation_tolerance AS fallback ON fallback.indicator = 'default'
)
SELECT
    slug, figure, indicator, source_a, value_a, source_b, value_b,
    absolute_difference, relative_difference, tolerance_relative, tolerance_absolute
FROM tolerances
WHERE relative_difference > tolerance_relative OR absolute_difference > tolerance_absolute;
