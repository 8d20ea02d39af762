-- Outcome of every Great Expectations expectation run on the sources and the marts.
CREATE OR REPLACE TABLE meta_validation (
    stage VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    suite VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    column_name VARCHAR,
    success BOOLEAN NOT NULL,
    unexpected_count BIGINT,
    sample VARCHAR,
    validated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

COMMENT ON TABLE meta_validation IS 'Outcome of every Great Expectations expectation of the refresh that built this file, on the staged sources and on the marts.';
COMMENT ON COLUMN meta_validation.stage IS 'source (a staged raw file) or mart (a built table).';
COMMENT ON COLUMN meta_validation.target IS 'The raw file or the mart table validated.';
COMMENT ON COLUMN meta_validation.suite IS 'Suite name: a JSON file in expectations/.';
COMMENT ON COLUMN meta_validation.expectation IS 'Expectation type, e.g. expect_column_values_to_be_in_set.';
COMMENT ON COLUMN meta_validation.column_name IS 'Column or columns the expectation checks.';
COMMENT ON COLUMN meta_validation.success IS 'Whether the expectation held.';
COMMENT ON COLUMN meta_validation.unexpected_count IS 'Number of values that broke it.';
COMMENT ON COLUMN meta_validation.sample IS 'A few of the values that broke it.';
COMMENT ON COLUMN meta_validation.validated_at IS 'When it was checked.';
