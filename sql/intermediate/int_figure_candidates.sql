-- Every value a source gives for a figure of a métier in the reference year: computed from
-- the register and insertion data, published aggregates (national rows of year Y whose
-- occupation code is the métier's code) and editorial facts. Disclosure control applies to
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
        unavailable_code, unavailable_params, NULL::VARCHAR AS flag, false AS override
    FROM intermediate.int_figures
),
aggregates AS (
    SELECT
        metiers.slug,
        aggregates.indicator,
        aggregates.value,
        NULL::BIGINT AS n_records,
        aggregates.year::VARCHAR AS period,
        aggregates.source_id,
        files.raw_file AS source_files,
        CASE WHEN aggregates.value IS NULL THEN 'not_available' END,
        CASE WHEN aggregates.value IS NULL THEN json_object() END,
        aggregates.flag,
        false AS override
    FROM staging.stg_aggregates AS aggregates
    INNER JOIN staging.stg_metiers AS metiers ON aggregates.occupation_code = metiers.esco_code
    INNER JOIN computed_indicators USING (indicator)
    CROSS JOIN intermediate.int_reference_year AS reference
    LEFT JOIN intermediate.int_source_files AS files
        ON files.staging_file = aggregates.staging_file
    WHERE aggregates.year = reference.reference_year AND aggregates.region IS NULL
        -- a Belgian value in a mart unit: never another country, currency or a net wage
        AND aggregates.geo = 'BE'
        AND (aggregates.unit IS NULL
            OR aggregates.unit IN ('persons', 'share', 'eur_gross_per_month', 'years',
                'fraction_per_year'))
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
        facts.override
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
    coalesce(sources.precedence, 1000) AS precedence
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
