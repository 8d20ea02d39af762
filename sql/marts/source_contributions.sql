-- What each validated file of a published-table source (roles aggregate and context) gives
-- the marts: figure candidates, or context rows matched to a métier. A file that gives none
-- is not silent: a note says why (meta_source_notes), and meta_sources carries the warning.
CREATE OR REPLACE TABLE source_contributions AS
WITH files AS (
    SELECT sources.source, sources.path, sources.staging_path, registry.role
    FROM meta_sources AS sources
    INNER JOIN meta_source_registry AS registry ON registry.source_id = sources.source
    WHERE sources.status = 'validated' AND registry.role IN ('aggregate', 'context')
),
aggregate_rows AS (
    SELECT
        aggregates.staging_file,
        count(*) AS staged_rows,
        count(metiers.slug) AS code_matched,
        count(metiers.slug) FILTER (WHERE aggregates.region IS NULL) AS national_matched,
        min(aggregates.year) FILTER (WHERE metiers.slug IS NOT NULL) AS first_year,
        max(aggregates.year) FILTER (WHERE metiers.slug IS NOT NULL) AS last_year,
        min(aggregates.occupation_code) AS example_code
    FROM staging.stg_aggregates AS aggregates
    LEFT JOIN staging.stg_metiers AS metiers ON aggregates.occupation_code = metiers.esco_code
    GROUP BY aggregates.staging_file
),
candidates AS (
    SELECT source_id AS source, source_files AS path, count(*) AS contributed
    FROM metier_figure_candidates
    GROUP BY ALL
),
context_rows AS (
    SELECT
        context.staging_file,
        count(DISTINCT (context.isco_code, context.geo, context.time_period, context.indicator))
            AS staged_rows,
        count(metiers.slug) AS contributed,
        min(context.isco_code) AS example_code
    FROM staging.stg_context AS context
    LEFT JOIN staging.stg_metiers AS metiers
        ON starts_with(metiers.esco_code, context.isco_code)
        AND length(context.isco_code) BETWEEN 1 AND 4
        AND context.value IS NOT NULL
    GROUP BY context.staging_file
)
SELECT
    files.source,
    files.path,
    files.role,
    coalesce(aggregate_rows.staged_rows, context_rows.staged_rows, 0) AS staged_rows,
    CASE files.role
        WHEN 'aggregate' THEN coalesce(candidates.contributed, 0)
        ELSE coalesce(context_rows.contributed, 0)
    END AS contributed_values,
    CASE
        WHEN files.role = 'aggregate' AND coalesce(candidates.contributed, 0) = 0 THEN
            CASE
                WHEN coalesce(aggregate_rows.code_matched, 0) = 0 THEN 'no_code_matched'
                WHEN aggregate_rows.national_matched = 0 THEN 'geography_filtered_out'
                ELSE 'period_out_of_range'
            END
        WHEN files.role = 'context' AND coalesce(context_rows.contributed, 0) = 0
            THEN 'no_code_matched'
    END AS warning_code,
    CASE
        WHEN files.role = 'aggregate' AND coalesce(candidates.contributed, 0) = 0 THEN
            CASE
                WHEN coalesce(aggregate_rows.code_matched, 0) = 0 THEN format(
                    '{} contributes no value: none of its {} rows has the ESCO code of a '
                    || 'catalogue métier (e.g. {})',
                    files.path, coalesce(aggregate_rows.staged_rows, 0),
                    coalesce('''' || aggregate_rows.example_code || '''', 'no code')
                )
                WHEN aggregate_rows.national_matched = 0 THEN format(
                    '{} contributes no value: its rows of catalogue codes are all regional',
                    files.path
                )
                ELSE format(
                    '{} contributes no value: its rows of catalogue codes are of {}, not '
                    || 'the reference year {}',
                    files.path,
                    CASE
                        WHEN aggregate_rows.first_year = aggregate_rows.last_year
                            THEN aggregate_rows.first_year::VARCHAR
                        ELSE format('{}-{}', aggregate_rows.first_year, aggregate_rows.last_year)
                    END,
                    (SELECT reference_year FROM intermediate.int_reference_year)
                )
            END
        WHEN files.role = 'context' AND coalesce(context_rows.contributed, 0) = 0 THEN format(
            '{} contributes no value: none of its {} rows has the ISCO group of a catalogue '
            || 'métier (e.g. {})',
            files.path, coalesce(context_rows.staged_rows, 0),
            coalesce('''' || context_rows.example_code || '''', 'no code')
        )
    END AS warning
FROM files
LEFT JOIN aggregate_rows ON aggregate_rows.staging_file = files.staging_path
LEFT JOIN context_rows ON context_rows.staging_file = files.staging_path
LEFT JOIN candidates ON candidates.source = files.source AND candidates.path = files.path
ORDER BY files.source, files.path;

INSERT INTO meta_source_notes
SELECT source, path, warning_code, warning
FROM source_contributions
WHERE warning_code IS NOT NULL;

-- Each file's notes, the most telling first (metiers/validate/intake.py, WARNING_CODES).
UPDATE meta_sources
SET warning_code = notes.code, warning = notes.message
FROM (
    SELECT
        source,
        path,
        arg_min(code, list_position(
            ['unit_mismatch', 'geography_filtered_out', 'no_code_matched',
             'period_out_of_range', 'series_matched_nothing'], code
        )) AS code,
        string_agg(message, '; ' ORDER BY list_position(
            ['unit_mismatch', 'geography_filtered_out', 'no_code_matched',
             'period_out_of_range', 'series_matched_nothing'], code
        ), message) AS message
    FROM meta_source_notes
    GROUP BY source, path
) AS notes
WHERE meta_sources.source = notes.source AND meta_sources.path = notes.path;

COMMENT ON TABLE source_contributions IS 'Per validated raw file of a published-table source (roles aggregate and context): rows staged and values it gives the marts, and why it gives none.';
COMMENT ON COLUMN source_contributions.source IS 'Source id (see meta_source_registry).';
COMMENT ON COLUMN source_contributions.path IS 'Raw file, relative to the raw folder.';
COMMENT ON COLUMN source_contributions.role IS 'The source''s role: aggregate (figure candidates) or context.';
COMMENT ON COLUMN source_contributions.staged_rows IS 'Rows the file staged (per indicator: one per occupation, year, region and indicator, or per ISCO group, place, period and series).';
COMMENT ON COLUMN source_contributions.contributed_values IS 'Figure candidates (aggregate) or context rows matched to a métier (context) from this file; 0 means the file contributes nothing.';
COMMENT ON COLUMN source_contributions.warning_code IS 'Why the file contributes nothing: no_code_matched, geography_filtered_out or period_out_of_range; null when it contributes.';
COMMENT ON COLUMN source_contributions.warning IS 'The reason in words.';
