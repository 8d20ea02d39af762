"""Readers of the published file: cards, pages, exports, queries, the data dictionary."""
