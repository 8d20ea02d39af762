-- Why a value is withheld or missing: each code disclosure control writes, the parameters
-- its wording names and the wording itself, one row per code. Filled by metiers/build/marts.py
-- from metiers/methodology/display.py (REASONS, the one table of wordings); the models render the
-- mart's English text from it (macros.suppression_text, macros.cell_suppression_text).
CREATE OR REPLACE TABLE meta_suppression_reasons (
    code VARCHAR NOT NULL,
    parameters VARCHAR[] NOT NULL,
    mart VARCHAR NOT NULL,
    mart_cell VARCHAR NOT NULL,
    fr VARCHAR NOT NULL,
    nl VARCHAR NOT NULL,
    en VARCHAR NOT NULL
);

COMMENT ON TABLE meta_suppression_reasons IS 'Why a value is withheld or missing: every suppression code of this file (the _suppression_code and suppression_code columns) with its wording in the mart and on the card. {name} in a wording is the parameter of that name in the matching _suppression_params (JSON).';
COMMENT ON COLUMN meta_suppression_reasons.code IS 'Code: primary (too few records), too_few_wages, dominance, secondary (protects another withheld cell), short_history, not_available (from the publisher), no_data, excluded_source (it failed validation).';
COMMENT ON COLUMN meta_suppression_reasons.parameters IS 'Parameters the wording names (keys of the _suppression_params JSON), e.g. min_records, top_n, share_percent, min_years, source.';
COMMENT ON COLUMN meta_suppression_reasons.mart IS 'English text of the _suppressed columns of metier_figures, metier_figure_lineage, metier_figure_candidates and of metier_trend.suppressed.';
COMMENT ON COLUMN meta_suppression_reasons.mart_cell IS 'English text of the suppressed columns of metier_regions and metier_salaries, whose cells also have secondary suppression (the rule is named first).';
COMMENT ON COLUMN meta_suppression_reasons.fr IS 'Wording on the French card ({source} is shown as the source''s French name).';
COMMENT ON COLUMN meta_suppression_reasons.nl IS 'Wording on the Dutch card.';
COMMENT ON COLUMN meta_suppression_reasons.en IS 'Wording on the English card.';
