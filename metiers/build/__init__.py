"""Stage 3, build: run sql/ into a new DuckDB file."""
