-- Every release decision up to and including the release of this file: candidates released
-- (automatically, approved, at an embargo time), rejected, rolled back. Created empty here
-- with its documentation; metiers/publish/release.py fills it when the file is released,
-- from the release log (MARTS_DIR/releases.jsonl). A candidate that was never released has
-- no row for itself.
CREATE OR REPLACE TABLE meta_releases (
    release_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    previous_version VARCHAR,
    decided_at TIMESTAMP WITH TIME ZONE NOT NULL,
    decided_by VARCHAR NOT NULL,
    reason VARCHAR,
    release_at TIMESTAMP WITH TIME ZONE,
    released_at TIMESTAMP WITH TIME ZONE,
    flagged_changes INTEGER NOT NULL,
    channel VARCHAR NOT NULL
);

COMMENT ON TABLE meta_releases IS 'Release decisions up to the release of this file: which candidate version was released (automatically, approved, at an embargo time), rejected or rolled back to, by whom, when and why. The live log is MARTS_DIR/releases.jsonl; `metiers releases` shows it.';
COMMENT ON COLUMN meta_releases.release_id IS 'Id of the decision (UTC time and a random suffix).';
COMMENT ON COLUMN meta_releases.action IS 'released_automatically (no flagged change, or the policy needs no approval), approved (released by a decision), scheduled (approved for release at release_at, Europe/Brussels embargo), rejected (never released; kept under candidate/rejected) or rolled_back (an earlier version released again).';
COMMENT ON COLUMN meta_releases.version IS 'Version (meta_publication.version) the decision is about.';
COMMENT ON COLUMN meta_releases.previous_version IS 'Version readers saw before the decision took effect; null for the first release.';
COMMENT ON COLUMN meta_releases.decided_at IS 'When the decision was taken.';
COMMENT ON COLUMN meta_releases.decided_by IS 'Who decided: a person (the --by option or the operating system user), a Prefect flow run, or policy for an automatic release.';
COMMENT ON COLUMN meta_releases.reason IS 'Why, in the decider''s words (required to reject or roll back).';
COMMENT ON COLUMN meta_releases.release_at IS 'Embargo: the time the version becomes visible to readers; null when released at once.';
COMMENT ON COLUMN meta_releases.released_at IS 'When readers could first see the version; null for a rejection or a release still waiting for its time.';
COMMENT ON COLUMN meta_releases.flagged_changes IS 'Flagged changes of the candidate against the version readers saw (see figure_changes).';
COMMENT ON COLUMN meta_releases.channel IS 'Where the decision came from: policy, cli (metiers release, reject, rollback) or prefect (the paused flow run''s input form).';
