"""share_aged_50_plus, the figure added through the registry: computed here from the bundled
raw files (weights, the reference year, the métier's code prefix rule of docs/design.md), and
followed to every place the card reaches: metier_figures, its disclosure and reliability,
the JSON card in three languages, the API, the exports and the data dictionary."""

from __future__ import annotations

import csv
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from metiers.api import ApiSettings, create_app
from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT

runner = CliRunner()
MIN_RECORDS = 10  # --min-records' default; sources.toml sets no stricter one
RELIABLE_MIN_RECORDS, RELIABLE_MAX_CV = 30, 0.20  # [disclosure.reliability] of sources.toml
LABELS = {
    "fr": "Part des 50 ans et plus",
    "nl": "Aandeel 50-plussers",
    "en": "Share aged 50 or over",
}


def raw_records() -> list[dict]:
    """Every register record of the raw folder, weight 1.0 where the file has none."""
    records = []
    for path in sorted((BUNDLED_RAW / "register").iterdir()):
        frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
        for row in frame.to_dicts():
            weight = row.get("weight")
            records.append(
                {
                    "year": int(row["year"]),
                    "code": str(row["occupation_code"]),
                    "age": int(row["age"]),
                    "weight": 1.0 if weight is None else float(weight),
                }
            )
    return records


def expected_by_metier() -> dict[str, dict]:
    """Per métier: records of the reference year, the weighted share aged 50+, its CV."""
    records = raw_records()
    year = max(record["year"] for record in records)
    with (BUNDLED_RAW / "metiers" / "metiers.csv").open(encoding="utf-8") as handle:
        catalogue = {row["slug"]: row["esco_code"] for row in csv.DictReader(handle)}
    expected = {}
    for slug, code in catalogue.items():
        mine = [
            record
            for record in records
            if record["year"] == year
            and (record["code"] == code or record["code"].startswith(code + "."))
        ]
        total = sum(record["weight"] for record in mine)
        if not mine:
            expected[slug] = {"records": 0}
            continue
        share = sum(record["weight"] for record in mine if record["age"] >= 50) / total
        # Horvitz-Thompson variance of a ratio, relative to the smaller share
        variance = sum(
            record["weight"] * (record["weight"] - 1) * ((record["age"] >= 50) - share) ** 2
            for record in mine
        )
        se = math.sqrt(variance) / total
        cv = 0.0 if se == 0 else se / min(share, 1 - share)
        weighted = any(record["weight"] != 1 for record in mine)
        low = (weighted and len(mine) < RELIABLE_MIN_RECORDS) or cv > RELIABLE_MAX_CV
        expected[slug] = {
            "records": len(mine),
            "share": share,
            "cv": cv,
            "reliability": "low" if low else "reliable",
        }
    return expected


@pytest.fixture(scope="module")
def expected() -> dict[str, dict]:
    return expected_by_metier()


@pytest.fixture(scope="module")
def mart_rows(bundled_mart: Settings) -> dict[str, dict]:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        rows = connection.sql("SELECT * FROM metier_figures").pl().to_dicts()
    return {row["slug"]: row for row in rows}


def test_computed_from_the_raw_files_for_every_published_metier(expected, mart_rows) -> None:
    published = withheld = 0
    for slug, facts in expected.items():
        row = mart_rows[slug]
        if facts["records"] >= MIN_RECORDS:
            published += 1
            assert row["share_aged_50_plus"] == pytest.approx(facts["share"], abs=1e-12), slug
            assert row["share_aged_50_plus_n_records"] == facts["records"]
            assert row["share_aged_50_plus_cv"] == pytest.approx(facts["cv"], abs=1e-12), slug
            assert row["share_aged_50_plus_reliability"] == facts["reliability"], slug
            assert row["share_aged_50_plus_source"] == "register"
            assert row["share_aged_50_plus_period"] == str(row["reference_year"])
            assert row["share_aged_50_plus_suppressed"] is None
        else:
            withheld += 1
            assert row["share_aged_50_plus"] is None, slug
            assert row["share_aged_50_plus_n_records"] is None
            assert row["share_aged_50_plus_cv"] is None
    assert published >= 30 and withheld >= 1, (published, withheld)
    assert any(0 < facts.get("share", 0) < 1 for facts in expected.values())


