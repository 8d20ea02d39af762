"""The suites' rules evaluated in DuckDB (metiers/validate/sql_rules.py) agree with GX.

Same files, two engines: GX on pandas (the reference) and the SQL translation. They must fail
the same expectations with the same unexpected counts, values and rows, and both must match
the failures worked out by hand in tests/test_validate.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from rawdata import person, write_catalogue, write_register
from test_validate import REGISTER_FAILURES, REGISTER_ROWS, SOURCE_PARAMETERS, staged_path

from metiers.core.config import Settings
from metiers.validate import suites as validate
from metiers.validate.intake import take_in
from metiers.validate.sql_rules import UnsupportedExpectation, evaluate_suite

# Rows added to the hand-checked bad file: empty required fields and more repeats.
EXTRA_BAD_ROWS = [
    person(2024, "p20", "2654", region=None),  # line 22: missing region
    person(2024, "p21", "2654", experience_years=None),  # line 23
    person(2024, "p22", "2654", region="YY", sex="Q"),  # line 24: two rules at once
    person(2024, "dup", "2654"),  # line 25: a third "dup" in 2024
]
EXTRA_FAILURES = {
    ("expect_column_values_to_not_be_null", "region"): 1,
    ("expect_column_values_to_not_be_null", "experience_years"): 1,
    ("expect_column_values_to_be_in_set", "region"): 2,
    ("expect_column_values_to_be_in_set", "sex"): 2,
    ("expect_compound_columns_to_be_unique", "person_id,year"): 3,
}


def shown(value: object) -> object:
    """pandas shows a missing value as NaN, DuckDB as None: the same missing value."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return dict(value) if isinstance(value, dict) else value


def summary(outcome: validate.ValidationOutcome) -> dict:
    return {
        (result.expectation, result.column): (
            result.success,
            result.unexpected_count,
            [shown(value) for value in result.sample],
            result.rows,
        )
        for result in outcome.results
    }


def both_engines(path: Path, suite: str) -> tuple[validate.ValidationOutcome, ...]:
    gx = validate.validate_parquet(path, suite, SOURCE_PARAMETERS, "file")
    sql = validate.validate_parquet_in_duckdb(path, suite, SOURCE_PARAMETERS, "file")
    return gx, sql


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_register_bad_file_same_failures_counts_values_and_rows(tmp_path, fmt):
    raw = write_register(tmp_path, 2024, REGISTER_ROWS + EXTRA_BAD_ROWS, fmt=fmt)
    gx, sql = both_engines(staged_path(raw, "register", tmp_path), "register")
    assert summary(sql) == summary(gx)
    failed = {key: count for key, (ok, count, _s, _r) in summary(sql).items() if not ok}
    expected = {key: count for key, (_values, _rows, count) in REGISTER_FAILURES.items()}
    expected |= EXTRA_FAILURES
    assert failed == expected
    # The first rows of the hand-checked failures: CSV lines, or Parquet rows (line - 1).
    shift = 0 if fmt == "csv" else 1
    region = summary(sql)[("expect_column_values_to_be_in_set", "region")]
    assert region[2] == ["XX", "YY"] and region[3] == [4 - shift, 24 - shift]
    repeats = summary(sql)[("expect_compound_columns_to_be_unique", "person_id,year")]
    assert repeats[3] == [3 - shift, 21 - shift, 25 - shift]


def test_register_good_file_passes_in_both(tmp_path):
    rows = [person(2024, f"p{index:03d}", "2654.2", age=20 + index % 40) for index in range(60)]
    rows += [person(2024, "s1", "2654", status="self_employed")]
    raw = write_register(tmp_path, 2024, rows, fmt="parquet")
    gx, sql = both_engines(staged_path(raw, "register", tmp_path), "register")
    assert gx.success and sql.success
    assert summary(sql) == summary(gx)
    assert len(sql.results) == len(validate.load_suite("register")["expectations"])


TRAINING_PAIR = "training_years_max,training_years_min"


