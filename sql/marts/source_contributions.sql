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
    -- a file's rows: staged; national (no region); of a code the match ladder ties to a
    -- catalogue métier (its ESCO code, a broader ESCO code, one of its ISCO-08 groups, after
    -- the source's crosswalk if any); and of those, in the eligible periods
    SELECT
        staged.staging_file,
        staged.staged_rows,
        staged.national_rows,
        staged.example_code,
        coalesce(matched.code_matched, 0) AS code_matched,
        coalesce(matched.in_window, 0) AS in_window,
        matched.first_year,
        matched.last_year
    FROM (
        SELECT
            staging_file,
            count(*) AS staged_rows,
            count(*) FILTER (WHERE region IS NULL) AS national_rows,
            min(occupation_code) AS example_code
        FROM staging.stg_aggregates
        GROUP BY staging_file
    ) AS staged
    LEFT JOIN (
        SELECT
            v.staging_file,
            count(*) AS code_matched,
            count(*) FILTER (
                WHERE v.period_end BETWEEN reference.reference_year
                    - coalesce(registry.max_lag_years, 2) AND reference.reference_year
            ) AS in_window,
            min(v.period_end) AS first_year,
            max(v.period_end) AS last_year
        FROM intermediate.int_aggregate_values AS v
        CROSS JOIN intermediate.int_reference_year AS reference
        LEFT JOIN meta_source_registry AS registry ON registry.source_id = v.source_id
        WHERE EXISTS (
            SELECT 1 FROM intermediate.int_occupation_groups AS groups
            WHERE v.code IN (groups.esco_code, groups.isco4, groups.isco3, groups.isco2,
                    groups.isco1)
                OR (contains(v.code, '.') AND starts_with(groups.esco_code, v.code || '.'))
        )
        GROUP BY v.staging_file
    ) AS matched ON matched.staging_file = staged.staging_file
),
candidates AS (
    -- figure candidates, and the context rows of a table that may not become a Belgian
    -- figure (another country, currency, a net wage)
    SELECT source, path, sum(contributed) AS contributed
    FROM (
        SELECT source_id AS source, source_files AS path, count(*) AS contributed
        FROM metier_figure_candidates
        GROUP BY ALL
        UNION ALL
        SELECT source_id, source_file, count(*)
        FROM metier_context
        GROUP BY ALL
    )
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
        ON ((starts_with(metiers.esco_code, context.isco_code)
                AND length(context.isco_code) BETWEEN 1 AND 4)
            -- general context by Belgian region (metier_context)
            OR (context.isco_code IS NULL AND context.geo_level IN ('nuts1', 'nuts2')))
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
                WHEN coalesce(aggregate_rows.national_rows, 0) = 0 THEN 'geography_filtered_out'
                WHEN coalesce(aggregate_rows.code_matched, 0) = 0 THEN 'no_code_matched'
                ELSE 'period_out_of_range'
            END
        WHEN files.role = 'context' AND coalesce(context_rows.contributed, 0) = 0
            THEN 'no_code_matched'
    END AS warning_code,
    CASE
        WHEN files.role = 'aggregate' AND coalesce(candidates.contributed, 0) = 0 THEN
            CASE
                WHEN coalesce(aggregate_rows.national_rows, 0) = 0 THEN format(
                    '{} contributes no value: its rows are all regional', files.path
                )
                WHEN coalesce(aggregate_rows.code_matched, 0) = 0 THEN format(
                    '{} contributes no value: none of its {} rows has a code of a catalogue '
                    || 'métier or of one of its groups (e.g. {})',
                    files.path, coalesce(aggregate_rows.staged_rows, 0),
                    coalesce('''' || aggregate_rows.example_code || '''', 'no code')
                )
                ELSE format(
                    '{} contributes no value: its rows of catalogue codes are of {}, more '
                    || 'than {} years before the reference year {}',
                    files.path,
                    CASE
                        WHEN aggregate_rows.first_year = aggregate_rows.last_year
                            THEN aggregate_rows.first_year::VARCHAR
                        ELSE format('{}-{}', aggregate_rows.first_year, aggregate_rows.last_year)
                    END,
                    coalesce(registry.max_lag_years, 2),
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
LEFT JOIN meta_source_registry AS registry ON registry.source_id = files.source
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
