"""A suite's rules evaluated in DuckDB, where the data is: large staging files in one pass.

GX Core 1.x validates pandas frames, which costs minutes and gigabytes at tens of millions of
register rows. Here the same JSON suite (expectations/<suite>.json stays the only definition)
is translated, expectation by expectation, to SQL aggregates over the staging Parquet, with
GX's semantics for the pandas engine: column rules ignore missing values, uniqueness counts
every row of a repeated value, a `row_condition` filters rows first, `mostly` tolerates a
share of misses. The results become the same `ExpectationResult`s as GX's (counts, first
values in row order, their rows) and GX result objects for the run's Data Docs. An expectation
type or a row condition it cannot translate is an error, never a silent pass.
`tests/test_validate_sql.py` checks that GX and this evaluation agree on good and bad data.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb

from metiers.ingest.sources.base import SAMPLE_SIZE, SOURCE_ROW

SUPPORTED = {
    "expect_column_to_exist",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_table_row_count_to_be_between",
}
UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
# pandas-style row conditions GX suites use: `column == "value"` (also !=, <, <=, >, >=).
CONDITION = re.compile(
    r"""^\s*(?P<column>[A-Za-z_]\w*)\s*(?P<op>==|!=|<=|>=|<|>)\s*"""
    r"""(?P<value>"[^"]*"|'[^']*'|-?\d+(?:\.\d+)?)\s*$"""
)
# ... and `column.notnull()` / `column.isnull()` (pandas: NaN counts as missing).
NULL_TEST = re.compile(
    r"^\s*(?P<column>[A-Za-z_]\w*)\s*\.\s*(?P<test>notnull|notna|isnull|isna)\(\)\s*$"
)
# Rows GX lists per expectation (partial_unexpected_index_list) with SUMMARY results.
ROWS_LISTED = SAMPLE_SIZE


class UnsupportedExpectation(ValueError):
    """The suite holds a rule this engine cannot evaluate exactly as GX would."""


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _resolve(value: Any, parameters: dict) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters.get(value["$PARAMETER"])
    return value


def _condition(kwargs: dict, types: dict[str, str] | None = None) -> str:
    """The SQL of a pandas-style `row_condition`, or TRUE without one."""
    condition = kwargs.get("row_condition")
    if not condition:
        return "TRUE"
    parser = kwargs.get("condition_parser", "pandas")
    null_test = NULL_TEST.match(condition) if parser in ("pandas", "python") else None
    if null_test:
        missing = _missing(null_test["column"], types or {})
        return missing if null_test["test"] in ("isnull", "isna") else f"NOT {missing}"
    match = CONDITION.match(condition) if parser in ("pandas", "python") else None
    if not match:
        raise UnsupportedExpectation(
            f"row_condition {condition!r} (parser {parser!r}) has no SQL translation; "
            'write it as `column == "value"` or validate this file with GX'
        )
    value = match["value"]
    if value[0] in "\"'":
        value = _literal(value[1:-1])
    op = {"==": "="}.get(match["op"], match["op"])
    return f"{_identifier(match['column'])} {op} {value}"


def _missing(column: str, types: dict[str, str]) -> str:
    """Missing as pandas sees it: NULL, and NaN in float columns."""
    name = _identifier(column)
    if types.get(column, "").upper() in ("DOUBLE", "FLOAT", "REAL"):
        return f"({name} IS NULL OR isnan({name}))"
    return f"{name} IS NULL"


