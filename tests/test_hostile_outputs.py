"""What the mart hands out stays right under hostile or careless use: HTTP validators across
a rollback, HEAD, error bodies without server internals; exit codes for unusable folders and
files; `metiers query` refusing every write; CSV cells a spreadsheet would run; card strings
of numbers far beyond any real figure."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest
import typer.main
from deliverytools import SEED_SLUG, copy_published, publish_variant
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from metiers.api import ApiSettings, create_app
from metiers.cli import app
from metiers.core.config import Settings
from metiers.methodology import display
from metiers.present.export import csv_safe
from metiers.publish.publication import history_path
from metiers.publish.release import rollback

runner = CliRunner()


def invoke(*args: str):
    # Wide enough that usage errors are not folded inside rich's box.
    return runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "500"})


def plain(output: str) -> str:
    """The words of an output, without rich's box drawing."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def published_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT version FROM meta_publication").fetchall()[0][0]


def headcount_display(response) -> str:
    figures = {entry["indicator"]: entry for entry in response.json()["figures"]}
    return figures["headcount"]["display"]


# -- HTTP: validators across a rollback ------------------------------------------------------


def test_rollback_is_served_whatever_validators_the_client_holds(
    bundled_mart: Settings, tmp_path: Path
) -> None:
    """A client that cached version B sends B's validators after a rollback to A: it gets
    200 with A, never 304 (which would keep it on B's figures)."""
    marts = copy_published(bundled_mart, tmp_path)
    version_a = published_version(marts.published_path)
    marts.history_dir.mkdir()
    shutil.copy2(marts.published_path, history_path(marts, version_a))
    client = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))
    url = f"/metiers/{SEED_SLUG}"
    first = client.get(url)
    assert headcount_display(first) == "~200"  # the seed page's figure

    publish_variant(marts, "29990101T000000Z-test0001", "~999")
    cached_b = client.get(url)
    assert cached_b.headers["etag"] == '"29990101T000000Z-test0001"'
    assert headcount_display(cached_b) == "~999"
    b_published = datetime.fromisoformat(cached_b.json()["publication"]["published_at"])

    assert rollback(marts, version_a, reason="test rollback") == version_a
    for validators in (
        {"If-None-Match": cached_b.headers["etag"]},
        {"If-Modified-Since": format_datetime(b_published.astimezone(UTC), usegmt=True)},
        {"If-Modified-Since": format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)},
        {
            "If-None-Match": cached_b.headers["etag"],
            "If-Modified-Since": format_datetime(b_published.astimezone(UTC), usegmt=True),
        },
    ):
        after = client.get(url, headers=validators)
        assert after.status_code == 200, validators
        assert after.headers["etag"] == f'"{version_a}"'
        assert headcount_display(after) == "~200"
    # A's own ETag still saves the body.
    assert client.get(url, headers={"If-None-Match": f'"{version_a}"'}).status_code == 304
    # No publication time as a validator: it went backwards with the rollback.
    assert "last-modified" not in after.headers


# -- HTTP: HEAD ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(bundled_mart: Settings, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    marts = copy_published(bundled_mart, tmp_path_factory.mktemp("hostile-api"))
    return TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))


def test_head_answers_like_get_on_every_get_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    routes = [path for path, operations in paths.items() if "get" in operations]
    assert len(routes) >= 8
    for route in [*routes, "/openapi.json"]:
        url = route.replace("{slug}", SEED_SLUG)
        get, head = client.get(url), client.head(url)
        assert get.status_code == 200, url
        assert head.status_code == 200, url
        assert head.content == b"", url
        assert int(head.headers["content-length"]) == len(get.content), url
        for header in ("etag", "content-type", "x-mart-version", "cache-control"):
            assert head.headers.get(header) == get.headers.get(header), (url, header)
        if "etag" in get.headers:
            again = client.head(url, headers={"If-None-Match": get.headers["etag"]})
            assert again.status_code == 304, url
    unknown = client.head("/metiers/no-such-metier")
    assert unknown.status_code == 404
    assert unknown.content == b""


# -- HTTP: error bodies ----------------------------------------------------------------------


def assert_nothing_internal(text: str, *paths: Path) -> None:
    assert "/" not in text
    assert "duckdb" not in text.lower()
    assert "IO Error" not in text
    for path in paths:
        assert str(path) not in text


def test_503_without_a_published_mart(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(marts_dir=tmp_path / "empty")))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["code"] == "not_published"
    assert "metiers refresh" in response.json()["detail"]
    assert_nothing_internal(response.text, tmp_path)


