"""Staging models: one view per source (renames and casts)."""
