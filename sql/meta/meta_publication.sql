-- One row describing this published file. Filled by metiers/publish/publication.py.
CREATE OR REPLACE TABLE meta_publication (
    version VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    published_at TIMESTAMP WITH TIME ZONE NOT NULL,
    reference_year INTEGER,
    min_records INTEGER NOT NULL,
    pipeline_version VARCHAR NOT NULL,
    duckdb_version VARCHAR NOT NULL,
    storage_compatibility VARCHAR NOT NULL,
    excluded_sources VARCHAR[] NOT NULL,
    inputs_digest VARCHAR NOT NULL,
    build_key VARCHAR NOT NULL
);

COMMENT ON TABLE meta_publication IS 'The publication this file is: its version, time and the settings it was built with.';
COMMENT ON COLUMN meta_publication.version IS 'Version of the publication (UTC time of the build and a hash of the inputs).';
COMMENT ON COLUMN meta_publication.run_id IS 'Id of the refresh run that built the file (names its quarantine folder).';
COMMENT ON COLUMN meta_publication.published_at IS 'When the file was published.';
COMMENT ON COLUMN meta_publication.reference_year IS 'Reference year Y of the figures.';
COMMENT ON COLUMN meta_publication.min_records IS 'Disclosure threshold: no figure rests on fewer records.';
COMMENT ON COLUMN meta_publication.pipeline_version IS 'Version of metiers-en-chiffres that built the file.';
COMMENT ON COLUMN meta_publication.duckdb_version IS 'DuckDB library that wrote the file.';
COMMENT ON COLUMN meta_publication.storage_compatibility IS 'Oldest DuckDB storage format the file is written in: DuckDB clients from that version on open it.';
COMMENT ON COLUMN meta_publication.excluded_sources IS 'Optional sources left out of this publication because one of their files was rejected.';
COMMENT ON COLUMN meta_publication.inputs_digest IS 'Digest of the paths and sha256 of every raw file read (see meta_sources).';
COMMENT ON COLUMN meta_publication.build_key IS 'Digest of every input (path, sha256, used or not) and of the registry, SQL, suites, code and settings that built the file: a refresh whose key is unchanged publishes nothing.';
