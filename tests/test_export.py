"""`metiers export`: one JSON per métier plus an index with the version, one CSV of all cards
(UTF-8 with BOM, ';' with decimal commas for Belgian spreadsheets), Parquet of every table."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW
from deliverytools import SEED_SLUG
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings

runner = CliRunner()


def catalogue_slugs() -> set[str]:
    with (BUNDLED_RAW / "metiers" / "metiers.csv").open(encoding="utf-8") as handle:
        return {row["slug"] for row in csv.DictReader(handle)}


def export(bundled_mart: Settings, out: Path, *options: str) -> None:
    result = runner.invoke(
        app, ["export", *options, "--out", str(out), "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 0, result.output


def published(bundled_mart: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_json_one_file_per_metier_and_an_index(bundled_mart: Settings, tmp_path: Path) -> None:
    before = hashlib.sha256(bundled_mart.published_path.read_bytes()).hexdigest()
    export(bundled_mart, tmp_path, "--format", "json")
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert index["version"] == published(bundled_mart, "SELECT version FROM meta_publication")[0][0]
    assert {row["slug"] for row in index["metiers"]} == catalogue_slugs()
    assert len(list((tmp_path / "metiers").glob("*.json"))) == len(catalogue_slugs())
    seed = json.loads((tmp_path / "metiers" / f"{SEED_SLUG}.json").read_text(encoding="utf-8"))
    assert seed["version"] == index["version"]
    assert set(seed["cards"]) == {"fr", "nl", "en"}
    entry = {e["indicator"]: e for e in seed["cards"]["nl"]["figures"]}["salary_entry"]
    assert entry["display"] == "€ 2.800"
    assert entry["unit"] == "eur_per_month"
    assert entry["source"] == "register"
    assert entry["period"] == "2023-2025"
    assert 2750 <= entry["value"] < 2850
    # The export only reads the published file.
    assert hashlib.sha256(bundled_mart.published_path.read_bytes()).hexdigest() == before


def test_csv_of_all_cards_with_bom_and_safe_cells(bundled_mart: Settings, tmp_path: Path) -> None:
    export(bundled_mart, tmp_path, "--format", "csv")
    raw = (tmp_path / "cards.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 3 * len(catalogue_slugs())
    seed = {row["lang"]: row for row in rows if row["slug"] == SEED_SLUG}
    assert seed["fr"]["salary_entry"] == "2.800€"
    assert seed["en"]["average_age"] == "42 years"
    # '+5%' would be a formula in a spreadsheet: written as text.
    assert seed["fr"]["growth"] == "'+5%"
    assert float(seed["fr"]["value_share_women"]) == pytest.approx(0.35, abs=0.005)
    assert {row["version"] for row in rows} == {
        published(bundled_mart, "SELECT version FROM meta_publication")[0][0]
    }


def test_csv_for_belgian_spreadsheets(bundled_mart: Settings, tmp_path: Path) -> None:
    export(bundled_mart, tmp_path, "--format", "csv", "--separator", ";")
    text = (tmp_path / "cards.csv").read_bytes().decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("version;slug;lang;title;")
    rows = list(csv.DictReader(text.splitlines(), delimiter=";"))
    seed = next(row for row in rows if row["slug"] == SEED_SLUG and row["lang"] == "nl")
    # Decimal commas, as a spreadsheet set to fr-BE or nl-BE reads numbers.
    share = seed["value_share_women"]
    assert "," in share and "." not in share
    assert float(share.replace(",", ".")) == pytest.approx(0.35, abs=0.005)
    assert seed["salary_entry"] == "€ 2.800"  # display strings keep their own marks


def test_bad_separator_is_a_usage_error(bundled_mart: Settings, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "--format", "csv", "--separator", "|", "--out", str(tmp_path),
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "separator" in result.output


def test_parquet_of_every_mart_table(bundled_mart: Settings, tmp_path: Path) -> None:
    export(bundled_mart, tmp_path, "--format", "parquet")
    tables = {
        row[0]
        for row in published(bundled_mart, "SELECT table_name FROM information_schema.tables")
    }
    assert {path.stem for path in tmp_path.glob("*.parquet")} == tables
    for table in ("metier_figures", "metier_regions", "metier_trend", "meta_publication"):
        count = published(bundled_mart, f"SELECT count(*) FROM {table}")[0][0]
        assert pl.read_parquet(tmp_path / f"{table}.parquet").height == count
    trend = pl.read_parquet(tmp_path / "metier_trend.parquet").filter(pl.col("slug") == SEED_SLUG)
    assert trend.filter(pl.col("year") == 2025)["headcount"].item() == 200


def test_export_without_a_published_mart_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "--format", "json", "--out", str(tmp_path / "out"),
         "--marts-dir", str(tmp_path / "none")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "metiers refresh" in result.output
