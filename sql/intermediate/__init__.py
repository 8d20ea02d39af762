"""Intermediate models: joins, computations, disclosure."""
