-- The release notes of this file's release, one line per row and language. Created empty
-- here with its documentation; metiers/publish/release_notes.py fills them at release.
CREATE OR REPLACE TABLE meta_release_notes (
    version VARCHAR NOT NULL,
    lang VARCHAR NOT NULL,
    line_number INTEGER NOT NULL,
    slug VARCHAR,
    indicator VARCHAR,
    cause VARCHAR,
    text VARCHAR NOT NULL
);

COMMENT ON TABLE meta_release_notes IS 'Release notes of the release of this file, in French, Dutch and English, ready to publish as is: a heading line, then one line per flagged change (what changed and why); `metiers notes` prints them.';
COMMENT ON COLUMN meta_release_notes.version IS 'Version the notes announce.';
COMMENT ON COLUMN meta_release_notes.lang IS 'Language of the line: fr, nl or en.';
COMMENT ON COLUMN meta_release_notes.line_number IS 'Order of the line within its language, from 1.';
COMMENT ON COLUMN meta_release_notes.slug IS 'Métier of a change line; null for heading lines.';
COMMENT ON COLUMN meta_release_notes.indicator IS 'Indicator (column of metier_figures) of a change line; null for heading lines.';
COMMENT ON COLUMN meta_release_notes.cause IS 'Why the figure changed: new_data (a newer period), source_revision (the source''s files changed for the same period), source_switch (another source now gives the figure), rule_change (same inputs, new rules or code), rollback; null for heading lines.';
COMMENT ON COLUMN meta_release_notes.text IS 'The line as the content team publishes it.';
