-- The groups of each métier a published table may be keyed by, finest first: its ESCO code,
-- its ESCO concept URI (when ESCO is loaded), and its ISCO-08 unit group with the minor,
-- sub-major and major groups above it. The unit group is ESCO's own `iscoGroup` of the code
-- (the latest modified language file wins: 2421.8 is in 2164 in ESCO 1.2.1) when ESCO is
-- loaded, else the code's four-digit prefix (a catalogue entry that is a unit group, 7411,
-- is its own unit group).
CREATE OR REPLACE TABLE intermediate.int_occupation_groups AS
WITH esco AS (
    SELECT
        code,
        arg_max(nullif(trim(isco_group), ''), modified_date) AS isco_group,
        arg_max(concept_uri, modified_date) AS concept_uri
    FROM intermediate.int_esco_occupations
    WHERE code IS NOT NULL
    GROUP BY code
),
groups AS (
    SELECT
        metiers.slug,
        metiers.esco_code,
        esco.concept_uri,
        coalesce(
            CASE WHEN regexp_full_match(esco.isco_group, '\d{4}') THEN esco.isco_group END,
            nullif(regexp_extract(metiers.esco_code, '^(\d{4})', 1), '')
        ) AS isco4
    FROM staging.stg_metiers AS metiers
    LEFT JOIN esco ON esco.code = metiers.esco_code
)
SELECT
    slug,
    esco_code,
    concept_uri,
    isco4,
    left(isco4, 3) AS isco3,
    left(isco4, 2) AS isco2,
    left(isco4, 1) AS isco1
FROM groups;
