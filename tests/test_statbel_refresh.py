"""Statbel's REFNIS list in the raw folder gives the names of the register's regions."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW, SHARED_DIR

from metiers.core.config import Settings
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # a refresh with the real REFNIS file

REFNIS = SHARED_DIR / "data" / "external" / "statbel_REFNIS_2019.csv"
TU_COM = SHARED_DIR / "data" / "external" / "statbel_TU_COM_REFNIS.txt"
NUTS2 = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]


@pytest.mark.skipif(not REFNIS.exists(), reason="../shared/data/external missing")
def test_region_names_from_refnis(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "statbel").mkdir()
    shutil.copy(REFNIS, raw / "statbel" / "REFNIS_2019.csv")
    settings = Settings(raw_dir=raw, marts_dir=tmp_path / "marts")
    run_refresh(settings)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        every = connection.sql("SELECT * FROM regions").pl()
    regions = {row["nuts2"]: row for row in every.filter(pl.col("nuts_level") == 2).to_dicts()}
    assert sorted(regions) == [
        "BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35",
    ]  # fmt: skip
    # Lines of the Latin-1 file (iconv -f latin1): "60000;Province de Liège;;60000;Provincie
    # Luik;", "20002;Province du Brabant Wallon;...;Provincie Waals-Brabant", and
    # "04000;RÉGION DE BRUXELLES-CAPITALE;;04000;BRUSSELS HOOFDSTEDELIJK GEWEST"
    assert (regions["BE33"]["name_fr"], regions["BE33"]["name_nl"]) == (
        "Province de Liège",
        "Provincie Luik",
    )
    assert regions["BE33"]["short_name_fr"] == "Liège"
    assert regions["BE31"]["refnis_code"] == "20002"
    assert regions["BE31"]["short_name_nl"] == "Waals-Brabant"
    assert regions["BE10"]["name_fr"] == "RÉGION DE BRUXELLES-CAPITALE"
    assert regions["BE10"]["source_file"] == "statbel/REFNIS_2019.csv"
    # The three NUTS-1 regions follow, from the region rows of the list.
    nuts1 = every.filter(pl.col("nuts_level") == 1)
    assert nuts1.select("nuts", "refnis_code", "nuts2").rows() == [
        ("BE1", "04000", None),
        ("BE2", "02000", None),
        ("BE3", "03000", None),
    ]
    assert every.height == 14


@pytest.mark.skipif(not TU_COM.exists(), reason="../shared/data/external missing")
def test_region_names_from_the_current_refnis_file(tmp_path: Path) -> None:
    """Statbel's current distribution, as downloaded, fills the same mart (with German
    names); its 2,769 versions of units are reduced to the 637 still valid."""
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "statbel").mkdir()
    shutil.copy(TU_COM, raw / "statbel" / "TU_COM_REFNIS.txt")
    settings = Settings(raw_dir=raw, marts_dir=tmp_path / "marts")
    run_refresh(settings)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        every = connection.sql("SELECT * FROM regions").pl()
        staged_rows = connection.sql(
            "SELECT rows, status FROM meta_sources WHERE source = 'statbel_refnis'"
        ).fetchall()
    assert staged_rows == [(637, "validated")]
    nuts2 = every.filter(pl.col("nuts_level") == 2)
    assert sorted(nuts2["nuts2"]) == NUTS2
    # Line 7: `2|20001|02000|Provinz Flämisch-Brabant|Province du Brabant flamand|
    # Provincie Vlaams-Brabant|01/01/1995|31/12/9999`.
    brabant = nuts2.filter(pl.col("nuts2") == "BE24").row(0, named=True)
    assert (brabant["refnis_code"], brabant["nuts1"]) == ("20001", "BE2")
    assert (brabant["name_fr"], brabant["name_nl"], brabant["name_de"]) == (
        "Province du Brabant flamand",
        "Provincie Vlaams-Brabant",
        "Provinz Flämisch-Brabant",
    )
    assert (brabant["short_name_fr"], brabant["short_name_de"]) == (
        "Brabant flamand",
        "Flämisch-Brabant",
    )
    assert brabant["source_file"] == "statbel/TU_COM_REFNIS.txt"
    nuts1 = every.filter(pl.col("nuts_level") == 1)
    # Lines 2-4: `1|02000|-|Flämische Region|Région flamande|Vlaams Gewest|...`,
    # `1|03000|-|Wallonische Region|Région wallonne|Waals Gewest|...`,
    # `1|04000|-|Region Brüssel-Hauptstadt|Région de Bruxelles-Capitale|Brussels ...`.
    assert nuts1.select("nuts", "name_fr", "name_de").rows() == [
        ("BE1", "Région de Bruxelles-Capitale", "Region Brüssel-Hauptstadt"),
        ("BE2", "Région flamande", "Flämische Region"),
        ("BE3", "Région wallonne", "Wallonische Region"),
    ]
