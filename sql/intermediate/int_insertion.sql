-- Insertion rate six months after training: the latest cohort, pooled with up to two earlier
-- cohorts while leavers stay under the disclosure threshold. The main channel is the one of
-- the most leavers among the cohorts used.
CREATE OR REPLACE TABLE intermediate.int_insertion AS
WITH latest AS (
    SELECT max(cohort_year) AS latest_cohort FROM staging.stg_insertion
),
metier_rows AS (
    SELECT
        occupation_metiers.slug,
        insertion.cohort_year,
        insertion.leavers,
        insertion.employed_6m,
        insertion.main_channel,
        insertion.staging_file
    FROM staging.stg_insertion AS insertion
    INNER JOIN intermediate.int_occupation_metiers AS occupation_metiers USING (occupation_code)
    CROSS JOIN latest
    WHERE insertion.cohort_year BETWEEN latest.latest_cohort - 2 AND latest.latest_cohort
),
per_cohort AS (
    SELECT
        slug,
        cohort_year,
        sum(leavers) AS leavers,
        sum(employed_6m) AS employed_6m
    FROM metier_rows
    GROUP BY slug, cohort_year
),
cumulative AS (
    SELECT
        slug,
        cohort_year,
        sum(leavers) OVER newest_first AS pooled_leavers,
        sum(employed_6m) OVER newest_first AS pooled_employed,
        row_number() OVER newest_first AS cohorts_used
    FROM per_cohort
    WINDOW newest_first AS (
        PARTITION BY slug ORDER BY cohort_year DESC ROWS UNBOUNDED PRECEDING
    )
),
choice AS (
    SELECT
        slug,
        coalesce(
            min(cohorts_used) FILTER (
                WHERE pooled_leavers >= (
                    SELECT min_records FROM meta_disclosure WHERE indicator = 'insertion_rate'
                )
            ),
            max(cohorts_used)
        ) AS cohorts_used
    FROM cumulative
    GROUP BY slug
),
chosen AS (
    SELECT cumulative.*
    FROM cumulative
    INNER JOIN choice USING (slug, cohorts_used)
),
channels AS (
    SELECT
        metier_rows.slug,
        metier_rows.main_channel,
        sum(metier_rows.leavers) AS leavers
    FROM metier_rows
    INNER JOIN chosen ON chosen.slug = metier_rows.slug
        AND metier_rows.cohort_year >= chosen.cohort_year
    WHERE metier_rows.main_channel IS NOT NULL
    GROUP BY metier_rows.slug, metier_rows.main_channel
),
main_channels AS (
    -- Ties on leavers go to the last channel by name: the same result every build.
    SELECT slug, arg_max(main_channel, (leavers, main_channel)) AS main_channel
    FROM channels
    GROUP BY slug
),
files AS (
    SELECT
        metier_rows.slug,
        string_agg(DISTINCT source_files.raw_file, ', ') AS raw_files
    FROM metier_rows
    INNER JOIN intermediate.int_source_files AS source_files USING (staging_file)
    GROUP BY metier_rows.slug
)
SELECT
    chosen.slug,
    CASE
        WHEN chosen.cohorts_used = 1 THEN latest.latest_cohort::VARCHAR
        ELSE chosen.cohort_year::VARCHAR || '-' || latest.latest_cohort::VARCHAR
    END AS period,
    chosen.pooled_leavers AS leavers,
    chosen.pooled_employed AS employed_6m,
    chosen.pooled_employed / nullif(chosen.pooled_leavers, 0) AS insertion_rate,
    main_channels.main_channel,
    files.raw_files
FROM chosen
CROSS JOIN latest
LEFT JOIN main_channels USING (slug)
LEFT JOIN files USING (slug);
