-- The declared crosswalks with every target as a code of the ladder of int_aggregate_matches:
-- an ESCO concept URI becomes the ESCO code of that concept in the loaded ESCO files (the
-- latest modified language wins), joined on the URI's UUID, never on a code, since codes move
-- between ESCO releases; a URI absent from ESCO (or without ESCO files) maps nowhere.
CREATE OR REPLACE TABLE intermediate.int_crosswalks AS
WITH esco AS (
    SELECT
        lower(regexp_extract(concept_uri, '([0-9A-Fa-f-]{36})$', 1)) AS uuid,
        arg_max(code, modified_date) AS code
    FROM intermediate.int_esco_occupations
    WHERE code IS NOT NULL
    GROUP BY 1
)
SELECT
    crosswalks.crosswalk_id,
    crosswalks.source_code,
    crosswalks.target_kind,
    coalesce(crosswalks.target_code, esco.code) AS target_code,
    crosswalks.target_uri,
    crosswalks.weight,
    crosswalks.relation
FROM staging.stg_crosswalks AS crosswalks
LEFT JOIN esco
    ON crosswalks.target_uri IS NOT NULL
    AND esco.uuid = lower(regexp_extract(crosswalks.target_uri, '([0-9A-Fa-f-]{36})$', 1))
WHERE coalesce(crosswalks.target_code, esco.code) IS NOT NULL;
