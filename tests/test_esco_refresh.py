"""ESCO's own files in the raw folder: published labels, release differences, catalogue
checks and search in three languages. The files are read from ../shared, never committed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW, SHARED_DIR

from metiers.core.config import Settings
from metiers.core.errors import DataRejected
from metiers.present import mart
from metiers.refresh.pipeline import run_refresh

EXTERNAL = SHARED_DIR / "data" / "external"
# ESCO's download names, as a user places them, and the shared copies they come from.
ESCO_FILES = {
    "occupations_fr.csv": "esco_v1.2.1_occupations_fr.csv",
    "occupations_nl.csv": "esco_v1.2.0_occupations_nl.csv",
    "occupations_en.csv": "esco_v1.2.0_occupations_en.csv",
    "ISCOGroups_fr.csv": "esco_v1.2.1_ISCOGroups_fr.csv",
    "ISCOGroups_nl.csv": "esco_v1.2.0_ISCOGroups_nl.csv",
}
DIFFERING_URI = "http://data.europa.eu/esco/occupation/8d463763-5d38-4f47-903c-1c4df32141c1"
SEED_SLUG = "directeur-directrice-de-postproduction"

pytestmark = [
    pytest.mark.skipif(not EXTERNAL.is_dir(), reason="../shared/data/external missing"),
    pytest.mark.slow,  # refreshes with the real ESCO files
]


def raw_with_esco(folder: Path) -> Path:
    raw = folder / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "esco").mkdir()
    for name, shared in ESCO_FILES.items():
        shutil.copy(EXTERNAL / shared, raw / "esco" / name)
    return raw


@pytest.fixture(scope="module")
def esco_mart(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("esco")
    raw = raw_with_esco(root)
    # The catalogue leaves the Dutch title of the seed métier empty: ESCO fills it.
    catalogue_path = raw / "metiers" / "metiers.csv"
    catalogue = pl.read_csv(catalogue_path, infer_schema=False)
    catalogue = catalogue.with_columns(
        title_nl=pl.when(pl.col("slug") == SEED_SLUG).then(None).otherwise(pl.col("title_nl"))
    )
    catalogue.write_csv(catalogue_path)
    settings = Settings(raw_dir=raw, marts_dir=root / "marts")
    run_refresh(settings)
    return settings


def rows(settings: Settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql).pl().to_dicts()


def test_one_row_per_uri_with_labels_in_three_languages(esco_mart: Settings) -> None:
    # FR holds 3,043 records of which 4 are older duplicates; NL and EN hold the same 3,039 URIs
    counts = rows(
        esco_mart,
        "SELECT count(*) AS n, count(DISTINCT concept_uri) AS uris,"
        " count(preferred_label_fr) AS fr, count(preferred_label_nl) AS nl,"
        " count(preferred_label_en) AS en FROM esco_occupations",
    )[0]
    assert counts == {"n": 3039, "uris": 3039, "fr": 3039, "nl": 3039, "en": 3039}
    seed = rows(esco_mart, "SELECT * FROM esco_occupations WHERE code = '2654.2'")[0]
    assert seed["preferred_label_fr"] == "chargé de postproduction/chargée de postproduction"
    assert seed["label_feminine_fr"] == "chargée de postproduction"
    assert seed["preferred_label_nl"] == "postproductieverantwoordelijke"
    assert seed["preferred_label_en"] == "post-production supervisor"
    assert seed["isco_group"] == "2654"


def test_the_one_isco_difference_between_releases_is_reported(esco_mart: Settings) -> None:
    differences = rows(
        esco_mart, "SELECT concept_uri, lang, isco_group FROM esco_release_differences"
    )
    assert {row["concept_uri"] for row in differences} == {DIFFERING_URI}
    by_lang = {row["lang"]: row["isco_group"] for row in differences}
    # README of the shared files: 2164 in FR v1.2.1, 2421 in NL v1.2.0 (EN v1.2.0 agrees with NL)
    assert by_lang == {"fr": "2164", "nl": "2421", "en": "2421"}


def test_missing_catalogue_title_is_filled_from_esco(esco_mart: Settings) -> None:
    seed = rows(
        esco_mart, f"SELECT title_nl, title_fr FROM metier_figures WHERE slug = '{SEED_SLUG}'"
    )
    assert seed == [
        {"title_nl": "postproductieverantwoordelijke",
         "title_fr": "Directeur / Directrice de postproduction"}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "slug"),
    [
        ("monteuse", "fr", "monteur-monteuse-video"),
        ("MONTEUSE AUDIOVISUELLE", "fr", "monteur-monteuse-video"),
        ("chargee de postproduction", "fr", SEED_SLUG),
        ("postproductieverantwoordelijke", "nl", SEED_SLUG),
        ("post-production supervisor", "en", SEED_SLUG),
        ("film editor", "en", "monteur-monteuse-video"),
    ],
)
def test_search_by_esco_label_ignores_case_and_accents(
    esco_mart: Settings, text: str, lang: str, slug: str
) -> None:
    with mart.connect_published(esco_mart.marts_dir) as connection:
        found = mart.search(connection, text, lang)
    assert found, text
    assert found[0]["slug"] == slug


def test_search_in_another_language_does_not_match(esco_mart: Settings) -> None:
    with mart.connect_published(esco_mart.marts_dir) as connection:
        assert mart.search(connection, "postproductieverantwoordelijke", "fr") == []


def test_unknown_catalogue_code_is_rejected(esco_mart: Settings, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(esco_mart.raw_dir, raw)
    catalogue_path = raw / "metiers" / "metiers.csv"
    catalogue = pl.read_csv(catalogue_path, infer_schema=False)
    catalogue = catalogue.with_columns(
        esco_code=pl.when(pl.col("slug") == SEED_SLUG)
        .then(pl.lit("2654.99"))
        .otherwise(pl.col("esco_code"))
    )
    catalogue.write_csv(catalogue_path)
    with pytest.raises(DataRejected) as rejected:
        run_refresh(Settings(raw_dir=raw, marts_dir=tmp_path / "marts"))
    message = str(rejected.value)
    assert "metiers/metiers.csv" in message and "'esco_code'" in message
    assert "'2654.99'" in message and "code exists in ESCO" in message
    reports = list((tmp_path / "quarantine").glob("*/metiers/metiers.csv.json"))
    assert len(reports) == 1
    assert not (tmp_path / "marts" / "metiers.duckdb").exists()
