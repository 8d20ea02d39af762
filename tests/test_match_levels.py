"""Published tables keyed by ISCO-08 groups or another classification reach the card: match
levels, crosswalk allocation and lag, end to end through one refresh.

Expected values are computed here from the written files with `csv`, not by the build."""

from __future__ import annotations

import csv
import io
import json
from html import unescape

import duckdb
import pytest
from rawdata import person, write_catalogue, write_register
from typer.testing import CliRunner

from metiers.api.models import CardDocument
from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.paths import DEFAULT_SOURCES_FILE
from metiers.present import page
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # one refresh

REFERENCE_YEAR = 2025  # the latest register year written below
LAG = 2  # the default max_lag_years

SOURCES = """
[sources.lfs_isco]
description = "A labour force table by ISCO-08 group, one or two years behind the register"
adapter = "aggregate"
role = "aggregate"
patterns = ["*.csv"]
required = false
feeds = ["headcount", "share_women"]
precedence = 20
citation = "Enquête sur les forces de travail (tableau)"
classification = "isco08"

[sources.lfs_isco.options]
separator = ";"
decimal = ","
thousands = ""
keys = ["occupation_code", "year"]

[sources.lfs_isco.options.columns]
"ISCO" = "occupation_code"
"Année" = "year"
"Emploi" = "headcount"
"Part des femmes" = "share_women"

[sources.soc_isco]
description = "SOC to ISCO-08, many-to-many"
adapter = "crosswalk"
role = "crosswalk"
patterns = ["*.csv"]
required = false

[sources.soc_isco.options]
target = "isco08"

[sources.soc_isco.options.columns]
soc = "source_code"
isco = "target_code"

[sources.soc_table]
description = "A table keyed by SOC codes"
adapter = "aggregate"
role = "aggregate"
patterns = ["*.csv"]
required = false
feeds = ["headcount", "average_age"]
precedence = 30
classification = "soc_isco"

[sources.soc_table.options]
keys = ["occupation_code"]
defaults = { year = 2024 }

[sources.soc_table.options.columns]
"SOC" = "occupation_code"
"Employment" = "headcount"
"Mean age" = "average_age"
"""

