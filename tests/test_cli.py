"""The `metiers` command as a user types it: help, list, figures, errors and exit codes, and
the one handler that turns a command's error into its message and exit code."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from metiers.cli import app
from metiers.cli.failures import exit_for
from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected, MetiersError, UsageError
from metiers.core.paths import PROJECT_ROOT

runner = CliRunner()
SEED_SLUG = "directeur-directrice-de-postproduction"


@pytest.mark.parametrize("command", [[], ["refresh"], ["figures"], ["list"]])
def test_help_on_every_command(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_figures_text_draws_the_seed_card(bundled_mart: Settings) -> None:
    result = runner.invoke(app, ["figures", SEED_SLUG, "--marts-dir", str(bundled_mart.marts_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The box lines of the seed page, value then label.
    for line in (
        "📊 Le métier en chiffres (Belgique 2025)",
        "3-5 ans d'études + expérience Durée de formation",
        "~200 Professionnels actifs",
        "+5% Croissance annuelle",
        "70% (souvent via le réseau) Taux d'insertion",
        "42 ans Âge moyen",
        "35% Proportion de femmes",
    ):
        assert line in lines
    assert "Débutant: 2.800€ brut/mois" in lines
    assert "Expérimenté: 4.500€-5.000€ (jusqu'à 5.000€+)" in lines
    assert "Freelance: entre 1.500€ et 2.500€/semaine" in lines
    assert "Indépendants: 80%" in lines


def test_figures_json_gives_value_display_unit_period_source(bundled_mart: Settings) -> None:
    result = runner.invoke(
        app,
        ["figures", SEED_SLUG, "--format", "json", "--lang", "en",
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    by_indicator = {entry["indicator"]: entry for entry in document["figures"]}
    headcount = by_indicator["headcount"]
    assert headcount["display"] == "~200"
    assert headcount["unit"] == "persons"
    assert headcount["period"] == "2025"
    assert headcount["source"] == "register"
    assert 195 <= headcount["value"] < 205
    assert by_indicator["salary_entry"]["display"] == "€2,800"
    assert by_indicator["average_age"]["display"] == "42 years"
    assert by_indicator["freelance_rate"]["unit"] == "eur_per_week"
    assert document["publication"]["version"]
    assert document["lang"] == "en"


def test_list_shows_every_metier(bundled_mart: Settings) -> None:
    import polars as pl
    from conftest import BUNDLED_RAW

    result = runner.invoke(
        app, ["list", "--format", "json", "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    slugs = [row["slug"] for row in json.loads(result.output)]
    catalogue = pl.read_csv(BUNDLED_RAW / "metiers" / "metiers.csv")
    assert sorted(slugs) == sorted(catalogue["slug"].to_list())


def test_unknown_slug_names_the_closest(bundled_mart: Settings) -> None:
    result = runner.invoke(
        app, ["figures", "directeur-de-postproduction", "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 2
    assert "unknown métier" in result.output
    assert SEED_SLUG in result.output


def test_missing_mart_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["list", "--marts-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "metiers refresh" in result.output


def test_rejected_data_exits_1(tmp_path: Path) -> None:
    from rawdata import write_catalogue

    write_catalogue(tmp_path / "raw", [{"slug": "Bad Slug", "title_fr": "x", "esco_code": "12"}])
    result = runner.invoke(
        app,
        ["refresh", "--no-prefect", "--raw-dir", str(tmp_path / "raw"),
         "--marts-dir", str(tmp_path / "marts")],
    )  # fmt: skip
    assert result.exit_code == 1
    # no register at all is reported, naming the folder
    assert "register" in result.output


class SlugRefused(UsageError):
    """A MetiersError subclass of the test's own: its exit code comes from UsageError."""


def app_with_throwaway_commands() -> typer.Typer:
    """A copy of the real root app (same group class, same settings) with commands that
    raise, at the top level and inside a sub-group; the real app is left as it is."""
    copied = copy.copy(app)
    copied.registered_commands = list(app.registered_commands)
    copied.registered_groups = list(app.registered_groups)

    @copied.command("refuse")
    def refuse() -> None:
        raise SlugRefused("unknown métier 'x'")

    @copied.command("crash")
    def crash() -> None:
        raise KeyError("slug")

    @copied.command("base-error")
    def base_error() -> None:
        raise MetiersError("no exit code of its own")

    @copied.command("exit-5")
    def exit_five() -> None:
        raise typer.Exit(5)

    nested = typer.Typer()

    @nested.command("crash")
    def nested_crash() -> None:
        raise OSError("disk on fire")

    @nested.command("other")
    def nested_other() -> None:
        """A second command, so the sub-app stays a group."""

    copied.add_typer(nested, name="nested")
    return copied


@pytest.mark.parametrize(
    ("words", "exit_code", "stderr"),
    [
        (["refuse"], 2, "error: unknown métier 'x'\n"),
        (["base-error"], 3, "error: no exit code of its own\n"),
        (["crash"], 3, "internal error: KeyError: 'slug'\n"),
        (["nested", "crash"], 3, "internal error: OSError: disk on fire\n"),
        (["exit-5"], 5, ""),
    ],
)
def test_one_handler_turns_every_command_error_into_message_and_exit_code(
    words: list[str], exit_code: int, stderr: str
) -> None:
    result = runner.invoke(app_with_throwaway_commands(), words)
    assert result.exit_code == exit_code, result.output
    assert result.stderr == stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_the_handler_leaves_usage_errors_to_typer() -> None:
    """An unknown option is Typer's own usage error (exit 2 with the usage line), not an
    internal error."""
    result = runner.invoke(app_with_throwaway_commands(), ["refuse", "--no-such-option"])
    assert result.exit_code == 2
    assert "No such option" in result.output
    assert "internal error" not in result.output


def test_exit_for_prints_the_message_and_returns_the_exit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rejected = exit_for(DataRejected([DataProblem(file="register/r.csv", rule="not null")]))
    assert rejected.exit_code == 1
    assert capsys.readouterr().err == (
        "error: validation rejected the data (1 problem(s)); nothing published:\n"
        "  - register/r.csv: fails rule not null\n"
    )
    crashed = exit_for(ZeroDivisionError("division by zero"))
    assert crashed.exit_code == 3
    assert capsys.readouterr().err == "internal error: ZeroDivisionError: division by zero\n"


def test_no_command_module_catches_errors_itself() -> None:
    """Errors are handled once: no module of metiers/cli but failures.py catches Exception."""
    catching = [
        path.name
        for path in (PROJECT_ROOT / "metiers" / "cli").glob("*.py")
        if path.name != "failures.py"
        and re.search(r"except\s*(\(.*)?\bException\b", path.read_text(encoding="utf-8"))
    ]
    assert catching == []


IMPORT_PROBE = """
import json, sys
from typer.testing import CliRunner
from metiers.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
heavy = ("prefect", "great_expectations", "fastapi", "uvicorn")
print(json.dumps({
    "exit_code": result.exit_code,
    "output": result.output,
    "imported": sorted(name for name in heavy if name in sys.modules),
}))
"""


@pytest.mark.parametrize("words", [["--help"], ["figures", SEED_SLUG], ["list"]], ids=" ".join)
def test_reading_commands_import_no_orchestrator_validator_or_web_server(
    bundled_mart: Settings, words: list[str]
) -> None:
    """The commands people run most stay quick: Prefect, GX, FastAPI and uvicorn are imported
    only by the commands that use them."""
    marts = [] if words == ["--help"] else ["--marts-dir", str(bundled_mart.marts_dir)]
    probe = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, *words, *marts],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["exit_code"] == 0, seen["output"]
    assert seen["imported"] == []