def test_503_for_an_unreadable_mart_logs_the_detail_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    published = tmp_path / "marts" / "metiers.duckdb"
    published.parent.mkdir()
    published.write_bytes(b"not a database, whatever its name says\n" * 200)
    client = TestClient(create_app(ApiSettings(marts_dir=published.parent)))
    with caplog.at_level(logging.WARNING, logger="metiers.api"):
        responses = [client.get(url) for url in ("/health", f"/metiers/{SEED_SLUG}", "/metiers")]
    for response in responses:
        assert response.status_code == 503
        assert response.json()["code"] == "mart_unreadable"
        assert_nothing_internal(response.text, tmp_path)
    # the operator finds the file and DuckDB's reason in the server log
    assert any(str(published) in record.getMessage() for record in caplog.records)


def test_500_carries_a_code_not_the_exception(
    bundled_mart: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = tmp_path / "secret" / "metiers.duckdb"

    def broken(*_args, **_kwargs):
        raise duckdb.IOException(f"IO Error: Could not read from file {secret}")

    monkeypatch.setattr("metiers.present.mart.card_document", broken)
    marts = copy_published(bundled_mart, tmp_path)
    client = TestClient(
        create_app(ApiSettings(marts_dir=marts.marts_dir)), raise_server_exceptions=False
    )
    with caplog.at_level(logging.ERROR, logger="metiers.api"):
        response = client.get(f"/metiers/{SEED_SLUG}")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert_nothing_internal(response.text, tmp_path)
    assert any(str(secret) in record.getMessage() for record in caplog.records)


def test_404_and_405_have_codes(client: TestClient) -> None:
    unknown = client.get("/metiers/directeur-de-postproduction")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_slug"
    assert SEED_SLUG in unknown.json()["detail"]["closest"]
    assert client.get("/nowhere").json() == {"detail": "Not Found", "code": "not_found"}
    refused = client.post("/metiers")
    assert refused.status_code == 405
    assert refused.json()["code"] == "method_not_allowed"
    assert "GET" in refused.headers["allow"]


# -- exit codes: folders and files that cannot be used ---------------------------------------

FOLDER_OPTIONS = ("--marts-dir", "--raw-dir", "--staging-dir")
# What each command needs besides the option under test ({out}: a usable folder).
REQUIRED = {
    "figures": ["x"],
    "search": ["x"],
    "card": ["x", "--out", "{out}/card.html"],
    "export": ["--format", "csv", "--out", "{out}/export"],
    "query": ["SELECT 1"],
}


def commands_with(option: str) -> list[str]:
    group = typer.main.get_command(app)
    return sorted(
        name
        for name, command in group.commands.items()
        if any(option in param.opts for param in command.params)
    )


FOLDER_CASES = [(name, option) for option in FOLDER_OPTIONS for name in commands_with(option)]


@pytest.fixture
def no_long_running(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` and `schedule` would run until stopped: if a bad folder ever got through,
    fail at once instead of hanging."""
    import metiers.flows.schedule

    def refuse(*_args, **_kwargs):
        raise AssertionError("the command ran despite an unusable folder")

    monkeypatch.setattr("metiers.api.serve", refuse)
    monkeypatch.setattr(metiers.flows.schedule, "serve_refresh", refuse)


def required(name: str, out: Path) -> list[str]:
    return [arg.replace("{out}", str(out)) for arg in REQUIRED.get(name, [])]


def test_every_command_taking_a_folder_is_covered() -> None:
    names = {name for name, _option in FOLDER_CASES}
    # the commands of the README's tables that take --marts-dir
    assert {"refresh", "runs", "status", "schedule", "figures", "validate", "history",
            "rollback", "changes", "dictionary", "list", "search", "serve", "export", "card",
            "query"} <= names  # fmt: skip


@pytest.mark.parametrize(("name", "option"), FOLDER_CASES)
def test_folder_under_a_file_is_a_usage_error(
    name: str, option: str, tmp_path: Path, no_long_running: None
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder\n")
    for value, words in ((afile / "x", f"{afile} is a file"), (afile, "is a file")):
        result = invoke(name, *required(name, tmp_path), option, value)
        assert result.exit_code == 2, (value, result.output)
        assert words in plain(result.output), result.output
        assert "internal error" not in result.output
        assert not (tmp_path / "export").exists()


def test_unwritable_marts_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the refresh cannot write into (no permission, read-only file system): the
    tests run as root, so the refusal is simulated where the CLI asks the OS."""
    marts = tmp_path / "marts"
    marts.mkdir()
    real_access = __import__("os").access

    def access(path, mode, *args, **kwargs):
        if Path(path) == marts and mode & 2:  # os.W_OK
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr("metiers.cli.options.os.access", access)
    result = invoke("refresh", "--no-prefect", "--marts-dir", marts)
    assert result.exit_code == 2, result.output
    assert f"{marts} cannot be written" in plain(result.output)
    # reading needs no write access
    reading = invoke("figures", "x", "--marts-dir", marts)
    assert reading.exit_code == 2
    assert "no published mart" in reading.output


def test_derived_folder_taken_by_a_file_is_a_usage_error(tmp_path: Path) -> None:
    """The staging and quarantine folders default to beside the marts folder."""
    (tmp_path / "marts").mkdir()
    (tmp_path / "staging").write_text("a file where the staging folder goes\n")
    for command in (["refresh", "--no-prefect"], ["validate"]):
        result = invoke(*command, "--marts-dir", tmp_path / "marts")
        assert result.exit_code == 2, result.output
        assert f"{tmp_path / 'staging'} is a file" in plain(result.output)
        assert "internal error" not in result.output


@pytest.mark.parametrize("name", commands_with("--sources"))
def test_missing_or_malformed_registry_is_a_usage_error(
    name: str, tmp_path: Path, no_long_running: None
) -> None:
    malformed = tmp_path / "sources.toml"
    malformed.write_text("this is = = not toml\n")
    for registry, words in ((tmp_path / "none.toml", "not found"), (malformed, "not valid TOML")):
        result = invoke(name, "--sources", registry, "--marts-dir", tmp_path / "marts")
        assert result.exit_code == 2, result.output
        assert words in plain(result.output)
        assert "internal error" not in result.output


def test_output_files_that_cannot_be_written_are_usage_errors(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    for args, words in (
        (["card", "x", "--out", afile / "card.html"], f"{afile} is a file"),
        (["card", "x", "--out", tmp_path / "c.html", "--svg", afile / "t.svg"], "is a file"),
        (["dictionary", "--out", tmp_path], "is a directory"),
        (["dictionary", "--out", afile / "d.md"], f"{afile} is a file"),
        (["export", "--format", "json", "--out", afile / "out"], f"{afile} is a file"),
    ):
        result = invoke(*args, "--marts-dir", tmp_path)
        assert result.exit_code == 2, (args, result.output)
        assert words in plain(result.output), result.output
    assert not (tmp_path / "c.html").exists()


# -- query: only reads run -------------------------------------------------------------------

WRITES = {
    "create in the in-memory catalogue": "CREATE TABLE memory.main.t AS SELECT 1 AS x",
    "create temp table": "CREATE TEMP TABLE t AS SELECT 1 AS x",
    "create view": "CREATE VIEW v AS SELECT 1 AS x",
    "create macro": "CREATE MACRO m() AS 1",
    "insert": "INSERT INTO metier_trend SELECT * FROM metier_trend",
    "update": "UPDATE metier_figures SET headcount = 0",
    "delete": "DELETE FROM metier_cards",
    "drop": "DROP TABLE metier_cards",
    "set": "SET threads = 1",
    "reset": "RESET threads",
    "set variable": "SET VARIABLE x = 1",
    "use": "USE memory",
    "pragma setting": "PRAGMA threads = 1",
    "pragma": "PRAGMA table_info('metier_trend')",
    "call checkpoint": "CALL checkpoint()",
    "checkpoint": "CHECKPOINT",
    "force checkpoint": "FORCE CHECKPOINT",
    "transaction": "BEGIN TRANSACTION",
    "vacuum": "VACUUM",
    "prepare": "PREPARE p AS SELECT 1",
    "explain analyze of a write": "EXPLAIN ANALYZE CREATE TABLE memory.main.t AS SELECT 1",
    "a read then a write": "SELECT 1; DROP TABLE metier_trend",
    "update extensions": "UPDATE EXTENSIONS",
    "detach": "DETACH mart",
    "copy database": "COPY FROM DATABASE mart TO memory",
}
FILES = {
    "attach": "ATTACH '{tmp}/other.duckdb' AS other",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "copy": "COPY metier_trend TO '{tmp}/trend.csv'",
    "export": "EXPORT DATABASE '{tmp}/export'",
}


def query(bundled_mart: Settings, sql: str, *options: str):
    return invoke("query", sql, *options, "--marts-dir", bundled_mart.marts_dir)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("sql", [pytest.param(sql, id=kind) for kind, sql in WRITES.items()])
def test_query_refuses_every_write(bundled_mart: Settings, sql: str) -> None:
    before = sha(bundled_mart.published_path)
    result = query(bundled_mart, sql)
    assert result.exit_code == 2, result.output
    assert "read-only" in result.output
    assert sha(bundled_mart.published_path) == before


@pytest.mark.parametrize("sql", [pytest.param(sql, id=kind) for kind, sql in FILES.items()])
def test_query_refuses_files_and_extensions(
    bundled_mart: Settings, sql: str, tmp_path: Path
) -> None:
    result = query(bundled_mart, sql.replace("{tmp}", str(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "cannot be read or written" in result.output
    assert list(tmp_path.iterdir()) == []


def independent(bundled_mart: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_query_still_runs_reads(bundled_mart: Settings) -> None:
    columns = [row[0] for row in independent(bundled_mart, "DESCRIBE metier_trend")]
    rows = independent(bundled_mart, "SELECT count(*) FROM metier_trend")[0][0]

    def rows_of(sql: str) -> list[dict]:
        result = query(bundled_mart, sql, "--format", "json")
        assert result.exit_code == 0, (sql, result.output)
        return json.loads(result.output)

    assert rows_of("SELECT count(*) AS n FROM metier_trend") == [{"n": rows}]
    assert rows_of("WITH t AS (SELECT * FROM metier_trend) SELECT count(*) AS n FROM t") == [
        {"n": rows}
    ]
    assert rows_of("FROM metier_trend SELECT count(*) AS n") == [{"n": rows}]
    assert [row["column_name"] for row in rows_of("DESCRIBE metier_trend")] == columns
    summary = {row["column_name"]: row for row in rows_of("SUMMARIZE metier_trend")}
    assert set(summary) == set(columns)
    assert all(row["count"] == rows for row in summary.values())
    assert "metier_figures" in {row["name"] for row in rows_of("SHOW TABLES")}
    assert rows_of("EXPLAIN SELECT count(*) FROM metier_trend")
    assert rows_of("EXPLAIN ANALYZE SELECT count(*) FROM metier_trend")
    years = sorted({row[0] for row in independent(bundled_mart, "SELECT year FROM metier_trend")})
    pivot = rows_of(
        f"PIVOT metier_trend ON year IN ({', '.join(map(str, years))}) USING count(*) GROUP BY slug"
    )
    assert (
        len(pivot)
        == independent(bundled_mart, "SELECT count(DISTINCT slug) FROM metier_trend")[0][0]
    )


# -- CSV: no cell a spreadsheet would run ----------------------------------------------------

HOSTILE = {
    "title": " =1+1",
    "training": "\t=cmd",
    "headcount": "  @SUM(A1)",
    "growth": " -2",
    "average_age": "\r=1+1",
    "share_women": "\n+cmd|' /C calc'!A0",
}
EXPECTED = {
    " =1+1": "' =1+1",
    "\t=cmd": "'\t=cmd",
    "  @SUM(A1)": "'  @SUM(A1)",
    " -2": " -2",  # a plain negative number is data, not a formula
    "\r=1+1": "'\r=1+1",
    "\n+cmd|' /C calc'!A0": "'\n+cmd|' /C calc'!A0",
    "\tplain": "'\tplain",  # a tab first is enough for a spreadsheet
    "-1+1": "'-1+1",
    "+5%": "'+5%",
    "-2": "-2",
    "3.5": "3.5",
    "Monteur": "Monteur",
    "": "",
}


def test_csv_safe_values() -> None:
    assert {text: csv_safe(text) for text in EXPECTED} == EXPECTED
    assert csv_safe(None) is None


def runs_as_formula(cell: str) -> bool:
    """What OWASP says a spreadsheet runs: = + - @ first (also after blanks), or a tab or a
    carriage return first; a cell that is a plain number is read as that number (with a
    decimal comma too, as in the ';' export)."""
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return cell[:1] in ("\t", "\r") or cell.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@")
    return False


def csv_rows(text: str, separator: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=separator))


def assert_no_formula(rows: list[dict]) -> None:
    for row in rows:
        for column, cell in row.items():
            assert not runs_as_formula(cell or "") or cell.startswith("'"), (column, cell)
        assert not any(runs_as_formula(column) for column in row)


@pytest.fixture(scope="module")
def hostile_mart(bundled_mart: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The sample mart with text a spreadsheet would run in the seed card's strings and in
    the change list, and a negative growth rate."""
    marts = copy_published(bundled_mart, tmp_path_factory.mktemp("hostile-csv"))
    with duckdb.connect(str(marts.published_path)) as connection:
        assignments = ", ".join(f"{column} = ?" for column in HOSTILE)
        connection.execute(
            f"UPDATE metier_cards SET {assignments} WHERE slug = ? AND lang = 'fr'",
            [*HOSTILE.values(), SEED_SLUG],
        )
        connection.execute(
            "UPDATE metier_figures SET growth_rate = -0.05 WHERE slug = ?", [SEED_SLUG]
        )
        connection.execute(
            """
            INSERT INTO figure_changes BY NAME
            SELECT ? AS slug, 'headcount' AS indicator, 'v0' AS previous_version,
                   10.0 AS old_value, 5.0 AS new_value, -0.5 AS relative_change,
                   ? AS old_display, ? AS new_display, true AS display_changed,
                   true AS flagged, ? AS reason
            """,
            [SEED_SLUG, " =1+1", "\r=cmd", "  @SUM(A1)"],
        )
        connection.execute("CHECKPOINT")
    return marts


@pytest.mark.parametrize("separator", [",", ";"])
def test_export_csv_neutralises_formulas_after_blanks(
    hostile_mart: Settings, tmp_path: Path, separator: str
) -> None:
    result = invoke(
        "export", "--format", "csv", "--separator", separator, "--out", tmp_path,
        "--marts-dir", hostile_mart.marts_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # bytes decoded as they are: read_text would turn the cells' CR into LF
    rows = csv_rows((tmp_path / "cards.csv").read_bytes().decode("utf-8-sig"), separator)
    (seed,) = [row for row in rows if row["slug"] == SEED_SLUG and row["lang"] == "fr"]
    assert {column: seed[column] for column in HOSTILE} == {
        column: EXPECTED[value] for column, value in HOSTILE.items()
    }
    # numbers stay numbers: the negative growth rate is written as one
    growth = seed["value_growth_rate"].replace(",", ".")
    assert float(growth) == pytest.approx(-0.05)
    assert not growth.startswith("'")
    assert_no_formula(rows)


def test_changes_csv_neutralises_formulas_after_blanks(hostile_mart: Settings) -> None:
    result = invoke("changes", "--format", "csv", "--marts-dir", hostile_mart.marts_dir)
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.output)
    (row,) = [row for row in rows if row["slug"] == SEED_SLUG]
    assert (row["old_display"], row["new_display"], row["reason"]) == (
        "' =1+1",
        "'\r=cmd",
        "'  @SUM(A1)",
    )
    assert float(row["relative_change"]) == -0.5
    assert_no_formula(rows)


def test_query_csv_neutralises_formulas_after_blanks(bundled_mart: Settings) -> None:
    sql = "SELECT ' =1+1' AS a, '\t=cmd' AS b, '  @SUM(A1)' AS c, ' -2' AS d, -2 AS n, 1 AS \"=x\""
    result = query(bundled_mart, sql, "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = csv_rows(result.output)
    assert row == {"a": "' =1+1", "b": "'\t=cmd", "c": "'  @SUM(A1)", "d": " -2", "n": "-2",
                   "'=x": "1"}  # fmt: skip


# -- card strings of numbers beyond any real figure ------------------------------------------


def grouped(number: int, mark: str) -> str:
    return f"{number:,}".replace(",", mark)


def test_huge_finite_numbers_are_formatted_not_raised() -> None:
    assert display.money(1e300, "fr") == grouped(10**300, ".") + "€"
    # the largest float, 1.7976931348623157e308, to the hundred
    assert display.money(sys.float_info.max, "en") == "€" + grouped(
        17976931348623157 * 10**292, ","
    )
    assert display.headcount(1e300, "nl") == "~" + grouped(10**300, ".")
    assert display.percent(1e300, "fr") == f"{10**302}%"
    assert display.growth(-1e300, "en") == f"-{10**302}%"
    assert display.age(1e300, "en") == f"{10**300} years"
    assert display.freelance_rate(1500, 1e300, "eur_per_week", "fr") == (
        f"entre 1.500€ et {grouped(10**300, '.')}€/semaine"
    )


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_numbers_are_refused_with_their_value(value: float) -> None:
    for call in (
        lambda: display.money(value, "fr"),
        lambda: display.headcount(value, "fr"),
        lambda: display.percent(value, "fr"),
        lambda: display.age(value, "fr"),
    ):
        with pytest.raises(ValueError, match="not a finite number"):
            call()
