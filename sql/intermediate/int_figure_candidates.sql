-- Every value a source gives for a figure of a métier in the reference year: computed from
-- the register and insertion data, published aggregates (national rows of year Y whose
-- occupation code is the métier's code) and editorial facts. Disclosure control applies to
-- each candidate: a value resting on too few records is withheld with its count.
CREATE OR REPLACE TABLE intermediate.int_figure_candidates AS
WITH card_indicators AS (
    SELECT unnest([
        'headcount', 'growth_rate', 'insertion_rate', 'average_age', 'share_women',
        'share_self_employed', 'salary_entry', 'salary_senior_median', 'salary_senior_p90'
    ]) AS indicator
),
computed AS (
    SELECT
        slug, figure, indicator, value, n_records, period, source_id, source_files,
        unavailable_reason, NULL::VARCHAR AS flag, false AS override
    FROM intermediate.int_figures
),
aggregates AS (
    SELECT
        metiers.slug,
        NULL::VARCHAR AS figure,
        aggregates.indicator,
        aggregates.value,
        NULL::BIGINT AS n_records,
        aggregates.year::VARCHAR AS period,
        aggregates.source_id,
        files.raw_file AS source_files,
        CASE WHEN aggregates.value IS NULL THEN 'not available from the publisher' END,
        aggregates.flag,
        false AS override
    FROM staging.stg_aggregates AS aggregates
    INNER JOIN staging.stg_metiers AS metiers ON aggregates.occupation_code = metiers.esco_code
    INNER JOIN card_indicators USING (indicator)
    CROSS JOIN intermediate.int_reference_year AS reference
    LEFT JOIN intermediate.int_source_files AS files
        ON files.staging_file = aggregates.staging_file
    WHERE aggregates.year = reference.reference_year AND aggregates.region IS NULL
),
editorial AS (
    SELECT
        facts.slug,
        NULL::VARCHAR AS figure,
        facts.indicator,
        facts.value,
        NULL::BIGINT AS n_records,
        facts.year::VARCHAR AS period,
        files.source AS source_id,
        files.raw_file AS source_files,
        NULL::VARCHAR,
        NULL::VARCHAR AS flag,
        facts.override
    FROM staging.stg_facts AS facts
    INNER JOIN card_indicators USING (indicator)
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
    coalesce(
        candidates.figure,
        CASE
            WHEN candidates.indicator LIKE 'salary_senior_%' THEN 'salary_senior'
            WHEN candidates.indicator LIKE 'freelance_rate_%' THEN 'freelance_rate'
            ELSE candidates.indicator
        END
    ) AS figure,
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
    CASE
        WHEN candidates.n_records < thresholds.min_records
            THEN 'fewer than ' || thresholds.min_records::VARCHAR || ' records'
        ELSE candidates.unavailable_reason
    END AS suppressed,
    candidates.flag,
    candidates.override,
    coalesce(registry.precedence, 1000) AS precedence
FROM candidates
LEFT JOIN meta_source_registry AS registry USING (source_id)
LEFT JOIN (
    SELECT indicator, min_records FROM meta_disclosure
    UNION ALL
    SELECT 'freelance_rate_' || bound, getvariable('min_records')
    FROM (VALUES ('min'), ('max')) AS bounds (bound)
) AS thresholds USING (indicator);
