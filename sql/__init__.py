"""SQL models of the build, read as package data (metiers.sql in an installed package)."""
