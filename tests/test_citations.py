"""Citations per language: a source's `citations` table, the card (text, JSON, API), and the
bundled sample, which cites itself as sample data and never a real publisher."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from pathlib import Path

import duckdb
import pytest
from conftest import BUNDLED_RAW
from deliverytools import copy_published
from fastapi.testclient import TestClient

from metiers.api import ApiSettings, create_app
from metiers.core.config import Settings
from metiers.core.paths import DEFAULT_SOURCES_FILE
from metiers.core.source_registry import RegistryError, parse_registry
from metiers.methodology import cards
from metiers.present import mart
from metiers.present.export import export_json

SEED_SLUG = "directeur-directrice-de-postproduction"
SAMPLE_WORDS = {
    "fr": "données d'exemple (synthétiques)",
    "nl": "voorbeeldgegevens (synthetisch)",
    "en": "sample data (synthetic)",
}
# Publishers the sample used to cite for invented numbers (bench/generate_sample.py before
# issue 15), and Eurostat, whose name its synthetic table carried.
REAL_PUBLISHERS = (
    "eurostat", "mediarte", "agoria", "screen.brussels", "spf finances", "wallimage",
    "chambre belge des traducteurs", "itaa", "actiris", "vdab", "forem", "statbel",
    "brussels airlines", "http://", "https://",
)  # fmt: skip

# A footnote ends with the raw files it comes from, "(eurostat_sample/lfsa_egai2d_be.tsv)": a
# location in the raw folder, not a citation, so it is left out of the publisher check.
RAW_FILES = re.compile(r"\([^()]*\.(?:tsv|csv|parquet|xlsx)[^()]*\)")


def named_publishers(text: str) -> list[str]:
    """Real publishers named in a card text, its raw file names aside."""
    cited = RAW_FILES.sub("", text).lower()
    return [name for name in REAL_PUBLISHERS if name in cited]


SOURCE = """
[sources.survey]
adapter = "tabular"
role = "facts"
patterns = ["*.csv"]
citation = "Enquête sectorielle"
"""


def test_citations_per_language_are_read_with_the_one_citation_as_fallback() -> None:
    spec = parse_registry(
        tomllib.loads(SOURCE + 'citations = { nl = "Sectorenquête", en = "Sector survey" }\n')
    )["survey"]
    assert spec.citations == {"nl": "Sectorenquête", "en": "Sector survey"}
    assert spec.citation_in("nl") == "Sectorenquête"
    assert spec.citation_in("en") == "Sector survey"
    assert spec.citation_in("fr") == "Enquête sectorielle"  # not declared: the fallback
    # a registry without `citations` keeps today's one citation in every language
    plain = parse_registry(tomllib.loads(SOURCE))["survey"]
    assert plain.citations == {}
    assert {plain.citation_in(lang) for lang in SAMPLE_WORDS} == {"Enquête sectorielle"}


def test_a_citation_in_an_unknown_language_names_the_source_and_key() -> None:
    with pytest.raises(RegistryError) as error:
        parse_registry(tomllib.loads(SOURCE + 'citations = { de = "Branchenumfrage" }\n'))
    message = str(error.value)
    assert "survey" in message and "citations" in message and "de" in message


def test_the_card_names_a_source_in_its_language() -> None:
    registry_rows = [
        {"source_id": "survey", "citation": "Enquête sectorielle", "citation_nl": "Sectorenquête"},
        # a file built before citations per language: only `citation`
        {"source_id": "old", "citation": "Ancienne source"},
        # a built-in source with a declared citation: the declaration wins over the default
        {"source_id": "register", "citation": "Registre", "citation_en": "Job register"},
    ]
    citations = cards.citations_by_source(registry_rows)
    assert cards.source_name("survey", "nl", citations) == "Sectorenquête"
    assert cards.source_name("survey", "en", citations) == "Enquête sectorielle"
    assert cards.source_name("old", "nl", citations) == "Ancienne source"
    assert cards.source_name("register", "en", citations) == "Job register"
    # not declared in Dutch: the project's Dutch name, before the one (French) citation
    assert cards.source_name("register", "nl", citations) == "werkgelegenheidsregister"
    assert cards.source_name("unknown", "fr", citations) == "unknown"
    figures = {"headcount_source": "survey", "headcount_period": "2024"}
    nl = cards.footnotes(figures, "nl", source_citations=citations)
    fr = cards.footnotes(figures, "fr", source_citations=citations)
    assert nl == ["Actieve professionals: Sectorenquête, 2024"]
    assert fr == ["Professionnels actifs: Enquête sectorielle, 2024"]


def _facts_row(slug: str, indicator: str) -> dict[str, str]:
    """The sample's facts row, read with the csv module (not the pipeline)."""
    with (BUNDLED_RAW / "facts" / "facts.csv").open(encoding="utf-8", newline="") as handle:
        return next(
            row for row in csv.DictReader(handle)
            if row["slug"] == slug and row["indicator"] == indicator
        )  # fmt: skip


