"""docs/data-dictionary.md is generated from the published mart's comments and kept fresh."""

from __future__ import annotations

import duckdb
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.paths import PROJECT_ROOT
from metiers.present.dictionary import render

COMMITTED = PROJECT_ROOT / "docs" / "data-dictionary.md"


def test_data_dictionary_is_up_to_date(bundled_mart) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        fresh = render(connection)
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    assert committed == fresh, (
        "docs/data-dictionary.md is out of date with the mart's comments: run "
        "`metiers refresh && metiers dictionary --out docs/data-dictionary.md` and commit it"
    )


def test_dictionary_lists_every_table_and_column_with_its_comment(bundled_mart) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        text = render(connection)
        columns = connection.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = 'main' "
            "AND table_name IN (SELECT table_name FROM duckdb_tables())"
        ).fetchall()
    sections = {block.split("\n", 1)[0]: block for block in text.split("\n## ")[1:] if block}
    for table, column, comment in columns:
        assert table in sections, table
        row = next(
            line for line in sections[table].splitlines() if line.startswith(f"| `{column}` |")
        )
        escaped = comment.replace("|", "\\|").strip()
        assert row.endswith(f"| {escaped} |"), (table, column)


def test_dictionary_command_writes_the_file(bundled_mart, tmp_path) -> None:
    out = tmp_path / "dictionary.md"
    result = CliRunner().invoke(
        app, ["dictionary", "--out", str(out), "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# Data dictionary of the published mart")
    assert "| `headcount_reliability` |" in out.read_text(encoding="utf-8")
