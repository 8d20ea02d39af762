-- Tolerances beyond which candidate values of a figure are listed as conflicts.
-- Filled by metiers/build/marts.py from [reconciliation.tolerance] in sources.toml.
CREATE OR REPLACE TABLE meta_reconciliation_tolerance (
    indicator VARCHAR NOT NULL,
    relative DOUBLE,
    absolute DOUBLE
);

COMMENT ON TABLE meta_reconciliation_tolerance IS 'How far two sources may disagree on a figure before the pair is listed in figure_conflicts (indicator "default" applies to the others).';
COMMENT ON COLUMN meta_reconciliation_tolerance.indicator IS 'Indicator, or "default".';
COMMENT ON COLUMN meta_reconciliation_tolerance.relative IS 'Largest accepted |a - b| / max(|a|, |b|).';
COMMENT ON COLUMN meta_reconciliation_tolerance.absolute IS 'Largest accepted |a - b|, in the unit of the indicator (for rates, a fraction).';
