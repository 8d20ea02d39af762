"""Statbel's REFNIS list in the raw folder gives the names of the register's regions."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import BUNDLED_RAW, SHARED_DIR

from metiers.core.config import Settings
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # a refresh with the real REFNIS file

REFNIS = SHARED_DIR / "data" / "external" / "statbel_REFNIS_2019.csv"


@pytest.mark.skipif(not REFNIS.exists(), reason="../shared/data/external missing")
def test_region_names_from_refnis(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    (raw / "statbel").mkdir()
    shutil.copy(REFNIS, raw / "statbel" / "REFNIS_2019.csv")
    settings = Settings(raw_dir=raw, marts_dir=tmp_path / "marts")
    run_refresh(settings)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        regions = {
            row["nuts2"]: row for row in connection.sql("SELECT * FROM regions").pl().to_dicts()
        }
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
