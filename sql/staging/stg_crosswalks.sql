-- Occupation crosswalks of every source of role `crosswalk`: one row per (source code,
-- target) pair, with its allocation weight (ingest/sources/crosswalk.py).
CREATE OR REPLACE VIEW staging.stg_crosswalks AS
SELECT
    crosswalk_id::VARCHAR AS crosswalk_id,
    source_code::VARCHAR AS source_code,
    target_kind::VARCHAR AS target_kind,
    target_code::VARCHAR AS target_code,
    target_uri::VARCHAR AS target_uri,
    weight::DOUBLE AS weight,
    relation::VARCHAR AS relation,
    source_row::BIGINT AS source_row,
    filename AS staging_file
FROM read_parquet(getvariable('crosswalk_files'), filename = true, union_by_name = true);
