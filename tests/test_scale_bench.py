"""The scale benchmark's tools at small N: the register generator and the DuckDB baseline.

The generator must be seeded, skewed like a real register and accepted by the pipeline; the
baseline (bench/baseline_duckdb.py, plain SQL written apart from sql/) must give the same
figures as the pipeline, which makes it a second, independent computation of the marts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT
from metiers.core.timing import covered_seconds
from metiers.refresh.pipeline import run_refresh

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

from baseline_duckdb import (
    BaselineRejected,
    comparisons,
    differences,
    run_baseline,
)
from generate_register import REGION_SHARES, generate

pytestmark = pytest.mark.slow  # generates a register and refreshes it

ROWS, YEARS = 60_000, 6


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("generated") / "raw"
    generate(raw, ROWS, YEARS, seed=11, metier_count=300)
    return raw


@pytest.fixture(scope="module")
def register(generated) -> pl.DataFrame:
    files = sorted((generated / "register").iterdir())
    frames = [
        pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path) for path in files
    ]
    return pl.concat([frame.cast(frames[-1].schema) for frame in frames])


@pytest.fixture(scope="module")
def refreshed(generated, tmp_path_factory) -> Settings:
    # Register files (about 10,000 rows) are validated in DuckDB, the catalogue by GX.
    settings = Settings(
        raw_dir=generated,
        marts_dir=tmp_path_factory.mktemp("gen") / "marts",
        sql_validation_min_rows=5_000,
    )
    run_refresh(settings)
    return settings


def test_generator_writes_every_row_in_both_formats(generated, register):
    files = sorted(path.name for path in (generated / "register").iterdir())
    assert files == [
        "register_2020.csv",
        "register_2021.csv",
        "register_2022.csv",
        "register_2023.parquet",
        "register_2024.parquet",
        "register_2025.parquet",
    ]
    assert register.height == ROWS
    assert register.select(pl.struct("person_id", "year").is_unique().all()).item()
    # Later years are larger (about 1% a year).
    per_year = register.group_by("year").len().sort("year")["len"].to_list()
    assert per_year == sorted(per_year) and per_year[0] < per_year[-1]


def test_generator_is_seeded(generated, tmp_path):
    again = tmp_path / "again"
    generate(again, ROWS, YEARS, seed=11, metier_count=300)
    for name in ("register/register_2020.csv", "metiers/metiers.csv"):
        assert (again / name).read_bytes() == (generated / name).read_bytes()
    same = pl.read_parquet(again / "register" / "register_2025.parquet")
    assert same.equals(pl.read_parquet(generated / "register" / "register_2025.parquet"))
    other = tmp_path / "other"
    generate(other, ROWS, YEARS, seed=12, metier_count=300)
    assert (other / "register/register_2020.csv").read_bytes() != (
        generated / "register/register_2020.csv"
    ).read_bytes()


def test_generator_is_skewed_like_a_register(generated, register):
    catalogue = pl.read_csv(generated / "metiers" / "metiers.csv")
    assert catalogue.height == 300 and catalogue["slug"].is_unique().all()
    codes = register["occupation_code"].unique()
    assert codes.len() > 300  # hundreds of occupation codes
    sizes = register.group_by("occupation_code").len()["len"].sort(descending=True)
    # Very unequal: the largest code is far above the median one, and many are tiny.
    assert sizes[0] > 20 * sizes[sizes.len() // 2]
    cells = register.group_by("occupation_code", "year").len()["len"]
    assert (cells < 10).sum() > 20  # too small to publish in a year
    regions = register.group_by("region").len().sort("len")
    assert sorted(regions["region"].to_list()) == sorted(REGION_SHARES)
    assert regions["len"][-1] > 4 * regions["len"][0]
    weights = register["weight"]
    assert 0.05 < (weights != 1.0).mean() < 0.3
    employees = register.filter(pl.col("status") == "employee")
    assert employees["gross_monthly_eur"].null_count() == 0
    assert (
        register.filter(pl.col("status") == "self_employed")["gross_monthly_eur"].null_count()
        == (register["status"] == "self_employed").sum()
    )
    # Log-normal wages that grow with experience.
    log_wage = employees["gross_monthly_eur"].log()
    assert abs(log_wage.skew()) < 0.5 < employees["gross_monthly_eur"].skew()
    by_experience = employees.group_by(pl.col("experience_years") >= 10).agg(
        pl.col("gross_monthly_eur").median()
    )
    medians = dict(by_experience.iter_rows())
    assert medians[True] > 1.2 * medians[False]


def test_pipeline_accepts_the_generated_register(refreshed, register):
    with duckdb.connect(str(refreshed.published_path), read_only=True) as connection:
        statuses = connection.execute(
            "SELECT status, count(*) FROM meta_sources GROUP BY status"
        ).fetchall()
        published, suppressed = connection.execute(
            "SELECT count(headcount), count(*) - count(headcount) FROM metier_figures"
        ).fetchall()[0]
        engines = connection.execute(
            "SELECT count(*) FROM meta_validation WHERE stage = 'source' AND NOT success"
        ).fetchall()[0][0]
    assert dict(statuses) == {"validated": YEARS + 1}
    assert engines == 0
    # Disclosure control bites on the long tail, and most métiers are published.
    assert published > 100 and suppressed > 10


def test_baseline_gives_the_pipelines_figures(refreshed, generated, tmp_path):
    baseline = tmp_path / "baseline.duckdb"
    run_baseline(generated, baseline, min_records=refreshed.min_records)
    assert differences(refreshed.published_path, baseline) == []
    # The later disclosure rules withhold or pool a minority of the cells (not compared).
    compared = {
        table: withheld
        for table, _found, withheld in comparisons(refreshed.published_path, baseline)
    }
    with duckdb.connect(str(baseline), read_only=True) as connection:
        cells = connection.execute(
            "SELECT (SELECT count(*) * 3 FROM metier_figures), "
            "(SELECT count(*) * 5 FROM metier_regions), (SELECT count(*) * 6 FROM metier_salaries)"
        ).fetchall()[0]
    totals = dict(zip(compared, cells, strict=True))
    # Regional and band cells: most are compared. Salary figures of small métiers are often
    # pooled over three years, which the comparison skips; some are still compared.
    assert compared["metier_regions"] < totals["metier_regions"] / 2
    assert compared["metier_salaries"] < totals["metier_salaries"] / 2
    assert compared["metier_figures"] < totals["metier_figures"]
    with duckdb.connect(str(baseline), read_only=True) as connection:
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM metier_figures), "
            "(SELECT count(headcount) FROM metier_figures), "
            "(SELECT count(*) FROM metier_regions WHERE headcount IS NULL), "
            "(SELECT count(*) FROM metier_salaries WHERE median IS NOT NULL)"
        ).fetchall()[0]
    assert counts[0] == 300 and counts[1] > 100 and counts[2] > 0 and counts[3] > 100


def test_differences_notices_a_changed_figure(refreshed, generated, tmp_path):
    """Another threshold moves suppression: the comparison must see it."""
    baseline = tmp_path / "baseline.duckdb"
    run_baseline(generated, baseline, min_records=refreshed.min_records + 5)
    found = differences(refreshed.published_path, baseline)
    assert found and any("published" in line for line in found)


def test_baseline_rejects_what_the_suites_reject(generated, tmp_path):
    raw = tmp_path / "raw"
    (raw / "register").mkdir(parents=True)
    (raw / "metiers").mkdir()
    (raw / "metiers" / "metiers.csv").write_bytes(
        (generated / "metiers" / "metiers.csv").read_bytes()
    )
    frame = pl.read_parquet(generated / "register" / "register_2025.parquet").head(100)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(pl.lit("XX")).otherwise("region").alias("region")
    )
    frame.write_parquet(raw / "register" / "register_2025.parquet")
    with pytest.raises(BaselineRejected, match="region_set"):
        run_baseline(raw, tmp_path / "b.duckdb")


def test_stage_intervals_are_counted_once():
    assert covered_seconds([(0, 4), (1, 3), (5, 6), (5.5, 8)]) == pytest.approx(7.0)
    assert covered_seconds([]) == 0
