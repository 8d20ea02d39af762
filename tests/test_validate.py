"""Great Expectations suites on staging Parquet (source suites) and on mart frames.

Staging files are produced with stage_file from small raw files; every expected value, row
number and count is worked out by hand from the rows written.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from rawdata import person, write_catalogue, write_facts, write_insertion, write_register

from metiers.core.errors import DataProblem
from metiers.ingest.sources import get_source, stage_file
from metiers.validate import suites as validate

THIS_YEAR = date.today().year
SOURCE_PARAMETERS = {"current_year": THIS_YEAR}
REAL_RUN_SUITE = validate.run_suite


def staged_path(raw_path: Path, source: str, folder: Path) -> Path:
    staged = stage_file(raw_path, get_source(source), folder / "staging" / f"{raw_path.stem}.pq")
    return Path(staged.staging_path)


def validate_spied(
    path: Path, suite: str, parameters: dict, target: str, **options
) -> tuple[validate.ValidationOutcome, list[list[int]]]:
    """validate_parquet, also returning the source rows of each batch handed to run_suite."""
    batches: list[list[int]] = []

    def run_suite(frame, *args, **kwargs):
        batches.append([int(row) for row in frame.index])
        return REAL_RUN_SUITE(frame, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "run_suite", run_suite)
        outcome = validate.validate_parquet(path, suite, parameters, target, **options)
    return outcome, batches


def failures(
    outcome: validate.ValidationOutcome,
) -> dict[tuple[str, str | None], validate.ExpectationResult]:
    return {(r.expectation, r.column): r for r in outcome.results if not r.success}


# --- register: one file holding one bad value per rule ----------------------------------------

# Record i of the CSV is on line i + 2 (line 1 is the header).
REGISTER_ROWS = [
    person(2024, "p00", "2654"),  # line 2
    person(2024, "dup", "2654.2"),  # line 3: first of a duplicated (person_id, year)
    person(2024, "p02", "2654", region="XX"),  # line 4
    person(2024, "p03", "2654", sex="X"),  # line 5
    person(2024, "p04", "2654", status="retired"),  # line 6
    person(2024, "p05", "2654", age=7),  # line 7
    person(2024, "p06", "2654", age=140),  # line 8
    person(2024, "p07", "2654", weight=-0.5),  # line 9
    {**person(2024, "p08", "2654", status="self_employed"), "gross_monthly_eur": 2500.0},  # 10
    person(2024, "p09", "265"),  # line 11
    person(2024, "p10", "2654."),  # line 12
    person(2024, "p11", "ABCD"),  # line 13
    person(2024, "p12", "2654.2.1"),  # line 14: valid code
    person(THIS_YEAR + 1, "p13", "2654"),  # line 15: next year
    person(2024, "p14", "2654", status="self_employed"),  # line 16: no wage, valid
    person(THIS_YEAR, "p15", "2654", age=15, weight=0.01),  # line 17: bounds, valid
    person(2024, "p16", "2654", age=100),  # line 18
    person(2024, "p17", "2654"),  # line 19
    person(2024, "p18", "2654"),  # line 20
    person(2024, "dup", "2654"),  # line 21: same person and year as line 3
]

# (expectation, column) -> (bad values, their lines, count), all by hand from the rows above.
REGISTER_FAILURES = {
    ("expect_column_values_to_be_in_set", "region"): (["XX"], [4], 1),
    ("expect_column_values_to_be_in_set", "sex"): (["X"], [5], 1),
    ("expect_column_values_to_be_in_set", "status"): (["retired"], [6], 1),
    ("expect_column_values_to_be_between", "age"): ([7, 140], [7, 8], 2),
    ("expect_column_values_to_be_between", "weight"): ([-0.5], [9], 1),
    ("expect_column_values_to_be_null", "gross_monthly_eur"): ([2500.0], [10], 1),
    ("expect_column_values_to_match_regex", "occupation_code"): (
        ["265", "2654.", "ABCD"],
        [11, 12, 13],
        3,
    ),
    ("expect_column_values_to_be_between", "year"): ([THIS_YEAR + 1], [15], 1),
    ("expect_compound_columns_to_be_unique", "person_id,year"): (
        [{"person_id": "dup", "year": 2024}] * 2,
        [3, 21],
        2,
    ),
}


@pytest.fixture(scope="module")
def register_file(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("register")
    raw_path = write_register(root, 2024, REGISTER_ROWS, fmt="csv")
    return raw_path, staged_path(raw_path, "register", root)


@pytest.fixture(scope="module")
def register_outcome(register_file) -> validate.ValidationOutcome:
    raw_path, staging = register_file
    return validate.validate_parquet(
        staging, "register", SOURCE_PARAMETERS, str(raw_path), key=("person_id", "year")
    )


def test_register_fails_exactly_the_broken_rules(register_outcome):
    assert not register_outcome.success
    assert register_outcome.batches == 1
    # Nothing else fails: the valid codes 2654, 2654.2, 2654.2.1, the wage-less self-employed
    # row and the boundary values 15, 100, THIS_YEAR pass.
    assert set(failures(register_outcome)) == set(REGISTER_FAILURES)


@pytest.mark.parametrize(
    "rule",
    list(REGISTER_FAILURES),
    ids=[
        f"{column}-{expectation.removeprefix('expect_')}"
        for expectation, column in REGISTER_FAILURES
    ],
)
def test_register_rule_reports_values_rows_and_count(register_outcome, rule):
    sample, rows, count = REGISTER_FAILURES[rule]
    result = failures(register_outcome)[rule]

    assert result.sample == sample
    assert result.rows == rows
    assert result.unexpected_count == count


def test_register_problem_describes_file_column_rule_and_sample(register_file, register_outcome):
    raw_path, _ = register_file
    problem = failures(register_outcome)[
        ("expect_column_values_to_be_in_set", "region")
    ].as_problem()

    assert problem.file == str(raw_path)
    assert problem.count == 1
    text = problem.describe()
    assert str(raw_path) in text
    assert "column 'region'" in text
    assert "allowed values" in text
    assert "expect_column_values_to_be_in_set" in text
    assert "'XX'" in text
    assert "rows 4" in text
    assert "(1 bad value)" in text


def test_duplicate_key_problem_is_reported(register_outcome):
    problems = {p.column: p for p in register_outcome.problems}

    problem = problems["person_id,year"]
    assert (problem.rows, problem.count) == ([3, 21], 2)
    assert "unique key" in problem.describe()
    assert "dup" in problem.describe()


def test_valid_register_passes(tmp_path):
    rows = [
        person(2024, "a", "2654"),
        person(2024, "b", "2654.2"),
        person(2024, "c", "2654.2.1", status="self_employed"),
        person(THIS_YEAR, "a", "2654"),  # same person, other year: not a duplicate
    ]
    raw_path = write_register(tmp_path, 2024, rows)
    outcome = validate.validate_parquet(
        staged_path(raw_path, "register", tmp_path),
        "register",
        SOURCE_PARAMETERS,
        str(raw_path),
        key=("person_id", "year"),
    )

    assert outcome.success
    assert outcome.problems == []


@pytest.mark.parametrize("engine", ["gx", "duckdb"])
def test_the_pipeline_rejects_register_years_after_this_year(tmp_path, engine):
    """Through the entry point a refresh uses, with the parameters it supplies itself (not
    SOURCE_PARAMETERS): a record of this year passes, one of next year breaks the year rule."""
    register = get_source("register")
    rows = [person(THIS_YEAR, "a", "2654"), person(THIS_YEAR + 1, "b", "2654")]
    raw_path = write_register(tmp_path, THIS_YEAR, rows, fmt="csv")
    staged = stage_file(raw_path, register, tmp_path / "staging" / f"{raw_path.stem}.parquet")
    outcome = validate.validate_staged_file(
        staged, register, batch_rows=1000, target=str(raw_path), engine=engine
    )

    broken = [(r.expectation, r.column, r.sample, r.rows) for r in outcome.results if not r.success]
    # Line 3 of the CSV holds the record of next year.
    assert broken == [("expect_column_values_to_be_between", "year", [THIS_YEAR + 1], [3])]


# --- batching -----------------------------------------------------------------------------

# CSV line -> bad region written on it: seven distinct bad values in a 20-record file.
BATCH_BAD_REGIONS = {4: "X1", 6: "X2", 8: "X3", 11: "X4", 14: "X5", 16: "X6", 19: "X7"}


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("batches")
    rows = []
    for index in range(20):
        line = index + 2
        pid = "twin" if line in (2, 21) else f"p{index:02d}"
        rows.append(person(2024, pid, "2654", region=BATCH_BAD_REGIONS.get(line, "BE21")))
    raw_path = write_register(root, 2024, rows, fmt="csv")
    return staged_path(raw_path, "register", root)


@pytest.fixture(scope="module")
def batched(batch_file):
    return validate_spied(
        batch_file,
        "register",
        SOURCE_PARAMETERS,
        "batched",
        key=("person_id", "year"),
        batch_rows=3,
    )


@pytest.fixture(scope="module")
def unbatched(batch_file):
    return validate.validate_parquet(
        batch_file, "register", SOURCE_PARAMETERS, "whole", key=("person_id", "year")
    )


def test_batches_split_the_file_and_cover_every_row_once(batched):
    outcome, batches = batched
    # 20 rows in batches of about 3: ceil(20 / 3) = 7 hash buckets; an empty bucket is not
    # handed to GX (its table-level rules would fail on nothing).
    assert outcome.batches == math.ceil(20 / 3) == 7
    assert 1 < len(batches) <= 7
    assert all(batch for batch in batches)
    assert sorted(row for batch in batches for row in batch) == list(range(2, 22))


def test_batching_keeps_a_duplicated_key_together(batched):
    outcome, batches = batched
    (with_twin,) = [batch for batch in batches if 2 in batch]
    assert 21 in with_twin

    unique = failures(outcome)[("expect_compound_columns_to_be_unique", "person_id,year")]
    assert unique.unexpected_count == 2
    assert unique.rows == [2, 21]


def test_batched_counts_add_up_to_the_true_count(batched, unbatched):
    outcome, _ = batched
    region = failures(outcome)[("expect_column_values_to_be_in_set", "region")]

    assert region.unexpected_count == len(BATCH_BAD_REGIONS) == 7
    # Rows are merged in order; the sample is capped at five values.
    assert region.rows == sorted(BATCH_BAD_REGIONS)
    assert len(region.sample) == 5
    assert set(region.sample) <= set(BATCH_BAD_REGIONS.values())
    # Same verdicts, rule by rule, as one single batch.
    assert {key: r.unexpected_count for key, r in failures(outcome).items()} == {
        key: r.unexpected_count for key, r in failures(unbatched).items()
    }


def test_unbatched_sample_values_are_the_values_at_the_reported_rows(unbatched):
    problem = failures(unbatched)[("expect_column_values_to_be_in_set", "region")].as_problem()
    # Seven distinct bad values, five shown: those of the five rows shown.
    assert len(problem.rows) == len(problem.sample) == 5
    assert set(problem.sample) == {BATCH_BAD_REGIONS[row] for row in problem.rows}


def test_batched_sample_values_are_the_values_at_the_reported_rows(batched):
    outcome, _ = batched
    problem = failures(outcome)[("expect_column_values_to_be_in_set", "region")].as_problem()
    assert len(problem.rows) == len(problem.sample) == 5
    assert set(problem.sample) == {BATCH_BAD_REGIONS[row] for row in problem.rows}


def test_batched_catalogue_passes_the_row_count_rule(tmp_path):
    rows = [
        {
            "slug": slug,
            "title_fr": slug.title(),
            "title_nl": slug.title(),
            "title_en": slug.title(),
            "esco_code": "2654",
            "training_years_min": 3,
            "training_years_max": 5,
            "training_plus_experience": "true",
        }
        for slug in ("alpha", "beta", "gamma", "delta")
    ]
    raw_path = write_catalogue(tmp_path, rows)
    outcome = validate.validate_parquet(
        staged_path(raw_path, "metiers", tmp_path),
        "metiers",
        SOURCE_PARAMETERS,
        "metiers",
        key=("slug",),
        batch_rows=2,
    )

    assert outcome.batches == 2
    assert outcome.success, [p.describe() for p in outcome.problems]


# --- insertion and facts ------------------------------------------------------------------


def test_insertion_more_employed_than_leavers_fails(tmp_path):
    rows = [
        {"cohort_year": 2023, "occupation_code": "2654", "leavers": 40, "employed_6m": 28},
        {"cohort_year": 2022, "occupation_code": "2654", "leavers": 40, "employed_6m": 50},
        {"cohort_year": 2021, "occupation_code": "2654", "leavers": 30, "employed_6m": 30},
    ]
    for row in rows:
        row["main_channel"] = "network"
    # Two title lines, a blank line, the header on sheet row 4: records on rows 5, 6, 7.
    raw_path = write_insertion(tmp_path, rows, title_rows=2)
    outcome = validate.validate_parquet(
        staged_path(raw_path, "insertion", tmp_path),
        "insertion",
        SOURCE_PARAMETERS,
        str(raw_path),
        key=("cohort_year", "occupation_code"),
    )

    # Only row 6 (50 > 40); row 7 (30 == 30) is allowed.
    assert list(failures(outcome)) == [
        ("expect_column_pair_values_a_to_be_greater_than_b", "leavers,employed_6m")
    ]
    (problem,) = outcome.problems
    assert problem.rows == [6]
    assert problem.count == 1


def facts_row(slug: str, note: str | None) -> dict:
    return {
        "slug": slug,
        "indicator": "freelance_rate",
        "value": None,
        "value_min": 1500,
        "value_max": 2500,
        "unit": "eur_per_week",
        "year": 2025,
        "region": None,
        "source": "Mediarte",
        "source_url": "https://www.mediarte.be",
        "note": note,
    }


def test_facts_note_starting_with_a_formula_fails(tmp_path):
    formula = '=HYPERLINK("http://example.com/x","cliquez")'
    rows = [
        facts_row("monteur", "Tarif = forfait hebdomadaire"),  # line 2: '=' inside is fine
        facts_row("mixeur", formula),  # line 3
        facts_row("etalonneur", None),  # line 4
    ]
    raw_path = write_facts(tmp_path, rows)
    outcome = validate.validate_parquet(
        staged_path(raw_path, "facts", tmp_path), "facts", SOURCE_PARAMETERS, str(raw_path)
    )

    assert list(failures(outcome)) == [("expect_column_values_to_not_match_regex", "note")]
    (problem,) = outcome.problems
    assert (problem.sample, problem.rows, problem.count) == ([formula], [3], 1)
    assert "forbidden pattern" in problem.rule


# --- mart suites on pandas frames -----------------------------------------------------------

FIGURES = ("headcount", "growth_rate", "average_age", "share_women", "share_self_employed")
FIGURES += ("share_aged_50_plus", "insertion_rate", "salary_entry")


RELIABILITY_FIGURES = (
    "headcount", "growth_rate", "insertion_rate", "average_age", "share_women",
    "share_self_employed", "share_aged_50_plus", "salary_entry", "salary_senior",
    "freelance_rate",
)  # fmt: skip


def figures_row(slug: str, records: int = 50, **values) -> dict:
    row = {
        "slug": slug,
        "reference_year": 2024,
        "headcount": 196.0,
        "growth_rate": 0.05,
        "average_age": 42.0,
        "share_women": 0.35,
        "share_self_employed": 0.8,
        "share_aged_50_plus": 0.24,
        "insertion_rate": 0.7,
        "salary_entry": 2800.0,
        "salary_senior_median": 4500.0,
        "salary_senior_p90": 5000.0,
    }
    row.update({f"{figure}_n_records": records for figure in FIGURES})
    row["salary_senior_n_records"] = records
    row.update({f"{figure}_reliability": "reliable" for figure in RELIABILITY_FIGURES})
    row.update(values)
    return row


def test_metier_figures_share_above_one_fails():
    frame = pd.DataFrame([figures_row("monteur"), figures_row("mixeur", share_women=1.2)])
    outcome = validate.validate_table(frame, "metier_figures", {"min_records": 10}, "mart")

    assert list(failures(outcome)) == [("expect_column_values_to_be_between", "share_women")]
    (problem,) = outcome.problems
    # The frame's index is reported: the second row is index 1.
    assert (problem.file, problem.sample, problem.rows, problem.count) == ("mart", [1.2], [1], 1)


@pytest.mark.parametrize(("min_records", "passes"), [(10, False), (3, True)])
def test_metier_figures_min_records_on_published_figures(min_records, passes):
    frame = pd.DataFrame(
        [
            figures_row("monteur", headcount_n_records=4),  # published from 4 records
            # Suppressed figure: its record count is not checked.
            figures_row("mixeur", headcount=None, headcount_n_records=2),
        ]
    )
    outcome = validate.validate_table(frame, "metier_figures", {"min_records": min_records}, "mart")

    # min_records 3: 4 records suffice and the rest of the frame is valid, so all passes.
    assert outcome.success is passes
    if not passes:
        # Only the published row with 4 < 10 records.
        assert list(failures(outcome)) == [
            ("expect_column_values_to_be_between", "headcount_n_records")
        ]
        (problem,) = outcome.problems
        assert (problem.sample, problem.rows, problem.count) == ([4], [0], 1)
        assert "min_value=10" in problem.rule


# --- DataProblem text ---------------------------------------------------------------------


def test_data_problem_describe():
    problem = DataProblem(
        file="raw/register/register_2024.csv",
        rule="allowed values",
        column="region",
        sample=["XX", "YY"],
        rows=[4, 9],
        count=2,
    )
    text = problem.describe()
    for part in ("raw/register/register_2024.csv", "column 'region'", "allowed values"):
        assert part in text
    assert "(2 bad values)" in text
    assert "'XX', 'YY'" in text
    assert "rows 4, 9" in text


def test_data_problem_describe_without_column_or_sample():
    text = DataProblem(file="x.xlsx", rule="no header row").describe()
    assert text == "x.xlsx: fails rule no header row"


def test_metier_figures_reliability_must_be_low_or_reliable():
    frame = pd.DataFrame(
        [figures_row("monteur"), figures_row("mixeur", headcount_reliability="ok")]
    )
    outcome = validate.validate_table(frame, "metier_figures", {"min_records": 10}, "mart")
    assert list(failures(outcome)) == [
        ("expect_column_values_to_be_in_set", "headcount_reliability")
    ]
