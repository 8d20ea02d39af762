"""Stage 1, ingest: find and hash raw files, read each with its source's adapter, and stage it
as typed Parquet."""
