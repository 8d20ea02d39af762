-- The catalogue, with titles it leaves empty filled from the ESCO preferred labels of the
-- métier's code (when ESCO files are present).
CREATE OR REPLACE TABLE intermediate.int_metiers AS
WITH labels AS (
    SELECT
        code,
        max(preferred_label) FILTER (WHERE lang = 'fr') AS label_fr,
        max(preferred_label) FILTER (WHERE lang = 'nl') AS label_nl,
        max(preferred_label) FILTER (WHERE lang = 'en') AS label_en
    FROM intermediate.int_esco_occupations
    GROUP BY code
)
SELECT
    metiers.slug,
    coalesce(nullif(trim(metiers.title_fr), ''), labels.label_fr) AS title_fr,
    coalesce(nullif(trim(metiers.title_nl), ''), labels.label_nl) AS title_nl,
    coalesce(nullif(trim(metiers.title_en), ''), labels.label_en) AS title_en,
    metiers.esco_code,
    metiers.training_years_min,
    metiers.training_years_max,
    metiers.training_plus_experience
FROM staging.stg_metiers AS metiers
LEFT JOIN labels ON labels.code = metiers.esco_code;
