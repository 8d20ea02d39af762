-- Published aggregate values per source, indicator, period and occupation code, in the
-- classification the build matches on (ESCO or ISCO-08 codes). A table keyed by another
-- classification goes through its crosswalk (the source's `classification`): an additive
-- figure (a total, e.g. headcount) is split by the crosswalk's weights, so a source code's
-- value is shared among its targets and the shares sum back to it; any other figure (a
-- share, a wage, an age) is the weight-averaged value of the source codes mapped to the
-- target. Regional rows are left out: a figure describes the whole country. `belgian` marks
-- a Belgian value in a unit of the mart, the only kind that may become a figure: another
-- country's, another currency's or a net wage never does (metier_context shows them,
-- labelled with their country).
CREATE OR REPLACE TABLE intermediate.int_aggregate_values AS
WITH rows AS (
    SELECT
        aggregates.source_id,
        aggregates.indicator,
        aggregates.occupation_code,
        aggregates.period_end,
        aggregates.period,
        aggregates.period_kind,
        aggregates.value,
        aggregates.flag,
        aggregates.staging_file,
        aggregates.geo,
        aggregates.unit,
        aggregates.currency,
        -- a Belgian value in a unit of the mart: the only kind that may become a figure
        coalesce(aggregates.geo = 'BE'
            AND (aggregates.unit IS NULL
                OR aggregates.unit IN ('persons', 'share', 'eur_gross_per_month', 'years',
                    'fraction_per_year')), false) AS belgian,
        coalesce(sources.classification, 'esco') AS classification,
        figures.estimate = 'total' AS additive
    FROM staging.stg_aggregates AS aggregates
    INNER JOIN meta_figure_registry AS figures USING (indicator)
    LEFT JOIN meta_source_registry AS sources ON sources.source_id = aggregates.source_id
    WHERE aggregates.region IS NULL AND aggregates.period_end IS NOT NULL
),
direct AS (
    SELECT
        source_id, indicator, period_end, period, period_kind, occupation_code AS code, value,
        flag, staging_file, geo, unit, currency, belgian,
        NULL::VARCHAR AS allocated_from, NULL::DOUBLE AS allocated_weight
    FROM rows
    WHERE classification IN ('esco', 'isco08')
),
allocated AS (
    SELECT
        rows.source_id,
        rows.indicator,
        rows.period_end,
        rows.period,
        rows.period_kind,
        crosswalks.target_code AS code,
        CASE
            WHEN count(rows.value) = 0 THEN NULL
            WHEN bool_or(rows.additive) THEN sum(rows.value * crosswalks.weight)
            ELSE sum(rows.value * crosswalks.weight)
                / nullif(sum(crosswalks.weight) FILTER (WHERE rows.value IS NOT NULL), 0)
        END AS value,
        nullif(string_agg(DISTINCT rows.flag, ',' ORDER BY rows.flag), '') AS flag,
        min(rows.staging_file) AS staging_file,
        rows.geo,
        rows.unit,
        rows.currency,
        rows.belgian,
        string_agg(DISTINCT rows.occupation_code, ',' ORDER BY rows.occupation_code)
            AS allocated_from,
        sum(crosswalks.weight) AS allocated_weight
    FROM rows
    INNER JOIN intermediate.int_crosswalks AS crosswalks
        ON crosswalks.crosswalk_id = rows.classification
        AND crosswalks.source_code = rows.occupation_code
    GROUP BY
        rows.source_id, rows.indicator, rows.period_end, rows.period, rows.period_kind,
        crosswalks.target_code, rows.geo, rows.unit, rows.currency, rows.belgian
)
SELECT * FROM direct
UNION ALL BY NAME
SELECT * FROM allocated;
