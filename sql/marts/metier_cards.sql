-- The card of each métier as ready display strings, one row per language. Created empty
-- here with its documentation; metiers/cards.py fills it from metier_figures.
CREATE OR REPLACE TABLE metier_cards (
    slug VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    reference_year INTEGER,
    box_title VARCHAR NOT NULL,
    training VARCHAR,
    headcount VARCHAR,
    growth VARCHAR,
    insertion VARCHAR,
    average_age VARCHAR,
    share_women VARCHAR,
    share_self_employed VARCHAR,
    salary_entry VARCHAR,
    salary_senior VARCHAR,
    salary_senior_max VARCHAR,
    freelance_rate VARCHAR,
    regions VARCHAR,
    regions_withheld VARCHAR,
    vintage VARCHAR,
    context VARCHAR,
    footnotes VARCHAR
);

COMMENT ON TABLE metier_cards IS 'The "Le métier en chiffres" card of each métier as ready display strings, per language (fr, nl, en). A null string means the figure is not published (see metier_figures for why).';
COMMENT ON COLUMN metier_cards.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_cards.lang IS 'Language of the strings: fr, nl or en.';
COMMENT ON COLUMN metier_cards.title IS 'Title of the métier in that language.';
COMMENT ON COLUMN metier_cards.reference_year IS 'Reference year of the figures.';
COMMENT ON COLUMN metier_cards.box_title IS 'Heading of the box, e.g. "Le métier en chiffres (Belgique 2025)".';
COMMENT ON COLUMN metier_cards.training IS 'Training duration, e.g. "3-5 ans d''études + expérience".';
COMMENT ON COLUMN metier_cards.headcount IS 'Professionals in activity, two significant figures, e.g. "~200".';
COMMENT ON COLUMN metier_cards.growth IS 'Annual growth, whole percent with sign, e.g. "+5%".';
COMMENT ON COLUMN metier_cards.insertion IS 'Insertion rate with the main channel, e.g. "70% (souvent via le réseau)".';
COMMENT ON COLUMN metier_cards.average_age IS 'Average age, e.g. "42 ans".';
COMMENT ON COLUMN metier_cards.share_women IS 'Share of women, e.g. "35%".';
COMMENT ON COLUMN metier_cards.share_self_employed IS 'Share of self-employed, e.g. "80%".';
COMMENT ON COLUMN metier_cards.salary_entry IS 'Entry wage, nearest 100 euros, e.g. "2.800€".';
COMMENT ON COLUMN metier_cards.salary_senior IS 'Experienced wage from median to 90th percentile, e.g. "4.500€-5.000€".';
COMMENT ON COLUMN metier_cards.salary_senior_max IS 'Top of the experienced wage, e.g. "jusqu''à 5.000€+".';
COMMENT ON COLUMN metier_cards.freelance_rate IS 'Freelance rate range, e.g. "entre 1.500€ et 2.500€/semaine".';
COMMENT ON COLUMN metier_cards.regions IS 'Regions where most people of the métier work, largest first (published cells only).';
COMMENT ON COLUMN metier_cards.context IS 'Context figures of the métier''s ISCO group (metier_context), one per line, shown beside the métier''s own figures, with the publisher''s reliability flags in words.';
COMMENT ON COLUMN metier_cards.footnotes IS 'Source and period of each figure, one per line.';
COMMENT ON COLUMN metier_cards.regions_withheld IS 'Regions of the reference year whose cell is withheld, with the reason in words, one line per reason, e.g. "Luxembourg, Namur: non publié (moins de 10 observations)"; null when none.';
COMMENT ON COLUMN metier_cards.vintage IS 'What the figures refer to: reference year, growth period, insertion cohort and each cited source''s edition (latest period it gives), e.g. "Belgique 2025 · croissance 2020-2025 · insertion : cohorte 2024 · éditions: registre de l''emploi 2025, ...".';