def test_catalogue_rules_agree(tmp_path):
    base = {
        "title_fr": "Titre",
        "title_nl": "Titel",
        "title_en": "Title",
        "training_years_min": 2,
        "training_years_max": 4,
        "training_plus_experience": "false",
    }
    rows = [
        {**base, "slug": "ok-one", "esco_code": "2654.2"},
        {**base, "slug": "ok-one", "esco_code": "2654.3"},  # repeated slug
        {**base, "slug": "Bad Slug", "esco_code": "26"},  # slug and code formats
        {**base, "slug": "order", "esco_code": "2654", "training_years_max": 1},  # max < min
        {**base, "slug": "formula", "esco_code": "2655", "title_fr": "=HYPERLINK(1)"},
        {**base, "slug": "no-min", "esco_code": "2656", "training_years_min": None},
    ]
    raw = write_catalogue(tmp_path, rows)
    gx, sql = both_engines(staged_path(raw, "metiers", tmp_path), "metiers")
    assert summary(sql) == summary(gx)
    failed = {key: count for key, (ok, count, _s, _r) in summary(sql).items() if not ok}
    assert failed == {
        ("expect_column_values_to_be_unique", "slug"): 2,
        ("expect_column_values_to_match_regex", "slug"): 1,
        ("expect_column_values_to_match_regex", "esco_code"): 1,
        ("expect_column_pair_values_a_to_be_greater_than_b", TRAINING_PAIR): 1,
        ("expect_column_values_to_not_match_regex", "title_fr"): 1,
    }


def test_unsupported_rules_fail_loudly(tmp_path):
    raw = write_register(tmp_path, 2024, [person(2024, "p1", "2654")], fmt="parquet")
    path = staged_path(raw, "register", tmp_path)
    unknown = {
        "name": "x",
        "expectations": [{"type": "expect_column_kl_divergence", "kwargs": {"column": "age"}}],
    }
    with pytest.raises(UnsupportedExpectation, match="expect_column_kl_divergence"):
        evaluate_suite(path, unknown, {})
    condition = {
        "name": "x",
        "expectations": [
            {
                "type": "expect_column_values_to_be_null",
                "kwargs": {"column": "age", "row_condition": "age.isin([1, 2])"},
            }
        ],
    }
    with pytest.raises(UnsupportedExpectation, match="row_condition"):
        evaluate_suite(path, condition, {})


def test_intake_reports_the_same_problems_with_either_engine(tmp_path):
    raw_dir = tmp_path / "raw"
    raw = write_register(raw_dir, 2024, REGISTER_ROWS, fmt="csv")
    reports = {}
    for engine in ("gx", "duckdb"):
        settings = Settings(
            raw_dir=raw_dir, marts_dir=tmp_path / engine / "marts", validation_engine=engine
        )
        intake = take_in("register", raw, settings)
        assert not intake.accepted
        # GX lists results grouped by column, SQL in the suite's order: compare as sets.
        reports[engine] = sorted(problem.describe() for problem in intake.problems)
        assert intake.validation is not None and len(intake.validation.gx_results) == 1
    assert reports["duckdb"] == reports["gx"]
    assert len(reports["gx"]) == len(REGISTER_FAILURES)


def test_sql_results_go_into_the_data_docs(tmp_path):
    from metiers.validate.report import write_html_report

    raw_dir = tmp_path / "raw"
    raw = write_register(raw_dir, 2024, REGISTER_ROWS, fmt="csv")
    settings = Settings(raw_dir=raw_dir, marts_dir=tmp_path / "marts", validation_engine="duckdb")
    intake = take_in("register", raw, settings)
    index = write_html_report([intake], [], settings, "run-1")
    assert index is not None and index.exists()
    pages = list((index.parent / "validations").rglob("*.html"))
    assert pages, "a validation page for the register file"
    text = pages[0].read_text(encoding="utf-8")
    assert "expect_column_values_to_be_in_set" in text or "values must belong" in text
    stored = list((settings.validation_dir / "run-1").rglob("*.json"))
    assert any(json.loads(path.read_text()).get("suite_name") == "register" for path in stored)
