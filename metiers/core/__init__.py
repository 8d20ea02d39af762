"""Foundations every stage uses: paths, settings, the source registry, errors, timing."""
