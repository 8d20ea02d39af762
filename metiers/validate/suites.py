"""Great Expectations behind one small function, so a native engine can replace it later.

GX Core 1.x has no polars or DuckDB engine, so frames are handed to it as pandas, in bounded
batches. Batches are cut by a hash of the source's key columns: rows sharing a key always land
in the same batch, so uniqueness checks stay exact however large the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.errors import DataProblem
from metiers.core.paths import EXPECTATIONS_DIR
from metiers.core.timing import timed_stage
from metiers.ingest.sources.base import SAMPLE_SIZE, SOURCE_ROW

RULE_NAMES = {
    "expect_column_to_exist": "column exists",
    "expect_column_values_to_not_be_null": "not null",
    "expect_column_values_to_be_null": "must be empty",
    "expect_column_values_to_be_in_set": "allowed values",
    "expect_column_values_to_be_between": "range",
    "expect_column_values_to_match_regex": "format",
    "expect_column_values_to_not_match_regex": "forbidden pattern",
    "expect_column_values_to_be_unique": "unique",
    "expect_compound_columns_to_be_unique": "unique key",
    "expect_column_pair_values_a_to_be_greater_than_b": "column order",
    "expect_table_row_count_to_be_between": "row count",
}

# The message of GX (and of sql_rules) when an expectation's column is not in the batch.
MISSING_COLUMN = re.compile(r'column "(.+?)" in BatchData does not exist')


@dataclass
class ExpectationResult:
    """One expectation's outcome on one target, as recorded in meta_validation."""

    target: str
    suite: str
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int = 0
    sample: list = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)

    def rule(self) -> str:
        name = RULE_NAMES.get(self.expectation, self.expectation)
        shown = {
            key: value
            for key, value in self.kwargs.items()
            if key
            not in {
                "column",
                "column_list",
                "column_A",
                "column_B",
                "condition_parser",
                "row_condition",
            }
            and value is not None
        }
        details = ", ".join(f"{key}={value}" for key, value in shown.items())
        condition = self.kwargs.get("row_condition")
        if isinstance(condition, str) and condition:
            details = f"{details}, where {condition}" if details else f"where {condition}"
        return f"{name} [{self.expectation}{': ' + details if details else ''}]"

    def missing_column(self) -> str | None:
        """The column the rule could not find, when that is why it failed (both engines
        report it as GX does: 'The column "x" in BatchData does not exist.')."""
        if self.success:
            return None
        for value in self.sample:
            found = MISSING_COLUMN.search(value) if isinstance(value, str) else None
            if found:
                return found.group(1)
        return None

    def as_problem(self) -> DataProblem:
        missing = self.missing_column()
        if missing is not None:
            # Not a count of bad values: the file lacks the column the rule checks.
            return DataProblem(
                file=self.target,
                column=missing,
                rule=f"required column (checked by rule {self.rule()}): absent from the file",
            )
        return DataProblem(
            file=self.target,
            column=self.column,
            rule=self.rule(),
            sample=_distinct(self.sample)[:SAMPLE_SIZE],
            rows=self.rows[:SAMPLE_SIZE],
            count=self.unexpected_count,
        )


@dataclass
class ValidationOutcome:
    target: str
    suite: str
    results: list[ExpectationResult]
    batches: int = 1
    # GX's results in their JSON form, one per batch: the Data Docs of the run turn them into
    # GX objects only when a report is written, so a run that writes none never imports GX.
    gx_results: list[dict] = field(default_factory=list, repr=False, compare=False)

    @property
    def success(self) -> bool:
        return all(result.success for result in self.results)

    @property
    def problems(self) -> list[DataProblem]:
        return [result.as_problem() for result in self.results if not result.success]


def _distinct(values: list) -> list:
    """Values without repeats, in order; works for unhashable samples (compound keys)."""
    seen, distinct = set(), []
    for value in values:
        marker = repr(value)
        if marker not in seen:
            seen.add(marker)
            distinct.append(value)
    return distinct


def suite_path(name: str, directory: Path | None = None) -> Path:
    """The file `load_suite` reads for `name`: the intake cache key hashes this very file, so
    a changed rule is applied to unchanged raw files too. The folder is looked up at call time
    (tests point it elsewhere)."""
    return (directory or EXPECTATIONS_DIR) / f"{name}.json"