def test_withheld_exactly_where_share_women_is(expected, mart_rows) -> None:
    for slug in expected:
        row = mart_rows[slug]
        assert (row["share_aged_50_plus"] is None) == (row["share_women"] is None), slug
        assert row["share_aged_50_plus_suppressed"] == row["share_women_suppressed"], slug
    small = [slug for slug, facts in expected.items() if 0 < facts["records"] < MIN_RECORDS]
    assert small
    for slug in small:
        assert mart_rows[slug]["share_aged_50_plus_suppressed"] == "fewer than 10 records"


def card_json(settings: Settings, slug: str, lang: str) -> dict:
    result = runner.invoke(
        app,
        ["figures", slug, "--format", "json", "--lang", lang,
         "--marts-dir", str(settings.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def published_slug(expected: dict) -> str:
    return next(slug for slug, facts in expected.items() if facts["records"] >= 100)


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_in_the_json_card_in_each_language(bundled_mart, expected, lang) -> None:
    slug = published_slug(expected)
    document = card_json(bundled_mart, slug, lang)
    entry = next(e for e in document["figures"] if e["indicator"] == "share_aged_50_plus")
    share = expected[slug]["share"]
    assert entry["value"] == pytest.approx(share, abs=1e-12)
    whole = Decimal(repr(share)) * 100
    assert entry["display"] == f"{whole.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"
    assert entry["label"] == LABELS[lang]
    assert entry["unit"] == "fraction"
    assert entry["source"] == "register"


def test_not_in_the_text_card(bundled_mart, expected) -> None:
    """The text card is the site's box and salary lines: the figure is data only there."""
    slug = published_slug(expected)
    for lang, label in LABELS.items():
        result = runner.invoke(
            app, ["figures", slug, "--lang", lang, "--marts-dir", str(bundled_mart.marts_dir)]
        )
        assert result.exit_code == 0
        assert label not in result.output


def test_in_the_api_card(bundled_mart, expected) -> None:
    slug = published_slug(expected)
    client = TestClient(create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)))
    response = client.get(f"/metiers/{slug}", params={"lang": "nl"})
    assert response.status_code == 200
    entry = next(e for e in response.json()["figures"] if e["indicator"] == "share_aged_50_plus")
    assert entry["value"] == pytest.approx(expected[slug]["share"], abs=1e-12)
    assert entry["label"] == LABELS["nl"]


def test_in_the_exports(bundled_mart, expected, tmp_path: Path) -> None:
    slug = published_slug(expected)
    for fmt in ("json", "csv"):
        result = runner.invoke(
            app,
            ["export", "--format", fmt, "--out", str(tmp_path / fmt),
             "--marts-dir", str(bundled_mart.marts_dir)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "json" / "metiers" / f"{slug}.json").read_text("utf-8"))
    for lang in ("fr", "nl", "en"):
        figures = {e["indicator"]: e for e in document["cards"][lang]["figures"]}
        assert figures["share_aged_50_plus"]["value"] == pytest.approx(expected[slug]["share"])
    with (tmp_path / "csv" / "cards.csv").open(encoding="utf-8-sig") as handle:
        rows = [row for row in csv.DictReader(handle) if row["slug"] == slug]
    assert len(rows) == 3
    for row in rows:
        assert float(row["value_share_aged_50_plus"]) == pytest.approx(expected[slug]["share"])
        assert row["share_aged_50_plus"].endswith("%")


def test_in_the_data_dictionary() -> None:
    text = (PROJECT_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    sections = {block.split("\n", 1)[0]: block for block in text.split("\n## ")[1:]}
    for table, column in (
        ("metier_figures", "share_aged_50_plus"),
        ("metier_figures", "share_aged_50_plus_suppressed"),
        ("metier_figures", "share_aged_50_plus_reliability"),
        ("metier_cards", "share_aged_50_plus"),
    ):
        assert f"| `{column}` |" in sections[table], (table, column)