def _row_rule(expectation: dict, parameters: dict, types: dict[str, str]) -> tuple[str, str]:
    """(rows the rule looks at, rows among them that break it) for a column-map expectation."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    condition = _condition(kwargs, types)
    if kind == "expect_column_values_to_not_be_null":
        return condition, _missing(kwargs["column"], types)
    if kind == "expect_column_values_to_be_null":
        return condition, f"NOT {_missing(kwargs['column'], types)}"
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _identifier(kwargs["column_A"]), _identifier(kwargs["column_B"])
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        skip = {
            "both_values_are_missing": f"({a} IS NULL AND {b} IS NULL)",
            "either_value_is_missing": f"({a} IS NULL OR {b} IS NULL)",
            "neither": "FALSE",
        }.get(ignore)
        if skip is None:
            raise UnsupportedExpectation(f"{kind}: ignore_row_if={ignore!r}")
        op = ">=" if kwargs.get("or_equal") else ">"
        return f"({condition}) AND NOT {skip}", f"NOT coalesce({a} {op} {b}, false)"
    column = kwargs["column"]
    name = _identifier(column)
    looked_at = f"({condition}) AND NOT {_missing(column, types)}"
    if kind == "expect_column_values_to_be_in_set":
        values = _resolve(kwargs["value_set"], parameters) or []
        listed = ", ".join(_literal(value) for value in values)
        return looked_at, (f"{name} NOT IN ({listed})" if listed else "TRUE")
    if kind == "expect_column_values_to_be_between":
        low = _resolve(kwargs.get("min_value"), parameters)
        high = _resolve(kwargs.get("max_value"), parameters)
        inside = []
        if low is not None:
            inside.append(f"{name} {'>' if kwargs.get('strict_min') else '>='} {_literal(low)}")
        if high is not None:
            inside.append(f"{name} {'<' if kwargs.get('strict_max') else '<='} {_literal(high)}")
        return looked_at, f"NOT ({' AND '.join(inside) or 'TRUE'})"
    if kind in ("expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"):
        found = f"regexp_matches({name}::VARCHAR, {_literal(kwargs['regex'])})"
        return looked_at, (f"NOT {found}" if kind.endswith("_to_match_regex") else found)
    raise UnsupportedExpectation(kind)


def _result(
    expectation: dict,
    parameters: dict,
    success: bool,
    unexpected: int = 0,
    looked_at: int = 0,
    sample: list | None = None,
    rows: list[int] | None = None,
    error: str | None = None,
    observed: Any = None,
) -> dict:
    # Reported as GX reports them: bounds as floats; the row condition is not a kwarg in GX 1.x.
    kwargs = {
        key: _resolve(value, parameters)
        for key, value in expectation["kwargs"].items()
        if key not in ("row_condition", "condition_parser")
    }
    for bound in ("min_value", "max_value"):
        if isinstance(kwargs.get(bound), int) and not isinstance(kwargs[bound], bool):
            kwargs[bound] = float(kwargs[bound])
    return {
        "type": expectation["type"],
        "kwargs": kwargs,
        "success": success,
        "unexpected_count": unexpected,
        "element_count": looked_at,
        "sample": sample or [],
        "rows": rows or [],
        "error": error,
        "observed": observed,
    }


# In-memory databases that staged files are checked in, one per memory limit, made once per
# process: opening one costs 40-60 ms, a cursor on it 1 ms (a refresh checks every file).
_DATABASES: dict[str | None, duckdb.DuckDBPyConnection] = {}
_DATABASES_LOCK = threading.Lock()


def _checking_database(memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    with _DATABASES_LOCK:
        database = _DATABASES.get(memory_limit)
        if database is None:
            config = {"temp_directory": tempfile.gettempdir()}
            if memory_limit:
                config["memory_limit"] = memory_limit
            database = _DATABASES[memory_limit] = duckdb.connect(":memory:", config=config)
        return database


def evaluate_suite(
    path: Path, suite: dict, parameters: dict, memory_limit: str | None = None
) -> list[dict]:
    """Every expectation of `suite` on one Parquet file, in the suite's order. The rules only
    read the file: each evaluation has a cursor of its own (intakes run in threads) on a
    shared in-memory database that holds no table."""
    check_supported(suite)
    with _checking_database(memory_limit).cursor() as connection:
        return evaluate_relation(
            connection, f"read_parquet({_literal(str(path))})", suite, parameters
        )


def evaluate_table(
    connection: duckdb.DuckDBPyConnection, table: str, suite: dict, parameters: dict
) -> list[dict]:
    """Every expectation of `suite` on a table of an open database (a built mart). Rows are
    numbered from 0 in the order the table is read, as GX numbers a frame's index."""
    check_supported(suite)
    numbered = f"(row_number() OVER ()) - 1 AS {_identifier(SOURCE_ROW)}"
    source = f"(SELECT *, {numbered} FROM {_identifier(table)})"
    return evaluate_relation(connection, source, suite, parameters)


