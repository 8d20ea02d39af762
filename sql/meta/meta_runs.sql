-- Every refresh run up to and including the one that published this file. Filled by
-- metiers/publish/publication.py from the run log (MARTS_DIR/runs.jsonl).
CREATE OR REPLACE TABLE meta_runs (
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at TIMESTAMP WITH TIME ZONE,
    status VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    trigger VARCHAR NOT NULL,
    version VARCHAR,
    failed_task VARCHAR,
    error VARCHAR,
    files_read INTEGER NOT NULL,
    files_reused INTEGER NOT NULL,
    input_hashes VARCHAR NOT NULL,
    inputs VARCHAR NOT NULL,
    rows_per_source VARCHAR NOT NULL,
    seconds_per_stage VARCHAR NOT NULL,
    warnings VARCHAR,
    decision VARCHAR
);

COMMENT ON TABLE meta_runs IS 'Every refresh run up to the one that published this file, whatever its outcome (published, unchanged, rejected, failed). The live log is MARTS_DIR/runs.jsonl; `metiers runs` shows it.';
COMMENT ON COLUMN meta_runs.run_id IS 'Id of the run (UTC start time and a random suffix); names its quarantine and validation folders.';
COMMENT ON COLUMN meta_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN meta_runs.ended_at IS 'When the run ended; for the publishing run, when it swapped the file in.';
COMMENT ON COLUMN meta_runs.status IS 'published (a new version released), candidate (a new version waiting for a release decision), unchanged (no input changed: nothing rebuilt or rewritten), rejected (data failed validation: nothing published) or failed (a task raised: nothing published).';
COMMENT ON COLUMN meta_runs.mode IS 'incremental (unchanged files reused) or full (--full: everything read again); release for the record of a release decision taken apart from a refresh (metiers release, reject, rollback, the form of a paused Prefect run), whose status is the decision (approved, scheduled, rejected, rolled_back) and whose trigger is its channel (cli, prefect, embargo).';
COMMENT ON COLUMN meta_runs.trigger IS 'What started the run: cli (metiers refresh), flow (the Prefect flow called from Python), deployment (a scheduled or manually triggered run of the deployment that metiers schedule serves) or bench (bench/refresh_incremental.py).';
COMMENT ON COLUMN meta_runs.version IS 'Version the run published, or the one it left in place when unchanged.';
COMMENT ON COLUMN meta_runs.failed_task IS 'Task (stage) a failed or rejected run stopped in: discover, intake, quarantine, build, validate-marts, publish.';
COMMENT ON COLUMN meta_runs.error IS 'Why the run failed or was rejected, in one line.';
COMMENT ON COLUMN meta_runs.files_read IS 'Raw files the run staged and validated.';
COMMENT ON COLUMN meta_runs.files_reused IS 'Raw files whose content hash was unchanged: their earlier staging and validation were reused.';
COMMENT ON COLUMN meta_runs.input_hashes IS 'JSON object: raw file (relative to the raw folder) to its sha256.';
COMMENT ON COLUMN meta_runs.inputs IS 'JSON array: per raw file its source, path, sha256, intake (ingested or reused), status and rows.';
COMMENT ON COLUMN meta_runs.rows_per_source IS 'JSON object: source id to the rows of its accepted files.';
COMMENT ON COLUMN meta_runs.seconds_per_stage IS 'JSON object: stage to wall seconds spent in it.';
COMMENT ON COLUMN meta_runs.warnings IS 'What the run published but must not keep silent, as a JSON list of {source, file, code, message}: optional sources left out (code source_left_out) and files that contribute no value (the warning codes of the raw files table). Null for runs recorded before warnings existed.';
COMMENT ON COLUMN meta_runs.decision IS 'The release decision as JSON ({action, by, reason, channel, release_at}): on a refresh, released_automatically or waiting; on a release record, who decided, why and when the version becomes visible; null before decisions were recorded.';
