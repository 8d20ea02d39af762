"""The Prefect flow `refresh` publishes what the plain stages publish, and fails the same way."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from rawdata import person, write_catalogue, write_register

from metiers.config import Settings
from metiers.errors import DataRejected
from metiers.pipeline import run_refresh


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def other_raw_folder(raw: Path) -> None:
    """A catalogue and register unlike the bundled sample: two métiers, four years."""
    write_catalogue(
        raw,
        [
            {"slug": "boulanger", "title_fr": "Boulanger", "title_nl": "Bakker",
             "title_en": "Baker", "esco_code": "7512", "training_years_min": 1,
             "training_years_max": 3, "training_plus_experience": "false"},
            {"slug": "patissier", "title_fr": "Pâtissier", "title_nl": "Banketbakker",
             "title_en": "Pastry cook", "esco_code": "7512.3", "training_years_min": 2,
             "training_years_max": 2, "training_plus_experience": "true"},
        ],
    )  # fmt: skip
    for year in range(2022, 2026):
        rows = [
            person(year, f"P{index}", "7512.3" if index < 12 else "7512.1", age=20 + index)
            for index in range(12 + 3 * (year - 2022))
        ]
        write_register(raw, year, rows, "csv" if year % 2 else "parquet")


def figures(marts: Path) -> list[tuple]:
    with duckdb.connect(str(marts / "metiers.duckdb"), read_only=True) as connection:
        return connection.execute(
            "SELECT slug, headcount, growth_rate, average_age FROM metier_figures ORDER BY slug"
        ).fetchall()


def test_flow_publishes_the_same_figures_as_the_plain_stages(
    prefect_harness, tmp_path: Path
) -> None:
    from flows.refresh import refresh

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    publication = refresh(raw_dir=str(raw), marts_dir=str(tmp_path / "flow"))
    run_refresh(Settings(raw_dir=raw, marts_dir=tmp_path / "plain"))
    assert Path(publication.path) == tmp_path / "flow" / "metiers.duckdb"
    got = figures(tmp_path / "flow")
    assert got == figures(tmp_path / "plain")
    # boulanger (7512) holds all 21 persons of 2025; patissier (7512.3) the first 12
    assert [(slug, headcount) for slug, headcount, _g, _a in got] == [
        ("boulanger", 21.0),
        ("patissier", 12.0),
    ]
    # patissier: 12 persons every year -> no growth; ages 20..31 -> mean 25.5
    assert got[1][2] == pytest.approx(0.0)
    assert got[1][3] == pytest.approx(25.5)


def test_flow_reports_rejected_data(prefect_harness, tmp_path: Path) -> None:
    from flows.refresh import refresh

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    write_register(raw, 2025, [person(2025, "P1", "7512", sex="X")], "parquet")
    with pytest.raises(DataRejected) as rejected:
        refresh(raw_dir=str(raw), marts_dir=str(tmp_path / "marts"))
    assert "'sex'" in str(rejected.value)
    assert not (tmp_path / "marts" / "metiers.duckdb").exists()
