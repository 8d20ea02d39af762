"""The data dictionary of the published mart, rendered from its own DuckDB comments.

The comments (`COMMENT ON` in sql/) are the single source: `docs/data-dictionary.md` is this
module's output, committed, and a test fails when it no longer matches a fresh build.
"""

from __future__ import annotations

import duckdb

HEADER = """# Data dictionary of the published mart

Generated from the `COMMENT ON` of every table and column of `metiers.duckdb` by
`metiers dictionary --out docs/data-dictionary.md`; do not edit by hand (a test compares it
with a fresh build). Rules behind the figures: [methodology.md](methodology.md).
"""


def _cell(text: str | None) -> str:
    """Markdown table cell: pipes escaped, line breaks folded."""
    return (text or "").replace("|", "\\|").replace("\n", " ").strip()


def render(connection: duckdb.DuckDBPyConnection) -> str:
    """Markdown: a table of contents, then every table with its columns, types and comments."""
    tables = connection.execute(
        "SELECT table_name, comment FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name"
    ).fetchall()
    columns = connection.execute(
        "SELECT table_name, column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    by_table: dict[str, list[tuple]] = {}
    for table, column, data_type, nullable, comment in columns:
        by_table.setdefault(table, []).append((column, data_type, nullable, comment))
    lines = [HEADER, "## Tables", ""]
    lines += [f"- [`{name}`](#{name}): {_cell(comment)}" for name, comment in tables]
    for name, comment in tables:
        lines += ["", f"## {name}", "", _cell(comment), ""]
        lines += ["| column | type | nullable | meaning |", "|---|---|---|---|"]
        for column, data_type, nullable, column_comment in by_table.get(name, []):
            lines.append(
                f"| `{column}` | {data_type} | {'yes' if nullable else 'no'} "
                f"| {_cell(column_comment)} |"
            )
    return "\n".join(lines) + "\n"
