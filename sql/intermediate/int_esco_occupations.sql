-- One row per ESCO occupation and language: where two files of the same language are
-- given, the later modification wins.
CREATE OR REPLACE TABLE intermediate.int_esco_occupations AS
SELECT *
FROM staging.stg_esco_occupations
QUALIFY row_number() OVER (
    PARTITION BY concept_uri, lang ORDER BY modified_date DESC NULLS LAST, staging_file DESC
) = 1;