def test_no_card_string_of_the_bundled_sample_names_a_real_publisher(
    bundled_mart: Settings,
) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        cards_rows = connection.sql("SELECT * FROM metier_cards").pl().to_dicts()
        slugs = [row[0] for row in connection.execute("SELECT slug FROM metier_figures").fetchall()]
        documents = [
            mart.card_document(connection, slug, lang) for slug in slugs for lang in SAMPLE_WORDS
        ]
    assert len(cards_rows) == 3 * len(slugs) > 0
    for row in cards_rows:
        for column, text in row.items():
            if isinstance(text, str):
                assert not named_publishers(text), (row["slug"], row["lang"], column, text)
    for document in documents:
        for entry in document["figures"]:
            text = " ".join(str(entry.get(key) or "") for key in ("citation", "citation_url"))
            assert not named_publishers(text), entry
    # the check sees a publisher where there is one: the stock Eurostat citation
    assert named_publishers("Contexte: Eurostat, Enquête (eurostat/x.tsv)") == ["eurostat"]
    # the sample's context table is cited, in each card's language, as sample data
    seed = {row["lang"]: row for row in cards_rows if row["slug"] == SEED_SLUG}
    for lang, words in SAMPLE_WORDS.items():
        assert f"{words}, 2024 (eurostat_sample/lfsa_egai2d_be.tsv)" in seed[lang]["footnotes"]


def test_each_figure_is_cited_in_the_card_language(bundled_mart: Settings) -> None:
    """The freelance rate cites the facts row's source_<lang>, the headcount the register's
    citations.<lang> in sources.toml: both read here from the files, not from the mart."""
    facts = _facts_row(SEED_SLUG, "freelance_rate")
    declared = tomllib.loads(DEFAULT_SOURCES_FILE.read_text(encoding="utf-8"))["sources"]
    register = declared["register"]["citations"]
    sample = declared["eurostat_sample"]["citations"]
    assert {facts[f"source_{lang}"] for lang in SAMPLE_WORDS} == set(SAMPLE_WORDS.values())
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        for lang in SAMPLE_WORDS:
            document = mart.card_document(connection, SEED_SLUG, lang)
            by_figure = {entry["indicator"]: entry for entry in document["figures"]}
            assert by_figure["freelance_rate"]["citation"] == facts[f"source_{lang}"]
            assert by_figure["freelance_rate"]["citation_url"] is None
            assert by_figure["headcount"]["citation"] == register[lang]
            footnotes = "\n".join(document["footnotes"])
            assert f": {facts[f'source_{lang}']}, 2025 (facts/facts.csv)" in footnotes
            assert f"{sample[lang]}, 2024" in footnotes
            assert f": {register[lang]}, 2025" in footnotes
        registry = {
            row[0]: row[1:]
            for row in connection.execute(
                "SELECT source_id, citation, citation_fr, citation_nl, citation_en "
                "FROM meta_source_registry"
            ).fetchall()
        }
    assert registry["eurostat_sample"] == (
        declared["eurostat_sample"]["citation"],
        sample["fr"],
        sample["nl"],
        sample["en"],
    )
    # a source without `citations` records its one citation and no language of its own
    assert registry["statbel_refnis"][1:] == (None, None, None)


def test_the_api_and_the_json_export_cite_in_the_card_language(
    bundled_mart: Settings, tmp_path: Path
) -> None:
    facts = _facts_row(SEED_SLUG, "freelance_rate")
    register = tomllib.loads(DEFAULT_SOURCES_FILE.read_text(encoding="utf-8"))["sources"][
        "register"
    ]["citations"]
    marts = copy_published(bundled_mart, tmp_path / "marts")
    client = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))
    with duckdb.connect(str(marts.published_path), read_only=True) as connection:
        export_json(connection, tmp_path / "export")
    exported = json.loads(
        (tmp_path / "export" / "metiers" / f"{SEED_SLUG}.json").read_text(encoding="utf-8")
    )
    for lang in SAMPLE_WORDS:
        served = client.get(f"/metiers/{SEED_SLUG}", params={"lang": lang}).json()
        for document in (served, exported["cards"][lang]):
            by_figure = {entry["indicator"]: entry for entry in document["figures"]}
            assert by_figure["freelance_rate"]["citation"] == facts[f"source_{lang}"]
            assert by_figure["headcount"]["citation"] == register[lang]
