"""Macros for the formulas the models share, created first (schema `macros`, not published)."""
