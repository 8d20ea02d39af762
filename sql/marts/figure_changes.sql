-- What moved since the version readers saw (the released one), for the content team to review. Created empty
-- here with its documentation; metiers/publish/changes.py fills it at publication.
CREATE OR REPLACE TABLE figure_changes (
    slug VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    previous_version VARCHAR,
    old_value DOUBLE,
    new_value DOUBLE,
    relative_change DOUBLE,
    old_display VARCHAR,
    new_display VARCHAR,
    display_changed BOOLEAN NOT NULL,
    flagged BOOLEAN NOT NULL,
    reason VARCHAR,
    figure VARCHAR,
    old_source_id VARCHAR,
    new_source_id VARCHAR,
    old_period VARCHAR,
    new_period VARCHAR,
    old_match_level VARCHAR,
    new_match_level VARCHAR,
    cause VARCHAR
);

COMMENT ON TABLE figure_changes IS 'Every published figure whose value or French display string differs from the version readers saw, or whose source, period or match level changed, one row per métier and indicator; flagged rows need a release decision (change above the threshold in sources.toml [changes], from zero, newly withheld, newly published, source switch, match level change, period change).';
COMMENT ON COLUMN figure_changes.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN figure_changes.indicator IS 'Column of metier_figures that changed.';
COMMENT ON COLUMN figure_changes.previous_version IS 'Version compared against (meta_publication.version of the previous file).';
COMMENT ON COLUMN figure_changes.old_value IS 'Value in the previous publication; null when it was not published.';
COMMENT ON COLUMN figure_changes.new_value IS 'Value now; null when it is not published.';
COMMENT ON COLUMN figure_changes.relative_change IS '(new - old) / |old|; null when either is null or old is 0.';
COMMENT ON COLUMN figure_changes.old_display IS 'French display string before.';
COMMENT ON COLUMN figure_changes.new_display IS 'French display string now.';
COMMENT ON COLUMN figure_changes.display_changed IS 'True when what readers see changes.';
COMMENT ON COLUMN figure_changes.flagged IS 'True when the change needs review.';
COMMENT ON COLUMN figure_changes.reason IS 'Why it is flagged.';
COMMENT ON COLUMN figure_changes.figure IS 'Figure of the card the indicator belongs to.';
COMMENT ON COLUMN figure_changes.old_source_id IS 'Source that gave the value before.';
COMMENT ON COLUMN figure_changes.new_source_id IS 'Source that gives the value now.';
COMMENT ON COLUMN figure_changes.old_period IS 'Period of the value before.';
COMMENT ON COLUMN figure_changes.new_period IS 'Period of the value now.';
COMMENT ON COLUMN figure_changes.old_match_level IS 'Match level of the value before (exact, isco4, ...).';
COMMENT ON COLUMN figure_changes.new_match_level IS 'Match level of the value now.';
COMMENT ON COLUMN figure_changes.cause IS 'Why it changed, for the release notes: new_data (another period), source_revision (same period, the source files changed), source_switch (another source), rule_change (same period and files: rules or code changed).';