def check_supported(suite: dict) -> None:
    for expectation in suite["expectations"]:
        if expectation["type"] not in SUPPORTED:
            raise UnsupportedExpectation(
                f"suite {suite['name']}: {expectation['type']} has no SQL translation"
            )
        _condition(expectation["kwargs"])


def evaluate_relation(
    connection: duckdb.DuckDBPyConnection, source: str, suite: dict, parameters: dict
) -> list[dict]:
    """Every expectation of `suite` on `source` (a table function or subquery)."""
    types = {
        name: kind
        for name, kind, *_rest in connection.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    }
    row_order = _identifier(SOURCE_ROW) if SOURCE_ROW in types else "1"
    row_value = _identifier(SOURCE_ROW) if SOURCE_ROW in types else "NULL"
    total = connection.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
    plans: list[tuple[int, str, str]] = []
    results: dict[int, dict] = {}
    for position, expectation in enumerate(suite["expectations"]):
        kind, kwargs = expectation["type"], expectation["kwargs"]
        columns = [
            kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs
        ] + list(kwargs.get("column_list") or [])
        absent = [column for column in columns if column not in types]
        if absent:
            error = f'The column "{absent[0]}" in BatchData does not exist.'
            results[position] = _result(expectation, parameters, False, sample=[error], error=error)
        elif kind == "expect_column_to_exist":
            results[position] = _result(expectation, parameters, True)
        elif kind == "expect_table_row_count_to_be_between":
            low = _resolve(kwargs.get("min_value"), parameters)
            high = _resolve(kwargs.get("max_value"), parameters)
            fits = (low is None or total >= low) and (high is None or total <= high)
            results[position] = _result(expectation, parameters, fits, observed=total)
        elif kind in UNIQUENESS:
            results[position] = _uniqueness(
                connection, source, expectation, parameters, types, row_order, row_value
            )
        else:
            looked_at, broken = _row_rule(expectation, parameters, types)
            plans.append((position, looked_at, broken))
    if plans:
        aggregates = ", ".join(
            f"count(*) FILTER (WHERE {looked_at}), "
            f"count(*) FILTER (WHERE ({looked_at}) AND ({broken}))"
            for _position, looked_at, broken in plans
        )
        counts = connection.execute(f"SELECT {aggregates} FROM {source}").fetchall()[0]
        for index, (position, looked_at, broken) in enumerate(plans):
            expectation = suite["expectations"][position]
            seen, unexpected = counts[2 * index], counts[2 * index + 1]
            sample, rows = [], []
            if unexpected:
                sample, rows = _first_unexpected(
                    connection, source, expectation, looked_at, broken, row_order, row_value
                )
            results[position] = _result(
                expectation,
                parameters,
                _succeeds(expectation, unexpected, seen),
                unexpected,
                seen,
                sample,
                rows,
            )
    return [results[position] for position in range(len(suite["expectations"]))]


def _succeeds(expectation: dict, unexpected: int, seen: int) -> bool:
    mostly = expectation["kwargs"].get("mostly")
    if mostly is None or not seen:
        return unexpected == 0
    return (seen - unexpected) / seen >= float(mostly)


def _first_unexpected(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    expectation: dict,
    looked_at: str,
    broken: str,
    row_order: str,
    row_value: str,
) -> tuple[list, list[int]]:
    kwargs = expectation["kwargs"]
    if expectation["type"] == "expect_column_pair_values_a_to_be_greater_than_b":
        shown = [_identifier(kwargs["column_A"]), _identifier(kwargs["column_B"])]
    else:
        shown = [_identifier(kwargs["column"])]
    found = connection.execute(
        f"SELECT {row_value}, {', '.join(shown)} FROM {source} "
        f"WHERE ({looked_at}) AND ({broken}) ORDER BY {row_order} LIMIT {ROWS_LISTED}"
    ).fetchall()
    # A column pair is shown as GX shows it: the tuple of both values.
    sample = [values[1] if len(values) == 2 else tuple(values[1:]) for values in found]
    return sample, [int(values[0]) for values in found if values[0] is not None]


