-- Every value a source gives for a figure of a métier in the reference year: computed from
-- the register and insertion data, published aggregates (national values matched to the
-- métier at every level of int_aggregate_matches: its code, a broader ESCO code, its ISCO-08
-- groups; periods up to the source's max_lag_years old) and editorial facts. Disclosure control applies to
-- each candidate: a value resting on too few records is withheld, with the code of the rule
-- and its parameters (meta_suppression_reasons) and their English text.
-- Indicators are those of meta_figure_registry (the figure registry), which says the figure
-- each belongs to.
CREATE OR REPLACE TABLE intermediate.int_figure_candidates AS
WITH computed_indicators AS (
    -- figures computed from records (under disclosure control), which a published aggregate
    -- or an editorial value may stand in for; editorial figures have a model of their own
    SELECT indicator FROM meta_figure_registry WHERE disclosure_rule IS NOT NULL
),
computed AS (
    SELECT
        slug, indicator, value, n_records, period, source_id, source_files,
        unavailable_code, unavailable_params, NULL::VARCHAR AS flag, false AS override,
        'exact' AS match_level, 0 AS match_rank, NULL::VARCHAR AS match_group,
        NULL::INTEGER AS period_end
    FROM intermediate.int_figures
),
aggregates AS (
    SELECT
        matches.slug,
        matches.indicator,
        matches.value,
        NULL::BIGINT AS n_records,
        matches.period,
        matches.source_id,
        files.raw_file AS source_files,
        CASE WHEN matches.value IS NULL THEN 'not_available' END,
        CASE WHEN matches.value IS NULL THEN json_object() END,
        matches.flag,
        false AS override,
        matches.match_level,
        matches.match_rank,
        matches.match_group,
        matches.period_end
    FROM intermediate.int_aggregate_matches AS matches
    INNER JOIN computed_indicators USING (indicator)
    LEFT JOIN intermediate.int_source_files AS files
        ON files.staging_file = matches.staging_file
    WHERE matches.belgian
),
editorial AS (
    SELECT
        facts.slug,
        facts.indicator,
        facts.value,
        NULL::BIGINT AS n_records,
        facts.year::VARCHAR AS period,
        files.source AS source_id,
        files.raw_file AS source_files,
        NULL::VARCHAR,
        NULL::JSON,
        NULL::VARCHAR AS flag,
        facts.override,
        'exact' AS match_level,
        0 AS match_rank,
        NULL::VARCHAR AS match_group,
        facts.year AS period_end
    FROM staging.stg_facts AS facts
    INNER JOIN computed_indicators USING (indicator)
    CROSS JOIN intermediate.int_reference_year AS reference
    LEFT JOIN intermediate.int_source_files AS files USING (staging_file)
    WHERE facts.year = reference.reference_year
        AND facts.region IS NULL
        AND facts.value IS NOT NULL
),
candidates AS (
    SELECT * FROM computed
    UNION ALL
    SELECT * FROM aggregates
    UNION ALL
    SELECT * FROM editorial
)
SELECT
    candidates.slug,
    registry.figure,
    candidates.indicator,
    CASE
        WHEN candidates.n_records < thresholds.min_records THEN NULL
        ELSE candidates.value
    END AS value,
    CASE
        WHEN candidates.n_records < thresholds.min_records THEN NULL
        ELSE candidates.n_records
    END AS n_records,
    candidates.period,
    candidates.source_id,
    candidates.source_files,
    macros.suppression_text(suppression.code, suppression.params) AS suppressed,
    suppression.code AS suppression_code,
    suppression.params AS suppression_params,
    candidates.flag,
    candidates.override,
    coalesce(sources.precedence, 1000) AS precedence,
    candidates.match_level,
    candidates.match_rank,
    candidates.match_group,
    candidates.period_end
FROM candidates
INNER JOIN meta_figure_registry AS registry USING (indicator)
LEFT JOIN meta_source_registry AS sources ON sources.source_id = candidates.source_id
-- an indicator without a rule (editorial) has no threshold: its values carry no record count
LEFT JOIN meta_disclosure AS thresholds USING (indicator)
CROSS JOIN LATERAL (
    SELECT
        CASE
            WHEN candidates.n_records < thresholds.min_records THEN 'primary'
            ELSE candidates.unavailable_code
        END AS code,
        CASE
            WHEN candidates.n_records < thresholds.min_records
                THEN json_object('min_records', thresholds.min_records)
            ELSE candidates.unavailable_params
        END AS params
) AS suppression;
