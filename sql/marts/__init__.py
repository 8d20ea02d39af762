"""Mart models: the published tables, with COMMENT ON."""
