-- Figures revised after their reference period was first released: the value changed while
-- the period stayed the same. Created empty here with its documentation;
-- metiers/publish/release.py fills it when the file is released (comparing with the version
-- readers saw), and carries earlier revisions forward until the figure's period changes.
CREATE OR REPLACE TABLE metier_revisions (
    slug VARCHAR NOT NULL,
    figure VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    revised_on DATE NOT NULL,
    revised_in_version VARCHAR NOT NULL,
    previous_value DOUBLE,
    value DOUBLE
);

COMMENT ON TABLE metier_revisions IS 'Published figures whose value changed for a reference period already released (a revision): the card, its JSON, the API and the page say "révisé le …" / "herzien op …" / "revised on …" until the figure''s period changes.';
COMMENT ON COLUMN metier_revisions.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_revisions.figure IS 'Figure of the card (salary_senior groups its median and 90th percentile).';
COMMENT ON COLUMN metier_revisions.indicator IS 'Column of metier_figures that was revised.';
COMMENT ON COLUMN metier_revisions.period IS 'Reference period of the value, the same before and after the revision.';
COMMENT ON COLUMN metier_revisions.revised_on IS 'Date (Europe/Brussels) of the release that revised it.';
COMMENT ON COLUMN metier_revisions.revised_in_version IS 'Version whose release revised it.';
COMMENT ON COLUMN metier_revisions.previous_value IS 'Value released before the revision.';
COMMENT ON COLUMN metier_revisions.value IS 'Value after the revision.';
