-- The figures of metier_figures in long form: one row per value, with its lineage.
CREATE OR REPLACE TABLE metier_figure_lineage AS
SELECT
    figures.slug,
    reference.reference_year,
    figures.figure,
    figures.indicator,
    figures.value,
    figures.source_id,
    figures.source_files,
    figures.period,
    figures.n_records,
    figures.suppressed,
    figures.flag,
    figures.override,
    figures.available_candidates,
    coalesce(freshness.stale, false) AS source_stale,
    figures.suppression_code,
    figures.suppression_params,
    figures.match_level,
    figures.match_group
FROM intermediate.int_figures_reconciled AS figures
CROSS JOIN intermediate.int_reference_year AS reference
LEFT JOIN meta_source_freshness AS freshness ON freshness.source_id = figures.source_id
ORDER BY figures.slug, figures.indicator;

COMMENT ON TABLE metier_figure_lineage IS 'Every value of metier_figures in long form (one row per métier and indicator) with its source id, raw files, period, record count and suppression reason.';
COMMENT ON COLUMN metier_figure_lineage.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_figure_lineage.reference_year IS 'Reference year Y of the publication.';
COMMENT ON COLUMN metier_figure_lineage.figure IS 'Figure of the card the value belongs to (salary_senior groups its median and 90th percentile).';
COMMENT ON COLUMN metier_figure_lineage.indicator IS 'Name of the value: the column of metier_figures that holds it.';
COMMENT ON COLUMN metier_figure_lineage.value IS 'The published value; null when withheld.';
COMMENT ON COLUMN metier_figure_lineage.source_id IS 'Source id that won reconciliation (see meta_source_registry).';
COMMENT ON COLUMN metier_figure_lineage.source_files IS 'Raw files the value was computed from, relative to the raw folder.';
COMMENT ON COLUMN metier_figure_lineage.period IS 'Year, or first-last year when years or cohorts are pooled.';
COMMENT ON COLUMN metier_figure_lineage.n_records IS 'Records the value rests on; null when withheld or for editorial figures.';
COMMENT ON COLUMN metier_figure_lineage.flag IS 'Publisher flag of the value (top_coded, not_available, ...); null when none.';
COMMENT ON COLUMN metier_figure_lineage.override IS 'True when an editorial fact marked as an override set the value.';
COMMENT ON COLUMN metier_figure_lineage.available_candidates IS 'How many sources gave a usable value (see metier_figure_candidates).';
COMMENT ON COLUMN metier_figure_lineage.suppressed IS 'Why the value is null (disclosure control or missing data); null when published.';
COMMENT ON COLUMN metier_figure_lineage.suppression_code IS 'Code of why the value is null (see meta_suppression_reasons: primary, dominance, short_history, not_available, ...); null when published.';
COMMENT ON COLUMN metier_figure_lineage.suppression_params IS 'Parameters of suppression_code as JSON (e.g. {"min_records":10}), named in its wording in meta_suppression_reasons.';
COMMENT ON COLUMN metier_figure_lineage.source_stale IS 'True when the winning source was older than its declared cadence at build time (see meta_source_freshness): the figure may be out of date.';
COMMENT ON COLUMN metier_figure_lineage.match_level IS 'How the published value matches the métier: exact, esco_broader, isco4, isco3, isco2 or isco1 (see metier_figure_candidates); null when no source gave a value.';
COMMENT ON COLUMN metier_figure_lineage.match_group IS 'The published table''s code the value is for (e.g. ISCO-08 group 2654); null for computed and editorial values.';
