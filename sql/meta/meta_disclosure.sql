-- The disclosure rules in force for this file, one row per indicator. Filled by
-- metiers/build/marts.py from the [disclosure] table of sources.toml (metiers/methodology/disclosure.py); the
-- models read their thresholds from here.
CREATE OR REPLACE TABLE meta_disclosure (
    indicator VARCHAR NOT NULL,
    min_records INTEGER NOT NULL,
    dominance_top_n INTEGER,
    dominance_share DOUBLE,
    reliable_min_records INTEGER,
    reliable_max_cv DOUBLE
);

COMMENT ON TABLE meta_disclosure IS 'Disclosure and reliability rules the figures of this file were published under, per indicator (see docs/methodology.md).';
COMMENT ON COLUMN meta_disclosure.indicator IS 'Indicator of metier_figures, or salary_median for the wage of a regional cell (metier_regions) and of an experience band (metier_salaries).';
COMMENT ON COLUMN meta_disclosure.min_records IS 'Primary suppression: a figure resting on fewer unweighted records is withheld.';
COMMENT ON COLUMN meta_disclosure.dominance_top_n IS 'Dominance rule for wage figures: number of highest wages compared with the total; null when the rule does not apply.';
COMMENT ON COLUMN meta_disclosure.dominance_share IS 'Dominance rule: a wage figure is withheld when its dominance_top_n highest wages make up more than this share of the sum of its wages.';
COMMENT ON COLUMN meta_disclosure.reliable_min_records IS 'Reliability: a figure from weighted (sampled) records resting on fewer of them is flagged low (a census is not); null where the rule does not apply (wage quantiles: their CV already widens with few records).';
COMMENT ON COLUMN meta_disclosure.reliable_max_cv IS 'Reliability: a weighted figure whose coefficient of variation is larger is flagged low.';