def load_suite(name: str, directory: Path | None = None) -> dict:
    """The suite's JSON rules, then those the figure registry derives for it (the per-figure
    rules of the metier_figures suite: metiers/methodology/figures.py)."""
    from metiers.methodology.figures import suite_expectations

    with suite_path(name, directory).open(encoding="utf-8") as handle:
        suite = json.load(handle)
    suite["expectations"] = [*suite["expectations"], *suite_expectations(name)]
    return suite


# GX contexts are not made for concurrent use; Prefect may run validation tasks in threads.
_GX_LOCK = threading.Lock()


@cache
def _gx_batch_definition() -> Any:
    """An ephemeral GX context with one pandas asset, built once per process (GX is slow)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("frames")
    asset = source.add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole")


def run_suite(
    frame: Any, suite: dict, parameters: dict, target: str
) -> tuple[list[ExpectationResult], Any]:
    """Validate one pandas frame with a suite; the frame's index is reported as row numbers.

    SUMMARY results keep memory bounded: a few unexpected values and their rows, and counts.
    Returns our summary of each expectation and GX's result object (for Data Docs)."""
    with _GX_LOCK:
        import great_expectations as gx

        batch = _gx_batch_definition().get_batch(batch_parameters={"dataframe": frame})
        expectation_suite = gx.ExpectationSuite(
            name=suite["name"], expectations=[dict(item) for item in suite["expectations"]]
        )
        outcome = batch.validate(
            expectation_suite,
            expectation_parameters=parameters,
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
        )
    results = []
    for item in outcome.results:
        config = item.expectation_config
        kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
        detail = item.result or {}
        sample = list(detail.get("partial_unexpected_list") or [])
        raised = _raised_message(item.exception_info or {})
        if raised is not None:
            sample = [raised]
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list")
            or [kwargs.get("column_A") or "", kwargs.get("column_B") or ""]
        ).strip(",")
        results.append(
            ExpectationResult(
                target=target,
                suite=suite["name"],
                expectation=config.type,
                column=column or None,
                success=bool(item.success),
                unexpected_count=int(detail.get("unexpected_count") or 0),
                sample=sample,
                rows=[
                    _row_number(row)
                    for row in (detail.get("partial_unexpected_index_list") or [])[:SAMPLE_SIZE]
                ],
                kwargs=_resolved(kwargs, parameters),
            )
        )
    return results, outcome


def _raised_message(exception: dict) -> str | None:
    """GX's message for an expectation that raised: at the top of `exception_info`, or, when
    a metric failed (a missing column), under that metric's id."""
    if exception.get("raised_exception"):
        return exception.get("exception_message")
    for value in exception.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message")
    return None


def _row_number(index_entry: Any) -> int:
    """GX reports a named index as {index_name: value, column: value}; a plain one as value."""
    if isinstance(index_entry, dict):
        index_entry = index_entry.get(SOURCE_ROW, next(iter(index_entry.values())))
    return int(index_entry)


def _resolved(kwargs: dict, parameters: dict) -> dict:
    def resolve(value: Any) -> Any:
        if isinstance(value, dict) and "$PARAMETER" in value:
            return parameters.get(value["$PARAMETER"])
        return value

    return {key: resolve(value) for key, value in kwargs.items()}


def _merge(batches: list[list[ExpectationResult]]) -> list[ExpectationResult]:
    """Fold per-batch results into one per expectation: counts add up, samples are capped."""
    merged: list[ExpectationResult] = []
    for position, first in enumerate(batches[0]):
        same = [batch[position] for batch in batches]
        # GX lists the first unexpected values in the order of their rows: keep them paired.
        pairs = sorted(
            (pair for result in same for pair in zip(result.rows, result.sample, strict=False)),
            key=lambda pair: pair[0],
        )
        merged.append(
            ExpectationResult(
                target=first.target,
                suite=first.suite,
                expectation=first.expectation,
                column=first.column,
                success=all(result.success for result in same),
                unexpected_count=sum(result.unexpected_count for result in same),
                sample=[value for _row, value in pairs][:SAMPLE_SIZE]
                or [value for result in same for value in result.sample][:SAMPLE_SIZE],
                rows=[row for row, _value in pairs][:50]
                or sorted(row for result in same for row in result.rows)[:50],
                kwargs=first.kwargs,
            )
        )
    return merged


