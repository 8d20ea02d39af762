-- Age of every declared source when this file was built. Filled by metiers/build/marts.py.
CREATE OR REPLACE TABLE meta_source_freshness (
    source_id VARCHAR NOT NULL,
    cadence_days INTEGER,
    files INTEGER NOT NULL,
    newest_file VARCHAR,
    last_modified_at TIMESTAMP WITH TIME ZONE,
    age_days DOUBLE,
    stale BOOLEAN NOT NULL
);

COMMENT ON TABLE meta_source_freshness IS 'Every declared source''s age at build time: days since its newest raw file changed, against the cadence it declares (sources.toml cadence_days). `metiers status` gives the same for now.';
COMMENT ON COLUMN meta_source_freshness.source_id IS 'Source id (see meta_source_registry).';
COMMENT ON COLUMN meta_source_freshness.cadence_days IS 'How often the source is expected to change, in days; null when it declares none.';
COMMENT ON COLUMN meta_source_freshness.files IS 'Raw files of the source found at build time.';
COMMENT ON COLUMN meta_source_freshness.newest_file IS 'Its most recently changed raw file, relative to the raw folder.';
COMMENT ON COLUMN meta_source_freshness.last_modified_at IS 'When that file last changed (the last delivery).';
COMMENT ON COLUMN meta_source_freshness.age_days IS 'Days from the last delivery to the build.';
COMMENT ON COLUMN meta_source_freshness.stale IS 'True when the source is older than its cadence: the figures it feeds are flagged in metier_figure_lineage.source_stale.';
