"""`metiers query`: an analyst's SQL on the published file, read-only.

The file is attached READ_ONLY to a private in-memory database, then file access is switched
off and the configuration locked: a statement can read the mart, but it cannot write to it,
attach another file, or write or read files with COPY (the mart stays as published).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metiers.config import published_path
from metiers.errors import UsageError

WRITE_REFUSED = (
    "the published mart is read-only: `metiers query` runs statements that read it "
    "(SELECT, DESCRIBE, SUMMARIZE, ...); refresh the data with `metiers refresh`"
)


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def connect_read_only(marts_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    path = published_path(marts_dir)
    if not path.exists():
        raise UsageError(f"no published mart at {path}: run `metiers refresh` first")
    connection = duckdb.connect(":memory:")
    connection.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS mart (READ_ONLY)")
    connection.execute("USE mart")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def run_query(sql: str, marts_dir: Path | None = None) -> QueryResult:
    """Run one SQL text on the published file; a write or file access is a usage error."""
    if not sql.strip():
        raise UsageError("empty query: give a SQL statement, e.g. 'SELECT * FROM metier_trend'")
    connection = connect_read_only(marts_dir)
    try:
        relation = connection.sql(sql)
        if relation is None:  # a statement without a result (SET, ...)
            return QueryResult(columns=[], rows=[])
        return QueryResult(columns=list(relation.columns), rows=relation.fetchall())
    except duckdb.InvalidInputException as error:
        if "read-only" in str(error):
            raise UsageError(f"{WRITE_REFUSED} ({error})") from None
        raise UsageError(f"query failed: {error}") from None
    except duckdb.PermissionException as error:
        raise UsageError(
            f"`metiers query` reads the published mart only; files outside it cannot be "
            f"read or written ({error})"
        ) from None
    except duckdb.Error as error:
        raise UsageError(f"query failed: {error}") from None
    finally:
        connection.close()


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def as_json(result: QueryResult) -> str:
    records = [dict(zip(result.columns, map(_cell, row), strict=True)) for row in result.rows]
    return json.dumps(records, ensure_ascii=False, indent=2)


def as_csv(result: QueryResult) -> str:
    """UTF-8 CSV (no BOM: meant for tools and pipes; `metiers export` serves spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([["" if cell is None else cell for cell in row] for row in result.rows])
    return buffer.getvalue()


def as_table(result: QueryResult) -> str:
    """Aligned columns, NULL shown as NULL."""
    cells = [[("NULL" if cell is None else str(cell)) for cell in row] for row in result.rows]
    widths = [
        max([len(name), *(len(row[index]) for row in cells)])
        for index, name in enumerate(result.columns)
    ]
    lines = [
        "  ".join(name.ljust(width) for name, width in zip(result.columns, widths, strict=True)),
        "  ".join("-" * width for width in widths),
    ]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)
