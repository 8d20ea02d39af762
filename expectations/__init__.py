"""Great Expectations suites as JSON, read as package data (metiers.expectations)."""
