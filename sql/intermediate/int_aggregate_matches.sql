-- Which métiers each published value describes, and how closely (the match ladder):
--   exact         the table's code is the métier's code                        (rank 0)
--   esco_broader  the table's code is an ESCO code above it (2654.1 for 2654.1.3) (rank 1)
--   isco4..isco1  the table's code is the métier's ISCO-08 unit, minor, sub-major or major
--                 group (int_occupation_groups)                               (ranks 2..5)
-- Each value is taken as published for its group: values of narrower codes are never summed
-- into a coarser group, and one level never adds to another. Periods ending up to the
-- source's max_lag_years before the reference year are eligible; per métier, indicator,
-- source and level the latest period wins (then the finest code).
CREATE OR REPLACE TABLE intermediate.int_aggregate_matches AS
WITH codes AS (
    SELECT DISTINCT code FROM intermediate.int_aggregate_values
),
ladder AS (
    SELECT
        groups.slug,
        codes.code,
        CASE
            WHEN codes.code = groups.esco_code THEN 'exact'
            WHEN contains(codes.code, '.') THEN 'esco_broader'
            WHEN codes.code = groups.isco4 THEN 'isco4'
            WHEN codes.code = groups.isco3 THEN 'isco3'
            WHEN codes.code = groups.isco2 THEN 'isco2'
            ELSE 'isco1'
        END AS match_level
    FROM codes
    INNER JOIN intermediate.int_occupation_groups AS groups
        ON codes.code = groups.esco_code
        OR (contains(codes.code, '.') AND starts_with(groups.esco_code, codes.code || '.'))
        OR codes.code IN (groups.isco4, groups.isco3, groups.isco2, groups.isco1)
),
matched AS (
    SELECT
        ladder.slug,
        ladder.match_level,
        CASE ladder.match_level
            WHEN 'exact' THEN 0 WHEN 'esco_broader' THEN 1 WHEN 'isco4' THEN 2
            WHEN 'isco3' THEN 3 WHEN 'isco2' THEN 4 ELSE 5
        END AS match_rank,
        ladder.code AS match_group,
        reference.reference_year - v.period_end AS lag_years,
        v.*
    FROM ladder
    INNER JOIN intermediate.int_aggregate_values AS v ON v.code = ladder.code
    CROSS JOIN intermediate.int_reference_year AS reference
    LEFT JOIN meta_source_registry AS sources ON sources.source_id = v.source_id
    WHERE v.period_end BETWEEN reference.reference_year - coalesce(sources.max_lag_years, 2)
        AND reference.reference_year
)
SELECT
    slug,
    indicator,
    source_id,
    match_level,
    match_rank,
    match_group,
    period,
    period_end,
    lag_years,
    value,
    flag,
    staging_file,
    allocated_from,
    allocated_weight,
    geo,
    unit,
    currency,
    belgian
FROM matched
QUALIFY row_number() OVER (
    PARTITION BY slug, indicator, source_id, geo, match_level
    -- the latest period; at the same end year a single year before a range, a quarter, a month
    ORDER BY period_end DESC,
        CASE period_kind WHEN 'year' THEN 0 WHEN 'range' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END,
        length(match_group) DESC, match_group
) = 1;