def _uniqueness(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    expectation: dict,
    parameters: dict,
    types: dict[str, str],
    row_order: str,
    row_value: str,
) -> dict:
    """Rows whose value (or value combination) occurs more than once, all of them counted."""
    kwargs = expectation["kwargs"]
    columns = list(kwargs.get("column_list") or [kwargs.get("column")])
    names = ", ".join(_identifier(column) for column in columns)
    present = " AND ".join(f"NOT {_missing(column, types)}" for column in columns)
    if len(columns) > 1:
        ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
        if ignore == "all_values_are_missing":
            present = " OR ".join(f"NOT {_missing(column, types)}" for column in columns)
        elif ignore not in ("any_value_is_missing",):
            raise UnsupportedExpectation(f"{expectation['type']}: ignore_row_if={ignore!r}")
    condition = f"({_condition(kwargs, types)}) AND ({present})"
    seen, unexpected = connection.execute(
        f"""
        SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE n > 1), 0)
        FROM (SELECT count(*) AS n FROM {source} WHERE {condition} GROUP BY {names})
        """
    ).fetchall()[0]
    sample, rows = [], []
    if unexpected:
        fields = ", ".join(f"{_identifier(c)} := {_identifier(c)}" for c in columns)
        shown = f"struct_pack({fields})" if len(columns) > 1 else _identifier(columns[0])
        found = connection.execute(
            f"""
            SELECT {shown}, {row_value} FROM (
                SELECT *, count(*) OVER (PARTITION BY {names}) AS repeats
                FROM {source} WHERE {condition}
            ) WHERE repeats > 1 ORDER BY {row_order} LIMIT {ROWS_LISTED}
            """
        ).fetchall()
        sample = [value for value, _row in found]
        rows = [int(row) for _value, row in found if row is not None]
    return _result(
        expectation, parameters, unexpected == 0, int(unexpected), int(seen), sample, rows
    )


def _json_safe(value: Any) -> Any:
    """A value as GX writes it in its JSON results: lists for tuples, text for the rest."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return str(value)


def gx_validation_json(suite: dict, results: list[dict]) -> dict:
    """The evaluation in GX's JSON form of a suite result (what its `to_json_dict` writes),
    built without importing GX: the Data Docs load it only when a report is written."""
    engine = {"engine": "duckdb (metiers.validate.sql_rules)"}
    items = []
    for result in results:
        detail: dict[str, Any] = {}
        if result["observed"] is not None:
            detail["observed_value"] = _json_safe(result["observed"])
        elif result["type"] != "expect_column_to_exist" and not result["error"]:
            seen = result["element_count"]
            detail = {
                "element_count": seen,
                "unexpected_count": result["unexpected_count"],
                "unexpected_percent": 100.0 * result["unexpected_count"] / seen if seen else 0.0,
                "partial_unexpected_list": _json_safe(result["sample"]),
            }
        items.append(
            {
                "success": bool(result["success"]),
                "expectation_config": {
                    "type": result["type"],
                    "kwargs": _json_safe(result["kwargs"]),
                    "meta": {},
                    "severity": "critical",
                },
                "result": detail,
                "meta": dict(engine),
                "exception_info": {
                    "raised_exception": bool(result["error"]),
                    "exception_message": result["error"],
                    "exception_traceback": None,
                },
            }
        )
    successful = sum(1 for item in items if item["success"])
    return {
        "success": successful == len(items),
        "results": items,
        "suite_name": suite["name"],
        "suite_parameters": {},
        "statistics": {
            "evaluated_expectations": len(items),
            "successful_expectations": successful,
            "unsuccessful_expectations": len(items) - successful,
            "success_percent": 100.0 * successful / len(items) if items else 100.0,
        },
        "meta": dict(engine),
        "id": None,
    }


def gx_result_object(document: dict) -> Any:
    """GX's result object from its JSON form (imports GX: only for Data Docs)."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )

    return ExpectationSuiteValidationResultSchema().load(document)


def gx_validation_result(suite: dict, results: list[dict]) -> Any:
    """The evaluation as GX's own result object."""
    return gx_result_object(gx_validation_json(suite, results))
