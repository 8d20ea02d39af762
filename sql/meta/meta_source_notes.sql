-- Remarks on validated files that a run must not keep silent: a file that contributes no
-- value, a declared series that matched nothing. Filled from the intake's notes by
-- metiers/build/marts.py, then by the build's own checks (marts/source_contributions.sql);
-- each file's first note by precedence becomes meta_sources.warning_code.
CREATE OR REPLACE TABLE meta_source_notes (
    source VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    message VARCHAR NOT NULL
);

COMMENT ON TABLE meta_source_notes IS 'Warnings on validated raw files: why a file contributes no value, or which declared series matched nothing. One row per remark.';
COMMENT ON COLUMN meta_source_notes.source IS 'Source id (see meta_source_registry).';
COMMENT ON COLUMN meta_source_notes.path IS 'Raw file, relative to the raw folder.';
COMMENT ON COLUMN meta_source_notes.code IS 'Reason code: unit_mismatch, geography_filtered_out, no_code_matched, period_out_of_range or series_matched_nothing.';
COMMENT ON COLUMN meta_source_notes.message IS 'The reason in words, naming the file and what matched nothing.';
