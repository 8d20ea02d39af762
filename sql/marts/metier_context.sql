-- Context figures beside each métier's own: the most specific ISCO group of the métier's
-- code that a context source covers (4, 3, 2 or 1 digits), its latest available period; and
-- the published tables that may not become a Belgian figure (another country, another
-- currency, a net wage), at their finest match level and latest period, labelled with their
-- country.
CREATE OR REPLACE TABLE metier_context AS
WITH foreign_tables AS (
    SELECT
        matches.slug,
        matches.indicator,
        matches.match_group AS isco_group,
        matches.geo,
        matches.period,
        matches.value,
        matches.unit,
        matches.flag,
        NULL AS reliability,
        matches.source_id,
        files.raw_file AS source_file,
        NULL::DOUBLE AS source_value,
        NULL::VARCHAR AS source_unit,
        'country' AS geo_level,
        CASE
            WHEN matches.allocated_from IS NOT NULL
                THEN 'allocated from ' || matches.allocated_from || ' by crosswalk weight'
        END AS conversion
    FROM intermediate.int_aggregate_matches AS matches
    LEFT JOIN intermediate.int_source_files AS files
        ON files.staging_file = matches.staging_file
    WHERE NOT matches.belgian AND matches.value IS NOT NULL
    QUALIFY row_number() OVER (
        PARTITION BY matches.slug, matches.indicator, matches.source_id, matches.geo
        ORDER BY matches.match_rank, matches.period_end DESC
    ) = 1
),
matched AS (
    SELECT
        metiers.slug,
        context.*,
        coalesce(length(context.isco_code), 0) AS depth,
        -- a Belgian region (NUTS-1, NUTS-2) is context of its own, beside the regions
        CASE WHEN context.geo_level IN ('nuts1', 'nuts2') THEN context.geo END AS region
    FROM staging.stg_metiers AS metiers
    INNER JOIN staging.stg_context AS context
        -- the métier's ISCO groups, or a table without an occupation dimension (general
        -- context: every métier)
        ON (starts_with(metiers.esco_code, context.isco_code)
            AND length(context.isco_code) BETWEEN 1 AND 4)
        OR (context.isco_code IS NULL AND context.geo_level IN ('nuts1', 'nuts2'))
    WHERE context.value IS NOT NULL
)
SELECT
    matched.slug,
    matched.indicator,
    matched.isco_code AS isco_group,
    matched.geo,
    matched.time_period AS period,
    matched.value,
    matched.unit,
    matched.flag,
    CASE WHEN macros.eurostat_unreliable(matched.flag) THEN 'low' END AS reliability,
    matched.source_id,
    files.raw_file AS source_file,
    matched.source_value,
    matched.source_unit,
    matched.conversion,
    matched.geo_level
FROM matched
LEFT JOIN intermediate.int_source_files AS files
    ON files.staging_file = matched.staging_file
QUALIFY row_number() OVER (
    PARTITION BY matched.slug, matched.indicator, matched.region
    -- latest period by its end year, a whole year before its quarters (methodology/periods.py)
    ORDER BY matched.depth DESC, (matched.geo = 'BE') DESC, matched.period_end DESC NULLS LAST,
        CASE matched.period_kind
            WHEN 'year' THEN 3 WHEN 'range' THEN 2 WHEN 'quarter' THEN 1 ELSE 0
        END DESC,
        matched.time_period DESC, matched.source_id
) = 1
UNION ALL BY NAME
SELECT * FROM foreign_tables
ORDER BY slug, indicator, geo;

COMMENT ON TABLE metier_context IS 'Context figures shown beside a métier''s own figures, never instead: the value of the most specific ISCO-08 group of the métier''s code that a context source (e.g. Eurostat) covers, in its latest period, with the publisher''s flag; and the values of published tables that may not become a Belgian figure (another country, another currency, a net wage), labelled with their country.';
COMMENT ON COLUMN metier_context.slug IS 'Identifier of the métier.';
COMMENT ON COLUMN metier_context.indicator IS 'Context indicator, as declared in the registry (e.g. employment, share_women).';
COMMENT ON COLUMN metier_context.isco_group IS 'ISCO-08 group the value describes (e.g. 26 for the métier 2654.2).';
COMMENT ON COLUMN metier_context.geo IS 'Place the value describes (BE: Belgium).';
COMMENT ON COLUMN metier_context.period IS 'Period of the value.';
COMMENT ON COLUMN metier_context.value IS 'The value in the mart''s unit (shares as fractions 0-1, counts in persons), converted at staging from the unit the series declares.';
COMMENT ON COLUMN metier_context.unit IS 'Unit of value (persons, share, eur_gross_per_month; another currency or a net wage keeps its own, e.g. usd_gross_per_year).';
COMMENT ON COLUMN metier_context.flag IS 'Publisher flags (Eurostat letters: u low reliability, b break in series, ...); null when none.';
COMMENT ON COLUMN metier_context.source_id IS 'Source of the value (see meta_source_registry).';
COMMENT ON COLUMN metier_context.source_file IS 'Raw file of the value.';
COMMENT ON COLUMN metier_context.reliability IS 'low when the publisher flags the value as of low reliability (Eurostat u; shown as "peu fiable" / "weinig betrouwbaar" / "low reliability"), else null.';
COMMENT ON COLUMN metier_context.source_value IS 'The value as the publisher wrote it (e.g. 196.9 for 196,900 persons in thousands).';
COMMENT ON COLUMN metier_context.source_unit IS 'Unit the series declares for the published value (thousand_persons, percent, ...).';
COMMENT ON COLUMN metier_context.conversion IS 'How value was computed from source_value (e.g. thousand_persons→persons ×1000); null when taken as published.';
COMMENT ON COLUMN metier_context.geo_level IS 'What geo is: country, nuts1 or nuts2 (a Belgian region: one row per region, shown beside the card''s regions); from the source''s geography.';
