-- Candidate values that disagree beyond the declared tolerance, for editorial review.
CREATE OR REPLACE TABLE figure_conflicts AS
SELECT
    conflicts.slug,
    reference.reference_year,
    conflicts.figure,
    conflicts.indicator,
    conflicts.source_a,
    conflicts.value_a,
    conflicts.source_b,
    conflicts.value_b,
    conflicts.absolute_difference,
    conflicts.relative_difference,
    conflicts.tolerance_relative,
    conflicts.tolerance_absolute,
    published.source_id AS published_source,
    published.value AS published_value
FROM intermediate.int_figure_conflicts AS conflicts
CROSS JOIN intermediate.int_reference_year AS reference
LEFT JOIN intermediate.int_figures_reconciled AS published USING (slug, indicator)
ORDER BY conflicts.slug, conflicts.indicator, conflicts.source_a, conflicts.source_b;

COMMENT ON TABLE figure_conflicts IS 'Pairs of sources whose values for the same figure, métier and reference year differ by more than the tolerance declared in sources.toml ([reconciliation.tolerance]); for editorial review. The published value follows precedence regardless.';
COMMENT ON COLUMN figure_conflicts.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN figure_conflicts.reference_year IS 'Reference year Y.';
COMMENT ON COLUMN figure_conflicts.figure IS 'Figure of the card.';
COMMENT ON COLUMN figure_conflicts.indicator IS 'Indicator in conflict.';
COMMENT ON COLUMN figure_conflicts.source_a IS 'First source (alphabetical).';
COMMENT ON COLUMN figure_conflicts.value_a IS 'Its value.';
COMMENT ON COLUMN figure_conflicts.source_b IS 'Second source.';
COMMENT ON COLUMN figure_conflicts.value_b IS 'Its value.';
COMMENT ON COLUMN figure_conflicts.absolute_difference IS '|value_a - value_b|.';
COMMENT ON COLUMN figure_conflicts.relative_difference IS '|value_a - value_b| / max(|value_a|, |value_b|).';
COMMENT ON COLUMN figure_conflicts.tolerance_relative IS 'Relative tolerance declared for the indicator (or the default).';
COMMENT ON COLUMN figure_conflicts.tolerance_absolute IS 'Absolute tolerance declared for the indicator (or the default).';
COMMENT ON COLUMN figure_conflicts.published_source IS 'Source whose value is published (by precedence or override).';
COMMENT ON COLUMN figure_conflicts.published_value IS 'The published value.';
