-- The raw register files that hold each year, for lineage.
CREATE OR REPLACE TABLE intermediate.int_register_year_files AS
SELECT
    register_years.year,
    string_agg(DISTINCT files.raw_file, ', ' ORDER BY files.raw_file) AS raw_files
FROM (SELECT DISTINCT year, staging_file FROM staging.stg_register) AS register_years
INNER JOIN intermediate.int_source_files AS files USING (staging_file)
GROUP BY register_years.year;
