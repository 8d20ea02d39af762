"""The `metiers` command as a user types it: help, list, figures, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metiers.cli import app
from metiers.config import Settings

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
