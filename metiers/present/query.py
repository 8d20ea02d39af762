"""`metiers query`: an analyst's SQL on the published file, read-only.

Every statement is parsed by DuckDB first, and only reads run: SELECT (with WITH, FROM,
VALUES, DESCRIBE, SUMMARIZE, SHOW, PIVOT with its values listed) and EXPLAIN of a read.
Anything else is refused before it runs, whatever catalogue it names (the in-memory one
included): CREATE, INSERT, SET, PRAGMA, CALL, CHECKPOINT, ATTACH, COPY, EXPORT, LOAD...
Behind that check, the file is attached READ_ONLY to a private in-memory database, file
access is switched off and the configuration locked, so the mart stays as published.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from metiers.core.config import published_path
from metiers.core.errors import UsageError
from metiers.present.export import csv_safe

WRITE_REFUSED = (
    "the published mart is read-only: `metiers query` runs statements that read it "
    "(SELECT, DESCRIBE, SUMMARIZE, ...); refresh the data with `metiers refresh`"
)
FILES_REFUSED = (
    "`metiers query` reads the published mart only; files outside it cannot be read or written"
)
# Statements that reach files or extensions rather than tables.
FILE_STATEMENTS = {
    duckdb.StatementType.ATTACH,
    duckdb.StatementType.COPY,
    duckdb.StatementType.EXPORT,
    duckdb.StatementType.LOAD,
}
# Reads that DuckDB parses as something else, and how to write them as a SELECT.
HINTS = {
    "PRAGMA": "DESCRIBE t or SELECT * FROM pragma_table_info('t') read the same",
    "MULTI": "a PIVOT runs as a read when its values are listed: PIVOT t ON c IN (...)",
}
# EXPLAIN [ANALYZE] [(options)] before the statement it explains, after any comments.
EXPLAIN_PREFIX = re.compile(
    r"^(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^()]*\)\s*)?",
    re.IGNORECASE | re.DOTALL,
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


def _statement_kinds(connection: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The kind of each statement of `sql`, as DuckDB parses it; 'UNKNOWN' for a kind this
    client cannot name (newer DuckDB statements are refused, not guessed)."""
    kinds = []
    for statement in connection.extract_statements(sql):
        try:
            kind = statement.type
        except ValueError:  # a statement type this client's enum does not know
            kinds.append("UNKNOWN")
            continue
        if kind == duckdb.StatementType.EXPLAIN:
            # EXPLAIN ANALYZE runs the statement: it is a read only when that one is.
            explained = EXPLAIN_PREFIX.sub("", statement.query, count=1)
            inner = _statement_kinds(connection, explained) if explained != statement.query else []
            kinds.append("SELECT" if inner and set(inner) == {"SELECT"} else "EXPLAIN (of a write)")
        elif kind in FILE_STATEMENTS:
            kinds.append(f"FILE {kind.name}")
        else:
            kinds.append(kind.name)
    return kinds


def check_read_only(connection: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse, before anything runs, every statement that is not a read."""
    kinds = _statement_kinds(connection, sql)
    if not kinds:
        raise UsageError("empty query: give a SQL statement, e.g. 'SELECT * FROM metier_trend'")
    refused = [kind for kind in kinds if kind != "SELECT"]
    if not refused:
        return
    files = [kind.removeprefix("FILE ") for kind in refused if kind.startswith("FILE ")]
    if files:
        raise UsageError(f"{FILES_REFUSED} (refused: {', '.join(files)})")
    hint = "".join(f"; {HINTS[kind]}" for kind in dict.fromkeys(refused) if kind in HINTS)
    raise UsageError(f"{WRITE_REFUSED} (refused: {', '.join(refused)}{hint})")


def run_query(sql: str, marts_dir: Path | None = None) -> QueryResult:
    """Run one SQL text on the published file; a write or file access is a usage error."""
    if not sql.strip():
        raise UsageError("empty query: give a SQL statement, e.g. 'SELECT * FROM metier_trend'")
    connection = connect_read_only(marts_dir)
    try:
        check_read_only(connection, sql)
        relation = connection.sql(sql)
        if relation is None:  # nothing to show (only reads get here, but be safe)
            return QueryResult(columns=[], rows=[])
        return QueryResult(columns=list(relation.columns), rows=relation.fetchall())
    except duckdb.InvalidInputException as error:
        if "read-only" in str(error):
            raise UsageError(f"{WRITE_REFUSED} ({error})") from None
        raise UsageError(f"query failed: {error}") from None
    except duckdb.PermissionException as error:
        raise UsageError(f"{FILES_REFUSED} ({error})") from None
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


def _csv_cell(cell: object) -> object:
    if cell is None:
        return ""
    return csv_safe(cell) if isinstance(cell, str) else cell


def as_csv(result: QueryResult) -> str:
    """UTF-8 CSV (no BOM: meant for tools and pipes; `metiers export` serves spreadsheets).
    Text that a spreadsheet would run as a formula is still written as text, since such a
    file ends up in one sooner or later; numbers stay numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_safe(name) for name in result.columns])
    writer.writerows([[_csv_cell(cell) for cell in row] for row in result.rows])
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
