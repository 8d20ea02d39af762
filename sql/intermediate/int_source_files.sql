-- Staging file -> the raw file it came from, for the lineage of every figure.
CREATE OR REPLACE TABLE intermediate.int_source_files AS
SELECT
    staging_path AS staging_file,
    source,
    path AS raw_file
FROM meta_sources;
