-- The source registry (sources.toml) the refresh ran with. Filled by metiers/build/marts.py.
CREATE OR REPLACE TABLE meta_source_registry (
    source_id VARCHAR NOT NULL,
    description VARCHAR,
    adapter VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    folder VARCHAR NOT NULL,
    patterns VARCHAR[] NOT NULL,
    required BOOLEAN NOT NULL,
    feeds VARCHAR[],
    precedence INTEGER NOT NULL,
    citation VARCHAR,
    licence VARCHAR,
    url VARCHAR,
    cadence_days INTEGER,
    citation_fr VARCHAR,
    citation_nl VARCHAR,
    citation_en VARCHAR,
    classification VARCHAR,
    max_lag_years INTEGER
);

COMMENT ON TABLE meta_source_registry IS 'Every declared source (sources.toml) of the refresh that built this file: how it is read, what it feeds, its precedence, citation, licence and cadence.';
COMMENT ON COLUMN meta_source_registry.source_id IS 'Source id, as named in every *_source column.';
COMMENT ON COLUMN meta_source_registry.description IS 'What the source is.';
COMMENT ON COLUMN meta_source_registry.adapter IS 'How its files are read (tabular, esco_occupations, esco_isco_groups, eurostat, statbel, aggregate).';
COMMENT ON COLUMN meta_source_registry.role IS 'What the build does with it (catalogue, register, insertion, facts, aggregate, ...).';
COMMENT ON COLUMN meta_source_registry.folder IS 'Sub-folder of the raw folder holding its files.';
COMMENT ON COLUMN meta_source_registry.patterns IS 'File name patterns of its files.';
COMMENT ON COLUMN meta_source_registry.required IS 'Whether a refresh stops when the source has no file.';
COMMENT ON COLUMN meta_source_registry.feeds IS 'Indicators the source gives candidate values for.';
COMMENT ON COLUMN meta_source_registry.precedence IS 'When several sources give the same figure, the lowest precedence wins (an editorial override wins over all).';
COMMENT ON COLUMN meta_source_registry.citation IS 'How to cite the source.';
COMMENT ON COLUMN meta_source_registry.licence IS 'Licence or terms of reuse.';
COMMENT ON COLUMN meta_source_registry.url IS 'Where the source is published.';
COMMENT ON COLUMN meta_source_registry.cadence_days IS 'How often the source is expected to change, in days.';
COMMENT ON COLUMN meta_source_registry.citation_fr IS 'How to cite the source on a French card (its declared citations.fr); null when not declared, and then citation applies.';
COMMENT ON COLUMN meta_source_registry.citation_nl IS 'How to cite the source on a Dutch card (its declared citations.nl); null when not declared, and then citation applies.';
COMMENT ON COLUMN meta_source_registry.citation_en IS 'How to cite the source on an English card (its declared citations.en); null when not declared, and then citation applies.';
COMMENT ON COLUMN meta_source_registry.classification IS 'Classification of the occupation codes of a published table: esco, isco08, or the id of the crosswalk source (role crosswalk) that maps its codes to ESCO or ISCO-08.';
COMMENT ON COLUMN meta_source_registry.max_lag_years IS 'A published table''s period may end up to this many years before the reference year and still give a figure (the latest period of the source wins).';
