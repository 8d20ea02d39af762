-- The card of each métier as ready display strings, one row per language. Created empty
-- here with its documentation; metiers/methodology/cards.py fills it from metier_figures. The figures'
-- string columns and their comments are rendered from the figure registry
-- (metiers/methodology/figures.py, the placeholders in double braces).
CREATE OR REPLACE TABLE metier_cards (
    slug VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    reference_year INTEGER,
    box_title VARCHAR NOT NULL,
    training VARCHAR,
    {{ card_columns }},
    regions VARCHAR,
    regions_withheld VARCHAR,
    vintage VARCHAR,
    context VARCHAR,
    regions_context VARCHAR,
    footnotes VARCHAR
);

COMMENT ON TABLE metier_cards IS 'The "Le métier en chiffres" card of each métier as ready display strings, per language (fr, nl, en). A null string means the figure is not published (see metier_figures for why).';
COMMENT ON COLUMN metier_cards.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_cards.lang IS 'Language of the strings: fr, nl or en.';
COMMENT ON COLUMN metier_cards.title IS 'Title of the métier in that language.';
COMMENT ON COLUMN metier_cards.reference_year IS 'Reference year of the figures.';
COMMENT ON COLUMN metier_cards.box_title IS 'Heading of the box, e.g. "Le métier en chiffres (Belgique 2025)".';
COMMENT ON COLUMN metier_cards.training IS 'Training duration, e.g. "3-5 ans d''études + expérience".';
COMMENT ON COLUMN metier_cards.regions IS 'Regions where most people of the métier work, largest first (published cells only).';
COMMENT ON COLUMN metier_cards.context IS 'Context figures of the métier''s ISCO group (metier_context), one per line, shown beside the métier''s own figures, with the publisher''s reliability flags in words.';
COMMENT ON COLUMN metier_cards.footnotes IS 'Source and period of each figure, one per line.';
COMMENT ON COLUMN metier_cards.regions_withheld IS 'Regions of the reference year whose cell is withheld, with the reason in words, one line per reason, e.g. "Luxembourg, Namur: non publié (moins de 10 observations)"; null when none.';
COMMENT ON COLUMN metier_cards.vintage IS 'What the figures refer to: reference year, growth period, insertion cohort and each cited source''s edition (latest period it gives), e.g. "Belgique 2025 · croissance 2020-2025 · insertion : cohorte 2024 · éditions: registre de l''emploi 2025, ...".';
{{ metier_cards_comments }}
COMMENT ON COLUMN metier_cards.regions_context IS 'Context figures by Belgian region (metier_context rows of a NUTS-1 or NUTS-2 region), one line per indicator and period, shown beside the regions, e.g. "Taux de participation (2019): Bruxelles-Capitale 11%, ..."; null when none.';