# ISCO-08 table: 7411 (electricians) in 2024 and in 2022 (3 years before 2025: out of range),
# its sub-major group 74, unit group 2654 and sub-major group 26 in 2023, 2654 also in 2021.
LFS_CSV = (
    "ISCO;Année;Emploi;Part des femmes\n"
    "7411;2024;1500;0,1\n"
    "7411;2022;9999;0,9\n"
    "74;2024;52000;0,05\n"
    "2654;2023;3100;0,45\n"
    "2654;2021;2800;0,4\n"
    "26;2023;150000;0,5\n"
)
# 27-2012 maps to two ISCO unit groups: its value splits in halves.
CROSSWALK_CSV = "soc,isco\n27-1011,2654\n27-2012,2654\n27-2012,2655\n27-4032,2654\n"
SOC_CSV = (
    "SOC,Employment,Mean age\n27-1011,510,44\n27-2012,1544,40\n27-4032,292,36\n11-9999,77,50\n"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("match_levels")
    raw = folder / "raw"
    write_catalogue(
        raw,
        [
            {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur",
             "title_en": "Editor", "esco_code": "2654.2", "training_years_min": 3,
             "training_years_max": 3},
            {"slug": "electricien", "title_fr": "Électricien", "title_nl": "Elektricien",
             "title_en": "Electrician", "esco_code": "7411.1", "training_years_min": 2,
             "training_years_max": 3},
            {"slug": "postprod", "title_fr": "Directeur de postproduction",
             "title_nl": "Postproductieleider", "title_en": "Post-production manager",
             "esco_code": "2654.1", "training_years_min": 3, "training_years_max": 5},
        ],
    )  # fmt: skip
    for year in range(2022, REFERENCE_YEAR + 1):
        rows = [person(year, f"M{index}", "2654.2") for index in range(20)]
        rows += [person(year, f"E{index}", "7411.1") for index in range(2)]  # too few: withheld
        write_register(raw, year, rows)
    for folder_name, name, text in (
        ("lfs_isco", "lfs.csv", LFS_CSV),
        ("soc_isco", "soc_isco.csv", CROSSWALK_CSV),
        ("soc_table", "soc.csv", SOC_CSV),
    ):
        (raw / folder_name).mkdir()
        (raw / folder_name / name).write_text(text, encoding="utf-8")
    registry = folder / "sources.toml"
    registry.write_text(
        DEFAULT_SOURCES_FILE.read_text(encoding="utf-8") + SOURCES, encoding="utf-8"
    )
    settings = Settings(raw_dir=raw, marts_dir=folder / "marts", sources_file=registry)
    run_refresh(settings)
    return settings


def query(settings: Settings, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql, params=params).pl().to_dicts()


def figures(settings: Settings, slug: str) -> dict:
    return query(settings, "SELECT * FROM metier_figures WHERE slug = ?", [slug])[0]


def latest_in_range(text: str, code: str, column: str) -> tuple[float, int]:
    """The value of `code` in its latest year within the lag, read from the file by hand."""
    rows = [
        row
        for row in csv.DictReader(io.StringIO(text), delimiter=";")
        if row["ISCO"] == code and REFERENCE_YEAR - LAG <= int(row["Année"]) <= REFERENCE_YEAR
    ]
    latest = max(rows, key=lambda row: int(row["Année"]))
    return float(latest[column].replace(",", ".")), int(latest["Année"])


def test_an_isco4_table_stands_in_for_a_withheld_register_figure(built: Settings) -> None:
    headcount, year = latest_in_range(LFS_CSV, "7411", "Emploi")
    share, _ = latest_in_range(LFS_CSV, "7411", "Part des femmes")
    assert (headcount, year, share) == (1500.0, 2024, 0.1)  # the 2022 row is out of range
    electricien = figures(built, "electricien")
    assert electricien["headcount"] == headcount
    assert electricien["headcount_source"] == "lfs_isco"
    assert electricien["headcount_match_level"] == "isco4"
    assert electricien["headcount_match_group"] == "7411"
    assert electricien["headcount_period"] == str(year)
    assert electricien["share_women"] == pytest.approx(share)
    assert electricien["share_women_match_group"] == "7411"
    # the register's own figure keeps its exact match and no group
    monteur = figures(built, "monteur")
    assert (monteur["headcount"], monteur["headcount_source"]) == (20.0, "register")
    assert monteur["headcount_match_level"] == "exact"
    assert monteur["headcount_match_group"] is None


def test_the_card_says_group_and_period_in_every_language(built: Settings) -> None:
    cards = {
        row["lang"]: row
        for row in query(built, "SELECT * FROM metier_cards WHERE slug = 'electricien'")
    }
    expected = {"fr": "groupe CITP 7411", "nl": "ISCO-groep 7411", "en": "ISCO group 7411"}
    for lang, group in expected.items():
        assert cards[lang]["headcount"].endswith(f"({group}, 2024)"), cards[lang]["headcount"]
        assert f"{group}, 2024" in cards[lang]["footnotes"]
    runner = CliRunner()
    for lang, group in expected.items():
        args = ["figures", "electricien", "--marts-dir", str(built.marts_dir), "--lang", lang]
        text = runner.invoke(app, args)
        assert text.exit_code == 0, text.output
        assert f"({group}, 2024)" in text.output
        result = runner.invoke(app, [*args, "--format", "json"])
        assert result.exit_code == 0, result.output
        document = CardDocument.model_validate(json.loads(result.output))
        entry = next(item for item in document.figures if item.indicator == "headcount")
        assert (entry.match_level, entry.match_group, entry.period) == ("isco4", "7411", "2024")
        assert entry.match_note == group
        assert entry.value == 1500.0
    with duckdb.connect(str(built.published_path), read_only=True) as connection:
        for lang, group in expected.items():
            html = unescape(page.render(connection, "electricien", lang))
            assert f"({group}, 2024)" in html


def test_a_finer_group_wins_and_every_level_is_a_candidate(built: Settings) -> None:
    headcount, year = latest_in_range(LFS_CSV, "2654", "Emploi")
    coarse, _ = latest_in_range(LFS_CSV, "26", "Emploi")
    postprod = figures(built, "postprod")
    assert (postprod["headcount_match_level"], postprod["headcount_match_group"]) == (
        "isco4",
        "2654",
    )
    assert postprod["headcount_period"] == str(year) == "2023"
    candidates = query(
        built,
        "SELECT match_level, match_group, value, period, published FROM "
        "metier_figure_candidates WHERE slug = 'postprod' AND indicator = 'headcount' "
        "AND source_id = 'lfs_isco' ORDER BY match_group DESC",
    )
    # 2654 in 2021 is older than the 2023 row: the latest period of the source wins
    assert candidates == [
        {"match_level": "isco4", "match_group": "2654", "value": headcount, "period": "2023",
         "published": True},
        {"match_level": "isco2", "match_group": "26", "value": coarse, "period": "2023",
         "published": False},
    ]  # fmt: skip


def test_a_crosswalk_allocates_by_weight_and_sums_back(built: Settings) -> None:
    mapping = list(csv.DictReader(io.StringIO(CROSSWALK_CSV)))
    targets: dict[str, list[str]] = {}
    for row in mapping:
        targets.setdefault(row["soc"], []).append(row["isco"])
    table = {row["SOC"]: row for row in csv.DictReader(io.StringIO(SOC_CSV))}
    share_2654 = sum(
        float(table[soc]["Employment"]) / len(isco)
        for soc, isco in targets.items()
        if "2654" in isco
    )
    assert share_2654 == 510 + 1544 / 2 + 292
    candidates = query(
        built,
        "SELECT slug, match_level, match_group, value, period FROM metier_figure_candidates "
        "WHERE source_id = 'soc_table' AND indicator = 'headcount' ORDER BY slug",
    )
    # both 2654.x métiers get the unit group's allocated value; the register wins for monteur
    assert candidates == [
        {"slug": slug, "match_level": "isco4", "match_group": "2654", "value": share_2654,
         "period": "2024"}
        for slug in ("monteur", "postprod")
    ]  # fmt: skip
    # a mean is weight-averaged over the SOC codes mapped to the group: (44 + 40/2 + 36) / 2.5
    ages = query(
        built,
        "SELECT value FROM metier_figure_candidates WHERE source_id = 'soc_table' "
        "AND indicator = 'average_age' AND slug = 'postprod'",
    )
    assert ages[0]["value"] == pytest.approx((44 + 40 * 0.5 + 36) / 2.5)
    # postprod has no register records and lfs_isco (precedence 20) wins over soc_table (30)
    assert figures(built, "postprod")["headcount_source"] == "lfs_isco"
