-- Editorial figures as the content team keeps them, with their sources.
CREATE OR REPLACE TABLE metier_facts AS
SELECT
    facts.slug,
    facts.indicator,
    facts.value,
    facts.value_min,
    facts.value_max,
    facts.unit,
    facts.year,
    facts.region,
    facts.source,
    facts.source_url,
    facts.note,
    source_files.raw_file AS source_file,
    facts.source_fr,
    facts.source_nl,
    facts.source_en
FROM staging.stg_facts AS facts
LEFT JOIN intermediate.int_source_files AS source_files USING (staging_file)
ORDER BY facts.slug, facts.indicator, facts.year;

COMMENT ON TABLE metier_facts IS 'Editorial figures no register has (freelance rates, budget shares...), as kept by the content team, with their sources.';
COMMENT ON COLUMN metier_facts.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_facts.indicator IS 'Name of the figure (freelance_rate, budget_share...).';
COMMENT ON COLUMN metier_facts.value IS 'Single value, when the figure has one.';
COMMENT ON COLUMN metier_facts.value_min IS 'Lower end of a range.';
COMMENT ON COLUMN metier_facts.value_max IS 'Upper end of a range.';
COMMENT ON COLUMN metier_facts.unit IS 'Unit of the values (eur_per_week, eur_per_day, share, count...).';
COMMENT ON COLUMN metier_facts.year IS 'Year the figure refers to.';
COMMENT ON COLUMN metier_facts.region IS 'NUTS-2 region the figure refers to; null for Belgium.';
COMMENT ON COLUMN metier_facts.source IS 'Who published the figure.';
COMMENT ON COLUMN metier_facts.source_url IS 'Where the figure was published.';
COMMENT ON COLUMN metier_facts.note IS 'Editorial note.';
COMMENT ON COLUMN metier_facts.source_file IS 'Raw file the row was read from.';
COMMENT ON COLUMN metier_facts.source_fr IS 'Who published the figure, as a French card cites it; null when the row gives only source.';
COMMENT ON COLUMN metier_facts.source_nl IS 'Who published the figure, as a Dutch card cites it; null when the row gives only source.';
COMMENT ON COLUMN metier_facts.source_en IS 'Who published the figure, as an English card cites it; null when the row gives only source.';
