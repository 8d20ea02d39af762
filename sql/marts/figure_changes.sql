-- What moved since the previous publication, for the content team to review. Created empty
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
    reason VARCHAR
);

COMMENT ON TABLE figure_changes IS 'Every published figure whose value or French display string differs from the previous publication, one row per métier and indicator; flagged rows need editorial review (change above the threshold in sources.toml [changes], newly withheld, newly published).';
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