def validate_parquet(
    path: Path,
    suite_name: str,
    parameters: dict,
    target: str,
    key: tuple[str, ...] = (),
    batch_rows: int = 1_000_000,
    extra: list[dict] | None = None,
) -> ValidationOutcome:
    """Validate a staging Parquet file in batches of at most about `batch_rows` rows, with
    the suite's rules and `extra` ones (the declared key's uniqueness)."""
    suite = load_suite(suite_name)
    suite["expectations"] = [*suite["expectations"], *(extra or [])]
    scan = pl.scan_parquet(path, glob=False)
    rows = scan.select(pl.len()).collect().item()
    batch_count = max(1, math.ceil(rows / batch_rows))
    per_batch, gx_results = [], []
    for batch_number in range(batch_count):
        part = scan
        if batch_count > 1:
            hashed = pl.struct(list(key) or [SOURCE_ROW]).hash(seed=0)
            part = scan.filter(hashed % batch_count == batch_number)
        collected = part.collect()
        # Table-level rules (row count) would fail on an empty slice of a non-empty file.
        if collected.is_empty() and (per_batch or batch_number < batch_count - 1):
            continue
        frame = collected.to_pandas()
        if SOURCE_ROW in frame.columns:
            frame = frame.set_index(SOURCE_ROW, drop=True)
        results, gx_result = run_suite(frame, suite, parameters, target)
        per_batch.append(results)
        gx_results.append(gx_result.to_json_dict())
    return ValidationOutcome(
        target=target,
        suite=suite_name,
        results=_merge(per_batch),
        batches=batch_count,
        gx_results=gx_results,
    )


def validate_parquet_in_duckdb(
    path: Path,
    suite_name: str,
    parameters: dict,
    target: str,
    memory_limit: str | None = None,
    extra: list[dict] | None = None,
) -> ValidationOutcome:
    """The suite's rules (and `extra` ones) as SQL over the whole file (see
    metiers.validate.sql_rules): one pass, in DuckDB's bounded memory, with the same results
    and report as GX's batches."""
    from metiers.validate.sql_rules import evaluate_suite

    suite = load_suite(suite_name)
    suite["expectations"] = [*suite["expectations"], *(extra or [])]
    return _outcome_of(
        evaluate_suite(path, suite, parameters, memory_limit), suite, suite_name, target
    )


def choose_engine(engine: str, rows: int, sql_min_rows: int) -> str:
    """`auto`: DuckDB from `sql_min_rows` rows on (0, the default: every file), GX on pandas
    below; a suite DuckDB cannot translate falls back to GX (see `validate_staged_file`)."""
    if engine not in ("auto", "gx", "duckdb"):
        raise ValueError(f"validation engine must be auto, gx or duckdb, not {engine!r}")
    if engine != "auto":
        return engine
    return "duckdb" if rows >= sql_min_rows else "gx"


def validate_table(frame: Any, suite_name: str, parameters: dict, target: str) -> ValidationOutcome:
    """Validate a small table (a pandas frame) with GX in one batch."""
    suite = load_suite(suite_name)
    results, gx_result = run_suite(frame, suite, parameters, target)
    return ValidationOutcome(
        target=target, suite=suite_name, results=results, gx_results=[gx_result.to_json_dict()]
    )


def _outcome_of(evaluated: list[dict], suite: dict, suite_name: str, target: str) -> Any:
    from metiers.validate.sql_rules import gx_validation_json

    results = []
    for item in evaluated:
        kwargs = item["kwargs"]
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list")
            or [kwargs.get("column_A") or "", kwargs.get("column_B") or ""]
        ).strip(",")
        results.append(
            ExpectationResult(
                target=target,
                suite=suite["name"],
                expectation=item["type"],
                column=column or None,
                success=item["success"],
                unexpected_count=item["unexpected_count"],
                sample=item["sample"],
                rows=item["rows"],
                kwargs=kwargs,
            )
        )
    return ValidationOutcome(
        target=target,
        suite=suite_name,
        results=results,
        batches=1,
        gx_results=[gx_validation_json(suite, evaluated)],
    )


