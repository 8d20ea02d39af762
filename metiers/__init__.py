"""Métiers en chiffres: labour-market figures per occupation, from raw files to a published mart."""

__version__ = "0.1.0"
