-- Register records with the métier they belong to (a record may belong to several métiers).
CREATE OR REPLACE VIEW intermediate.int_register_records AS
SELECT
    occupation_metiers.slug,
    register.*
FROM staging.stg_register AS register
INNER JOIN intermediate.int_occupation_metiers AS occupation_metiers
    USING (occupation_code);
