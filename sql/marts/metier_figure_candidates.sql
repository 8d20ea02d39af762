-- Every candidate value of every figure, from every source, and whether it was published.
CREATE OR REPLACE TABLE metier_figure_candidates AS
SELECT
    candidates.slug,
    reference.reference_year,
    candidates.figure,
    candidates.indicator,
    candidates.source_id,
    candidates.precedence,
    candidates.override,
    candidates.value,
    candidates.n_records,
    candidates.period,
    candidates.source_files,
    candidates.flag,
    candidates.suppressed,
    coalesce(
        published.source_id = candidates.source_id
        AND published.value IS NOT DISTINCT FROM candidates.value
        AND published.match_level IS NOT DISTINCT FROM candidates.match_level,
        false
    ) AS published,
    candidates.suppression_code,
    candidates.suppression_params,
    candidates.match_level,
    candidates.match_group
FROM intermediate.int_figure_candidates AS candidates
CROSS JOIN intermediate.int_reference_year AS reference
LEFT JOIN intermediate.int_figures_reconciled AS published USING (slug, indicator)
ORDER BY
    candidates.slug, candidates.indicator, candidates.precedence, candidates.match_rank;

COMMENT ON TABLE metier_figure_candidates IS 'Every value any source gives for a figure of a métier in the reference year (computed, published aggregates at every match level, editorial facts), with its precedence, match level and whether it is the one published. Values withheld by disclosure control are null here too.';
COMMENT ON COLUMN metier_figure_candidates.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_figure_candidates.reference_year IS 'Reference year Y.';
COMMENT ON COLUMN metier_figure_candidates.figure IS 'Figure of the card (salary_senior groups its median and 90th percentile).';
COMMENT ON COLUMN metier_figure_candidates.indicator IS 'Indicator: the column of metier_figures the value is a candidate for.';
COMMENT ON COLUMN metier_figure_candidates.source_id IS 'Source that gives the value (see meta_source_registry).';
COMMENT ON COLUMN metier_figure_candidates.precedence IS 'Declared precedence of the source: the lowest available wins.';
COMMENT ON COLUMN metier_figure_candidates.override IS 'True for an editorial fact marked as an override: it wins over every other candidate.';
COMMENT ON COLUMN metier_figure_candidates.value IS 'The candidate value; null when withheld or not available.';
COMMENT ON COLUMN metier_figure_candidates.n_records IS 'Records the value rests on, when computed here.';
COMMENT ON COLUMN metier_figure_candidates.period IS 'Period of the value.';
COMMENT ON COLUMN metier_figure_candidates.source_files IS 'Raw files of the value.';
COMMENT ON COLUMN metier_figure_candidates.flag IS 'Publisher flag of the value (top_coded, not_available, ...).';
COMMENT ON COLUMN metier_figure_candidates.suppressed IS 'Why the value is null; null when available.';
COMMENT ON COLUMN metier_figure_candidates.suppression_code IS 'Code of why the value is null (see meta_suppression_reasons); null when available.';
COMMENT ON COLUMN metier_figure_candidates.suppression_params IS 'Parameters of suppression_code as JSON, named in its wording in meta_suppression_reasons.';
COMMENT ON COLUMN metier_figure_candidates.published IS 'True for the candidate published in metier_figures.';
COMMENT ON COLUMN metier_figure_candidates.match_level IS 'How the value matches the métier: exact (its own code; computed and editorial values), esco_broader (a broader ESCO code), isco4, isco3, isco2 or isco1 (its ISCO-08 unit, minor, sub-major or major group). At equal precedence the finer match wins.';
COMMENT ON COLUMN metier_figure_candidates.match_group IS 'The published table''s code the value is for (e.g. 2654, the ISCO-08 unit group of ESCO 2654.2); null for computed and editorial values.';
