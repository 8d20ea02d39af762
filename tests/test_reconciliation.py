"""Several sources for one figure: a new source added by configuration alone, precedence,
editorial overrides, candidates and conflicts, end to end through a refresh."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from rawdata import person, write_catalogue, write_facts, write_register

from metiers.core.config import Settings
from metiers.core.paths import DEFAULT_SOURCES_FILE
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # refreshes with a new source

FEDERATION = """
[sources.federation]
description = "Headcounts published by a sector federation"
adapter = "aggregate"
role = "aggregate"
patterns = ["*.csv"]
required = false
feeds = ["headcount", "share_women"]
precedence = {precedence}
citation = "Fédération du secteur, emploi par métier"
licence = "CC BY 4.0"
cadence_days = 365

[sources.federation.options]
encoding = "latin-1"
separator = ";"
decimal = ","
thousands = "."
keys = ["occupation_code", "year"]

[sources.federation.options.columns]
"Code ISCO" = "occupation_code"
"Année" = "year"
"Emploi" = "headcount"
"Part des femmes" = "share_women"

[sources.federation.options.markers]
x = "not_available"
"""
# Latin-1, ';', decimal comma, thousands dot, a marker: as a federation's spreadsheet exports it
FEDERATION_CSV = (
    "Code ISCO;Année;Emploi;Part des femmes\n"
    "2654.2;2025;30;0,26\n"  # monteur: 30 against the register's 20 -> conflict
    '7411.1;2025;"1.500";x\n'  # electricien: the register has too few records
    "2654.2;2024;25;0,3\n"  # not the reference year: no candidate
)


def registry_with_federation(folder: Path, precedence: int) -> Path:
    path = folder / f"sources-{precedence}.toml"
    path.write_text(
        DEFAULT_SOURCES_FILE.read_text(encoding="utf-8")
        + FEDERATION.replace("{precedence}", str(precedence)),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("reconcile") / "raw"
    write_catalogue(
        raw,
        [
            {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur",
             "title_en": "Editor", "esco_code": "2654.2", "training_years_min": 3,
             "training_years_max": 3},
            {"slug": "electricien", "title_fr": "Électricien", "title_nl": "Elektricien",
             "title_en": "Electrician", "esco_code": "7411.1", "training_years_min": 2,
             "training_years_max": 3},
        ],
    )  # fmt: skip
    for year in range(2022, 2026):
        rows = [
            # 20 persons aged 40, one in four a woman -> share of women 5 / 20 = 0.25
            person(year, f"M{index}", "2654.2", sex="F" if index % 4 == 0 else "M")
            for index in range(20)
        ]
        rows += [person(year, f"E{index}", "7411.1") for index in range(2)]
        write_register(raw, year, rows)
    write_facts(
        raw,
        [
            {"slug": "monteur", "indicator": "share_women", "value": 0.4, "unit": "share",
             "year": 2025, "source": "Enquête sectorielle", "source_url": "https://example.org/s",
             "override": "true"},
            {"slug": "monteur", "indicator": "average_age", "value": 40.5, "unit": "years",
             "year": 2025, "source": "Enquête sectorielle", "source_url": "https://example.org/a"},
        ],
    )  # fmt: skip
    (raw / "federation").mkdir()
    (raw / "federation" / "emploi.csv").write_bytes(FEDERATION_CSV.encode("latin-1"))
    return raw


def refresh(raw: Path, folder: Path, precedence: int) -> Settings:
    settings = Settings(
        raw_dir=raw,
        marts_dir=folder / "marts",
        sources_file=registry_with_federation(folder, precedence),
    )
    run_refresh(settings)
    return settings


def query(settings: Settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql).pl().to_dicts()


def figures(settings: Settings) -> dict[str, dict]:
    return {row["slug"]: row for row in query(settings, "SELECT * FROM metier_figures")}


@pytest.fixture(scope="module")
def register_first(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return refresh(raw, tmp_path_factory.mktemp("register_first"), precedence=20)


def test_new_source_by_configuration_reaches_the_mart_with_lineage(register_first) -> None:
    electricien = figures(register_first)["electricien"]
    # 2 register records < 10: withheld, so the federation's "1.500" (thousands dot) is published
    assert electricien["headcount"] == 1500.0
    assert electricien["headcount_source"] == "federation"
    assert electricien["headcount_source_files"] == "federation/emploi.csv"
    assert electricien["headcount_period"] == "2025"
    # the federation marks the share of women 'x' (not available); the register's is withheld
    assert electricien["share_women"] is None
    assert electricien["share_women_suppressed"] == "fewer than 10 records"
    registry = query(
        register_first, "SELECT * FROM meta_source_registry WHERE source_id = 'federation'"
    )[0]
    assert registry["citation"] == "Fédération du secteur, emploi par métier"
    assert registry["precedence"] == 20
    card = query(
        register_first,
        "SELECT footnotes FROM metier_cards WHERE slug = 'electricien' AND lang = 'fr'",
    )[0]
    assert (
        "Fédération du secteur, emploi par métier, 2025 (federation/emploi.csv)"
        in (card["footnotes"])
    )


def test_precedence_decides_and_conflicts_are_listed(register_first) -> None:
    monteur = figures(register_first)["monteur"]
    assert monteur["headcount"] == 20.0
    assert monteur["headcount_source"] == "register"
    conflicts = query(register_first, "SELECT * FROM figure_conflicts ORDER BY indicator")
    pairs = {(c["indicator"], c["source_a"], c["source_b"]) for c in conflicts}
    # headcount: |30 - 20| / 30 = 0.33 > 0.20; share of women: the override 0.40 is 0.15 from the
    # register's 0.25 and 0.14 from the federation's 0.26 (> 0.05); register and federation
    # agree within 0.01; average age 40.5 against 40 stays within 2 years
    assert pairs == {
        ("headcount", "federation", "register"),
        ("share_women", "facts", "register"),
        ("share_women", "facts", "federation"),
    }
    headcount = next(c for c in conflicts if c["indicator"] == "headcount")
    assert (headcount["value_a"], headcount["value_b"]) == (30.0, 20.0)
    assert headcount["relative_difference"] == pytest.approx(10 / 30)
    assert headcount["published_source"] == "register"


def test_every_candidate_is_kept(register_first) -> None:
    candidates = query(
        register_first,
        "SELECT source_id, value, published FROM metier_figure_candidates "
        "WHERE slug = 'monteur' AND indicator = 'headcount' ORDER BY source_id",
    )
    assert candidates == [
        {"source_id": "federation", "value": 30.0, "published": False},
        {"source_id": "register", "value": 20.0, "published": True},
    ]
    ages = query(
        register_first,
        "SELECT source_id, value, published FROM metier_figure_candidates "
        "WHERE slug = 'monteur' AND indicator = 'average_age' ORDER BY source_id",
    )
    # the editorial age is not an override: the register's (precedence 10) wins over facts (50)
    assert ages == [
        {"source_id": "facts", "value": 40.5, "published": False},
        {"source_id": "register", "value": 40.0, "published": True},
    ]


def test_editorial_override_wins_and_the_card_says_so(register_first) -> None:
    monteur = figures(register_first)["monteur"]
    assert monteur["share_women"] == pytest.approx(0.4)
    assert monteur["share_women_source"] == "facts"
    assert monteur["share_women_override"] is True
    assert monteur["headcount_override"] is False
    card = query(
        register_first,
        "SELECT share_women, footnotes FROM metier_cards WHERE slug = 'monteur' AND lang = 'fr'",
    )[0]
    assert card["share_women"] == "40%"
    line = next(x for x in card["footnotes"].splitlines() if x.startswith("Proportion de femmes"))
    assert "valeur éditoriale, remplace le calcul" in line


def test_changing_precedence_changes_the_winner(raw: Path, tmp_path: Path) -> None:
    settings = refresh(raw, tmp_path, precedence=5)
    monteur = figures(settings)["monteur"]
    assert monteur["headcount"] == 30.0
    assert monteur["headcount_source"] == "federation"
    headcount = query(settings, "SELECT * FROM figure_conflicts WHERE indicator = 'headcount'")
    assert [row["published_source"] for row in headcount] == ["federation"]
