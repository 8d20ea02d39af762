"""`metiers query`: read-only SQL on the published file, as table, CSV or JSON; writes and
file access are refused with a clear error; the README's analyst queries run."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from deliverytools import SEED_SLUG, raw_headcounts
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT

runner = CliRunner()


def query(bundled_mart: Settings, sql: str, *options: str):
    return runner.invoke(app, ["query", sql, *options, "--marts-dir", str(bundled_mart.marts_dir)])


def test_json_rows(bundled_mart: Settings) -> None:
    result = query(
        bundled_mart,
        f"SELECT year, headcount FROM metier_trend WHERE slug = '{SEED_SLUG}' ORDER BY year",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {row["year"]: row["headcount"] for row in rows} == raw_headcounts("2654.2")


def test_csv_and_table(bundled_mart: Settings) -> None:
    sql = "SELECT slug, lang, average_age FROM metier_cards WHERE slug = ? ORDER BY lang"
    sql = sql.replace("?", f"'{SEED_SLUG}'")
    as_csv = query(bundled_mart, sql, "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [row["average_age"] for row in rows] == ["42 years", "42 ans", "42 jaar"]
    table = query(bundled_mart, sql)
    lines = table.output.splitlines()
    assert lines[0].split() == ["slug", "lang", "average_age"]
    assert set(lines[1]) == {"-", " "}
    assert lines[-1] == "(3 rows)"


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE notes AS SELECT 1 AS x",
        f"INSERT INTO metier_trend SELECT * FROM metier_trend WHERE slug = '{SEED_SLUG}'",
        "UPDATE metier_figures SET headcount = 0",
        "DROP TABLE metier_cards",
    ],
)
def test_writes_are_refused(bundled_mart: Settings, sql: str) -> None:
    before = hashlib.sha256(bundled_mart.published_path.read_bytes()).hexdigest()
    result = query(bundled_mart, sql)
    assert result.exit_code == 2
    assert "read-only" in result.output
    assert hashlib.sha256(bundled_mart.published_path.read_bytes()).hexdigest() == before


def test_files_outside_the_mart_are_refused(bundled_mart: Settings, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    result = query(bundled_mart, f"COPY metier_trend TO '{target}'")
    assert result.exit_code == 2
    assert "cannot be read or written" in result.output
    assert not target.exists()
    other = query(bundled_mart, f"ATTACH '{tmp_path / 'other.duckdb'}' AS other")
    assert other.exit_code == 2
    assert not (tmp_path / "other.duckdb").exists()


def test_bad_sql_is_a_usage_error(bundled_mart: Settings) -> None:
    result = query(bundled_mart, "SELECT nope FROM metier_trend")
    assert result.exit_code == 2
    assert "query failed" in result.output


def readme_queries() -> list[str]:
    """The SQL of the README's analyst examples (`metiers query "..."` lines)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Example queries for analysts", 1)[1].split("\n## ", 1)[0]
    return [
        block.strip() for block in re.findall(r'metiers query "(.*?)"', section, flags=re.DOTALL)
    ]


def test_readme_analyst_queries_run(bundled_mart: Settings) -> None:
    queries = readme_queries()
    assert len(queries) >= 3
    for sql in queries:
        result = query(bundled_mart, sql, "--format", "json")
        assert result.exit_code == 0, (sql, result.output)
        assert json.loads(result.output), sql


@pytest.mark.parametrize("command", ["serve", "export", "card", "query"])
def test_help_of_the_delivery_commands(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
