-- Every raw file the refresh read. Filled by metiers/build/marts.py from the ingest results.
CREATE OR REPLACE TABLE meta_sources (
    source VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    rows BIGINT,
    status VARCHAR NOT NULL,
    intake VARCHAR NOT NULL,
    ingested_run VARCHAR,
    ingested_at TIMESTAMP WITH TIME ZONE NOT NULL,
    modified_at TIMESTAMP WITH TIME ZONE,
    staging_path VARCHAR,
    quarantine_report VARCHAR,
    message VARCHAR,
    warning_code VARCHAR,
    warning VARCHAR
);

COMMENT ON TABLE meta_sources IS 'Every raw file read by the refresh that built this file: where it was, its content hash, size, rows and status.';
COMMENT ON COLUMN meta_sources.source IS 'Source id (metiers, register, insertion, facts).';
COMMENT ON COLUMN meta_sources.path IS 'Raw file, relative to the raw folder.';
COMMENT ON COLUMN meta_sources.sha256 IS 'SHA-256 of the raw file''s bytes.';
COMMENT ON COLUMN meta_sources.size_bytes IS 'Size of the raw file in bytes.';
COMMENT ON COLUMN meta_sources.rows IS 'Data rows read from the file.';
COMMENT ON COLUMN meta_sources.status IS 'validated (used for the figures), rejected (failed ingest or validation: quarantined), or excluded (valid, but its optional source was left out because another of its files was rejected).';
COMMENT ON COLUMN meta_sources.intake IS 'ingested (this run staged and validated the file) or reused (content hash unchanged since an earlier run: its staging and validation were reused).';
COMMENT ON COLUMN meta_sources.ingested_run IS 'Run that staged and validated the file (see meta_runs).';
COMMENT ON COLUMN meta_sources.ingested_at IS 'When the file was read and validated (by ingested_run).';
COMMENT ON COLUMN meta_sources.modified_at IS 'When the raw file last changed (its modification time), as seen by this build.';
COMMENT ON COLUMN meta_sources.staging_path IS 'Typed staging Parquet written from the file at build time (null when rejected).';
COMMENT ON COLUMN meta_sources.quarantine_report IS 'JSON report of what is wrong with a rejected file (under the quarantine folder).';
COMMENT ON COLUMN meta_sources.message IS 'The first problems of a rejected file, in words.';
COMMENT ON COLUMN meta_sources.warning_code IS 'Why a validated file contributes no value (or a declared series of it matched nothing): unit_mismatch, geography_filtered_out, no_code_matched, period_out_of_range or series_matched_nothing, the first that applies in that order; null when it contributes. Every note is in meta_source_notes.';
COMMENT ON COLUMN meta_sources.warning IS 'The warning in words (every note of the file, separated by "; "); it is also in the run''s warnings (metiers runs).';
