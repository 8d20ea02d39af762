"""The real-data example (examples/public): the README's commands lay out real publishers'
files beside the bundled catalogue and register, and a refresh with the example's registry
brings real values to real cards. Expected values are recomputed here from the raw files with
the csv module: the BLS headcount of ISCO-08 unit group 2654 is the sum, over the SOC codes
the ISCO-SOC crosswalk maps to 2654, of each code's OEWS employment split equally among the
ISCO groups that code maps to."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED_DIR
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.paths import PROJECT_ROOT

EXTERNAL = SHARED_DIR / "data" / "external"
EXAMPLE = PROJECT_ROOT / "examples" / "public"
SEED = "directeur-directrice-de-postproduction"

pytestmark = pytest.mark.slow


def bls_headcount_by_isco() -> dict[str, float]:
    """OEWS May 2023 employment (detailed SOC rows) allocated to ISCO-08 groups."""
    targets: dict[str, set[str]] = defaultdict(set)
    with (EXTERNAL / "isco08_soc2010_bls.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            targets[row["soc2010_code"]].add(row["isco08_code"])
    allocated: dict[str, float] = defaultdict(float)
    with (EXTERNAL / "bls_oews_national_M2023_dl.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            employed = row["TOT_EMP"].replace(",", "")
            if row["O_GROUP"] != "detailed" or not employed.isdigit():
                continue
            for isco in targets.get(row["OCC_CODE"], ()):
                allocated[isco] += int(employed) / len(targets[row["OCC_CODE"]])
    return allocated


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("public")
    raw, marts = work / "raw", work / "marts"
    prepared = subprocess.run(
        [sys.executable, str(EXAMPLE / "prepare.py"), str(EXTERNAL), str(raw)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert prepared.returncode == 0, prepared.stderr
    refreshed = CliRunner().invoke(
        app,
        [
            "refresh", "--no-prefect", "--sources", str(EXAMPLE / "sources.toml"),
            "--raw-dir", str(raw), "--marts-dir", str(marts),
        ],
    )  # fmt: skip
    assert refreshed.exit_code == 0, refreshed.output
    return marts


def test_us_figures_reach_the_card_as_labelled_context_never_as_belgian(published: Path) -> None:
    expected = bls_headcount_by_isco()
    assert round(expected["2654"]) == 234_910  # 27-1011 + 27-2012 + 27-4032, each 2654 only
    with duckdb.connect(str(published / "metiers.duckdb"), read_only=True) as connection:
        context = connection.execute(
            "SELECT isco_group, geo, period, value, unit FROM metier_context "
            "WHERE slug = ? AND source_id = 'bls_oews'",
            [SEED],
        ).fetchall()
        belgian = connection.execute(
            "SELECT count(*) FROM metier_figure_candidates WHERE source_id = 'bls_oews'"
        ).fetchone()[0]
        every = connection.execute(
            "SELECT isco_group, value FROM metier_context WHERE source_id = 'bls_oews'"
        ).fetchall()
    assert context == [("2654", "US", "2023", pytest.approx(expected["2654"]), "persons")]
    assert belgian == 0  # another country's figure never becomes a Belgian one
    assert every and all(value == pytest.approx(expected[group]) for group, value in every)
    for lang, words in (
        ("fr", "groupe CITP 2654 (États-Unis, 2023): ~230.000"),
        ("nl", "ISCO-groep 2654 (Verenigde Staten, 2023): ~230.000"),
        ("en", "ISCO group 2654 (United States, 2023): ~230,000"),
    ):
        card = CliRunner().invoke(
            app, ["figures", SEED, "--lang", lang, "--marts-dir", str(published)]
        )
        assert card.exit_code == 0, card.output
        assert words in card.output


def test_regions_and_labels_come_from_the_real_statbel_and_esco_files(published: Path) -> None:
    with (EXTERNAL / "statbel_TU_COM_REFNIS.txt").open(encoding="utf-8-sig") as handle:
        rows = [dict(row) for row in csv.DictReader(handle, delimiter="|")]
    (flemish_brabant,) = [
        row for row in rows if row["CD_REFNIS"] == "20001" and row["DT_VLDT_END"] == "31/12/9999"
    ]
    with (PROJECT_ROOT / "data" / "raw" / "metiers" / "metiers.csv").open(encoding="utf-8") as f:
        seed_code = next(row["esco_code"] for row in csv.DictReader(f) if row["slug"] == SEED)
    with duckdb.connect(str(published / "metiers.duckdb"), read_only=True) as connection:
        provinces = connection.execute(
            "SELECT nuts2, name_fr, name_nl, name_de FROM regions WHERE nuts_level = 2"
        ).fetchall()
        labels = connection.execute(
            "SELECT DISTINCT lang FROM esco_labels WHERE code = ?", [seed_code]
        ).fetchall()
    assert len(provinces) == 11
    names = {nuts2: (fr, nl, de) for nuts2, fr, nl, de in provinces}
    assert names["BE24"] == tuple(
        flemish_brabant[f"TX_REFNIS_{lang}"] for lang in ("FR", "NL", "DE")
    )
    assert {lang for (lang,) in labels} == {"fr", "nl", "en"}


def test_regional_context_beside_the_regions_equals_the_file(published: Path) -> None:
    """Eurostat's trng_lfse_04 slice (no occupation dimension) by NUTS-1 and NUTS-2 region:
    every Belgian region's latest value (2019, the first period column) as a share."""
    lines = (EXTERNAL / "eurostat_trng_lfse_04_oldformat_slice.tsv").read_text().splitlines()
    periods = [cell.strip() for cell in lines[0].split("\t")[1:]]
    expected = {}
    for line in lines[1:]:
        keys, *cells = line.split("\t")
        geo = keys.split(",")[-1]
        if len(geo) in (3, 4) and geo.startswith("BE"):
            expected[geo] = float(cells[periods.index("2019")].split()[0]) / 100
    assert len(expected) == 14  # 3 regions, 11 provinces (Brussels is both)
    with duckdb.connect(str(published / "metiers.duckdb"), read_only=True) as connection:
        rows = connection.execute(
            "SELECT geo, period, value, geo_level FROM metier_context "
            "WHERE slug = ? AND source_id = 'eurostat_regional'",
            [SEED],
        ).fetchall()
        line = connection.execute(
            "SELECT regions_context FROM metier_cards WHERE slug = ? AND lang = 'fr'", [SEED]
        ).fetchone()[0]
    assert {geo: value for geo, _period, value, _level in rows} == pytest.approx(expected)
    assert {period for _geo, period, _value, _level in rows} == {"2019"}
    assert {level for *_rest, level in rows} == {"nuts1", "nuts2"}
    assert f"Bruxelles-Capitale {round(expected['BE10'] * 100)}%" in line
