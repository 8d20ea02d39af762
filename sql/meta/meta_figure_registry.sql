-- The card's figures and the indicators they are made of, one row per indicator. Filled by
-- metiers/build/marts.py from the figure registry (metiers/methodology/figures.py) before the other models
-- run: they join it instead of listing figures.
CREATE OR REPLACE TABLE meta_figure_registry (
    indicator VARCHAR NOT NULL,
    figure VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    lead BOOLEAN NOT NULL,
    source_id VARCHAR NOT NULL,
    estimate VARCHAR NOT NULL,
    unit VARCHAR,
    disclosure_rule VARCHAR,
    reliability_rule VARCHAR,
    placement VARCHAR NOT NULL
);

COMMENT ON TABLE meta_figure_registry IS 'The figures of the card this file was built with (metiers/methodology/figures.py): one row per indicator, the value columns of metier_figures, in the card''s order.';
COMMENT ON COLUMN meta_figure_registry.indicator IS 'Indicator: a value column of metier_figures and the indicator of metier_figure_lineage.';
COMMENT ON COLUMN meta_figure_registry.figure IS 'Figure of the card the indicator belongs to: the prefix of its companion columns in metier_figures (salary_senior groups its median and 90th percentile).';
COMMENT ON COLUMN meta_figure_registry.position IS 'Order of the indicator on the card and in metier_figures.';
COMMENT ON COLUMN meta_figure_registry.lead IS 'True for the indicator whose source, period, record count and suppression reason the figure''s companion columns carry.';
COMMENT ON COLUMN meta_figure_registry.source_id IS 'Source whose records compute the figure (see meta_source_registry); other sources may give candidates (metier_figure_candidates).';
COMMENT ON COLUMN meta_figure_registry.estimate IS 'How the figure is estimated: total, growth, mean or share (weighted register estimates), rate (a ratio of counts), quantile (unweighted wage quantiles) or editorial.';
COMMENT ON COLUMN meta_figure_registry.unit IS 'Unit of the value (persons, fraction, fraction_per_year, years, eur_per_month); null when metier_figures gives it per métier (freelance_rate_unit).';
COMMENT ON COLUMN meta_figure_registry.disclosure_rule IS 'Disclosure control: records (a minimum of records, meta_disclosure.min_records), wage (the minimum and the dominance rule) or null (editorial, not assessed).';
COMMENT ON COLUMN meta_figure_registry.reliability_rule IS 'Reliability: weighted (Horvitz-Thompson CV and record count), quantile (the quantile''s distribution-free CV) or null (not assessed).';
COMMENT ON COLUMN meta_figure_registry.placement IS 'Where the card shows the figure: box (the figures box), salary (the lines under it) or data (the card''s JSON, the API and exports only).';