def source_parameters() -> dict:
    """Values the source suites leave open: today's year bounds every year column."""
    from datetime import date

    return {"current_year": date.today().year}


@timed_stage("validate")
def validate_staged_file(
    staged: Any,
    spec: Any,
    batch_rows: int,
    target: str,
    engine: str = "gx",
    sql_min_rows: int = 0,
    memory_limit: str | None = None,
) -> ValidationOutcome:
    """Run the source's suite on one staged file (metiers.ingest.sources.StagedFile, SourceSpec)."""
    chosen = choose_engine(engine, int(staged.rows), sql_min_rows)
    path = Path(staged.staging_path)
    extra = key_expectations(spec, load_suite(spec.suite_name), path)
    if chosen == "duckdb":
        from metiers.validate.sql_rules import UnsupportedExpectation

        try:
            return validate_parquet_in_duckdb(
                path, spec.suite_name, source_parameters(), target, memory_limit, extra=extra
            )
        except UnsupportedExpectation:
            if engine != "auto":
                raise
    return validate_parquet(
        path,
        spec.suite_name,
        source_parameters(),
        target=target,
        key=spec.key,
        batch_rows=batch_rows,
        extra=extra,
    )


UNIQUENESS_RULES = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
# Staged long tables hold one row per declared series or fed indicator for each key.
LONG_ROLES = ("aggregate", "context")


def key_expectations(spec: Any, suite: dict, staged_path: Path) -> list[dict]:
    """The rule that the source's declared `key` is unique within the file, unless its suite
    already says so. Long tables (aggregate, context) repeat a key once per indicator, so
    their key is checked with the indicator. Batches are cut by the key, so both engines
    check it exactly."""
    if not spec.key:
        return []
    columns = list(spec.key)
    long_table = spec.role in LONG_ROLES and "indicator" not in columns
    if long_table and "indicator" in pl.read_parquet_schema(staged_path):
        columns.append("indicator")
    if len(columns) == 1:
        rule = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": columns[0]}}
    else:
        rule = {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": columns}}
    for existing in suite["expectations"]:
        kwargs = existing.get("kwargs", {})
        declared = kwargs.get("column_list") or [kwargs.get("column")]
        # A suite rule making part of the key unique already makes the whole key unique.
        unconditional = not kwargs.get("row_condition") and kwargs.get("mostly") is None
        uniqueness = existing.get("type") in UNIQUENESS_RULES and unconditional
        if uniqueness and set(declared) <= set(columns):
            return []
    return [rule]


MART_SUITES = (
    "metier_figures",
    "metier_regions",
    "metier_salaries",
    "metier_trend",
    "metier_cards",
)


@timed_stage("validate_marts")
def validate_marts(
    build_path: Path, min_records: int, engine: str = "auto"
) -> list[ValidationOutcome]:
    """Check the built marts before publication: rates, keys, disclosure threshold. The
    suites run as SQL in the build file (`auto`, `duckdb`), or with GX on pandas (`gx`, and
    `auto` for a suite DuckDB cannot translate)."""
    import duckdb

    from metiers.validate.sql_rules import UnsupportedExpectation, evaluate_table

    parameters = {"min_records": min_records}
    outcomes = []
    with duckdb.connect(str(build_path), read_only=True) as connection:
        for table in MART_SUITES:
            suite = load_suite(table)
            if engine != "gx":
                try:
                    evaluated = evaluate_table(connection, table, suite, parameters)
                    outcomes.append(_outcome_of(evaluated, suite, table, target=table))
                    continue
                except UnsupportedExpectation:
                    if engine == "duckdb":
                        raise
            frame = connection.sql(f"SELECT * FROM {table}").df()
            outcomes.append(validate_table(frame, table, parameters, target=table))
    return outcomes


def rejections(outcomes: list[ValidationOutcome]) -> list[DataProblem]:
    return [problem for outcome in outcomes for problem in outcome.problems]
