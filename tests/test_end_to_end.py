"""The bundled sample refreshed end to end: the seed page's figures, the mart contract,
lineage, comments, read-only access, and a bad file that must not reach the published mart."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW, SHARED_DIR

from metiers.core.config import Settings
from metiers.core.errors import DataRejected
from metiers.refresh.pipeline import run_refresh

SEED_SLUG = "directeur-directrice-de-postproduction"
SEED_PAGE = SHARED_DIR / "seed" / "fiche-directeur-postproduction.txt"
CONTRACT_COLUMNS = {
    "metier_figures": [
        "slug", "reference_year", "headcount", "growth_rate", "insertion_rate", "average_age",
        "share_women", "share_self_employed", "salary_entry", "salary_senior_median",
        "salary_senior_p90", "freelance_rate_min", "freelance_rate_max", "freelance_rate_unit",
        "n_records",
    ],
    "metier_regions": [
        "slug", "region", "year", "headcount", "share_women", "salary_median", "n_records",
        "suppressed",
    ],
    "metier_salaries": ["slug", "band", "year", "n_records", "p10", "p25", "median", "p75", "p90"],
    "metier_trend": ["slug", "year", "headcount"],
    "metier_cards": ["slug", "lang"],
    "meta_sources": ["path", "sha256", "size_bytes", "rows", "status", "ingested_at"],
}  # fmt: skip


def query(settings: Settings, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql, params=params).pl().to_dicts()


def test_seed_card_strings_appear_on_the_seed_page(bundled_mart: Settings) -> None:
    card = query(
        bundled_mart, "SELECT * FROM metier_cards WHERE slug = ? AND lang = 'fr'", [SEED_SLUG]
    )[0]
    # The strings the seed page prints, typed here from the page.
    assert card["box_title"] == "Le métier en chiffres (Belgique 2025)"
    assert card["training"] == "3-5 ans d'études + expérience"
    assert card["headcount"] == "~200"
    assert card["growth"] == "+5%"
    assert card["insertion"] == "70% (souvent via le réseau)"
    assert card["average_age"] == "42 ans"
    assert card["share_women"] == "35%"
    assert card["share_self_employed"] == "80%"
    assert card["salary_entry"] == "2.800€"
    assert card["salary_senior"] == "4.500€-5.000€"
    assert card["salary_senior_max"] == "jusqu'à 5.000€+"
    assert card["freelance_rate"] == "entre 1.500€ et 2.500€/semaine"
    assert card["regions"] == "Bruxelles-Capitale, Brabant wallon, Liège, Hainaut, Namur"
    page = SEED_PAGE.read_text(encoding="utf-8") if SEED_PAGE.exists() else ""
    if page:
        for key in ("training", "headcount", "growth", "insertion", "average_age", "share_women"):
            assert card[key] in page, key
        assert "4.500€-5.000€" in page and "jusqu'à 5.000€+" in page


def test_seed_figures_recomputed_from_the_raw_files(bundled_mart: Settings) -> None:
    """A second method: polars over the raw files, for the figures behind the card."""
    figures = query(bundled_mart, "SELECT * FROM metier_figures WHERE slug = ?", [SEED_SLUG])[0]
    frames = []
    for path in sorted((BUNDLED_RAW / "register").iterdir()):
        frame = pl.read_csv(path) if path.suffix == ".csv" else pl.read_parquet(path)
        if "weight" not in frame.columns:
            frame = frame.with_columns(weight=pl.lit(1.0))
        frames.append(frame.select(
            pl.col("year").cast(pl.Int64), pl.col("occupation_code").cast(pl.String),
            pl.col("sex"), pl.col("age").cast(pl.Float64), pl.col("status"),
            pl.col("weight").cast(pl.Float64), pl.col("region"),
        ))  # fmt: skip
    register = pl.concat(frames)
    code = pl.col("occupation_code")
    mine = register.filter((code == "2654.2") | code.str.starts_with("2654.2."))
    latest = mine.filter(pl.col("year") == 2025)
    weight = latest["weight"].sum()
    base = mine.filter(pl.col("year") == 2020)["weight"].sum()
    assert figures["headcount"] == pytest.approx(weight)
    assert figures["growth_rate"] == pytest.approx((weight / base) ** (1 / 5) - 1)
    women = latest.filter(pl.col("sex") == "F")["weight"].sum()
    assert figures["share_women"] == pytest.approx(women / weight)
    self_employed = latest.filter(pl.col("status") == "self_employed")["weight"].sum()
    assert figures["share_self_employed"] == pytest.approx(self_employed / weight)
    assert figures["average_age"] == pytest.approx(
        (latest["age"] * latest["weight"]).sum() / weight
    )
    by_region = (
        latest.group_by("region").agg(pl.col("weight").sum()).sort("weight", descending=True)
    )
    assert by_region["region"].head(5).to_list() == ["BE10", "BE31", "BE33", "BE32", "BE35"]


def test_every_figure_has_lineage(bundled_mart: Settings) -> None:
    row = query(bundled_mart, "SELECT * FROM metier_figures WHERE slug = ?", [SEED_SLUG])[0]
    assert row["headcount_source"] == "register"
    assert row["headcount_period"] == "2025"
    assert row["headcount_source_files"] == "register/register_2025.parquet"
    assert row["growth_rate_period"] == "2020-2025"
    assert row["insertion_rate_source"] == "insertion"
    assert row["insertion_rate_source_files"] == "insertion/insertion.xlsx"
    assert row["freelance_rate_source"] == "facts"
    assert row["headcount_n_records"] >= 10


def test_mart_contract_columns(bundled_mart: Settings) -> None:
    for table, columns in CONTRACT_COLUMNS.items():
        present = [row["column_name"] for row in query(
            bundled_mart,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table],
        )]  # fmt: skip
        missing = [column for column in columns if column not in present]
        assert not missing, f"{table} lacks {missing}"
    keys = query(
        bundled_mart,
        "SELECT count(*) AS n, count(DISTINCT (slug, reference_year)) AS k FROM metier_figures",
    )[0]
    catalogue = pl.read_csv(BUNDLED_RAW / "metiers" / "metiers.csv")
    assert keys["n"] == keys["k"] == catalogue.height


def test_every_table_and_column_is_commented(bundled_mart: Settings) -> None:
    tables = query(bundled_mart, "SELECT table_name, comment FROM duckdb_tables()")
    assert len(tables) >= 10
    assert [t["table_name"] for t in tables if not t["comment"]] == []
    columns = query(
        bundled_mart,
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal",
    )
    assert [(c["table_name"], c["column_name"]) for c in columns if not c["comment"]] == []


def test_published_file_holds_only_marts_and_meta(bundled_mart: Settings) -> None:
    schemas = {
        row["schema_name"] for row in query(bundled_mart, "SELECT schema_name FROM duckdb_tables()")
    }
    assert schemas == {"main"}
    assert (
        query(bundled_mart, "SELECT count(*) AS n FROM duckdb_views() WHERE NOT internal")[0]["n"]
        == 0
    )
    assert not list(bundled_mart.marts_dir.glob(".build-*"))


def test_meta_sources_records_every_raw_file(bundled_mart: Settings) -> None:
    recorded = {row["path"]: row for row in query(bundled_mart, "SELECT * FROM meta_sources")}
    on_disk = sorted(
        path for path in BUNDLED_RAW.rglob("*") if path.is_file() and path.name != "README.md"
    )
    assert sorted(recorded) == sorted(path.relative_to(BUNDLED_RAW).as_posix() for path in on_disk)
    for path in on_disk:
        row = recorded[path.relative_to(BUNDLED_RAW).as_posix()]
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert row["size_bytes"] == path.stat().st_size
        assert row["status"] == "validated"
    csv_2019 = BUNDLED_RAW / "register" / "register_2019.csv"
    lines = csv_2019.read_text(encoding="utf-8").count("\n")
    assert recorded["register/register_2019.csv"]["rows"] == lines - 1


def test_small_metiers_are_suppressed_with_reasons(bundled_mart: Settings) -> None:
    tiny = query(
        bundled_mart,
        "SELECT slug, headcount, headcount_suppressed, n_records FROM metier_figures "
        "WHERE headcount IS NULL",
    )
    assert tiny, "the sample has a métier under the threshold"
    assert all(row["headcount_suppressed"] == "fewer than 10 records" for row in tiny)
    assert all(row["n_records"] is None for row in tiny)
    cells = query(
        bundled_mart,
        "SELECT suppressed, headcount, n_records FROM metier_regions "
        "WHERE year = 2025 AND suppressed IS NOT NULL",
    )
    assert any(c["suppressed"].startswith("primary") for c in cells)
    assert any(c["suppressed"].startswith("secondary") for c in cells)
    assert all(c["headcount"] is None and c["n_records"] is None for c in cells)


def test_no_metier_year_has_exactly_one_withheld_region(bundled_mart: Settings) -> None:
    lonely = query(
        bundled_mart,
        """
        SELECT slug, year FROM metier_regions GROUP BY slug, year
        HAVING count(*) FILTER (WHERE suppressed IS NOT NULL) = 1
        """,
    )
    assert lonely == []


def test_validation_results_are_recorded(bundled_mart: Settings) -> None:
    rows = query(
        bundled_mart,
        "SELECT stage, count(*) AS n, bool_and(success) AS ok FROM meta_validation GROUP BY stage",
    )
    by_stage = {row["stage"]: row for row in rows}
    assert set(by_stage) == {"source", "mart"}
    assert all(row["ok"] and row["n"] > 5 for row in rows)


def test_published_file_opens_read_only_in_another_process(bundled_mart: Settings) -> None:
    script = (
        "import duckdb, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(c.execute('SELECT count(*) FROM metier_figures').fetchone()[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(bundled_mart.published_path)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    catalogue = pl.read_csv(BUNDLED_RAW / "metiers" / "metiers.csv")
    assert int(result.stdout.strip()) == catalogue.height


def test_invalid_register_blocks_publication(bundled_mart: Settings, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(BUNDLED_RAW, raw)
    marts = tmp_path / "marts"
    marts.mkdir()
    shutil.copy2(bundled_mart.published_path, marts / "metiers.duckdb")
    before = (marts / "metiers.duckdb").read_bytes()
    bad_file = raw / "register" / "register_2025.parquet"
    frame = pl.read_parquet(bad_file)
    frame = frame.with_columns(
        region=pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("XX")).otherwise(pl.col("region"))
    )
    frame.write_parquet(bad_file)
    with pytest.raises(DataRejected) as rejected:
        run_refresh(Settings(raw_dir=raw, marts_dir=marts))
    message = str(rejected.value)
    assert "register/register_2025.parquet" in message
    assert "'region'" in message and "expect_column_values_to_be_in_set" in message
    assert "'XX'" in message and "rows 4" in message
    assert (marts / "metiers.duckdb").read_bytes() == before
    assert not list(marts.glob(".build-*"))


def test_context_figures_from_the_eurostat_table(bundled_mart: Settings) -> None:
    """A second reading of the bundled Eurostat TSV, by plain string splitting."""
    path = BUNDLED_RAW / "eurostat_sample" / "lfsa_egai2d_be.tsv"
    lines = path.read_bytes().decode().split("\r\n")
    years = [cell.strip() for cell in lines[0].split("\t")[1:]]
    cells = {}
    for line in filter(None, lines[1:]):
        key, *values = line.split("\t")
        _freq, sex, _age, isco, _unit, _geo = key.split(",")
        cells[(sex, isco)] = dict(zip(years, values, strict=True))

    def number(cell: str) -> tuple[float | None, str]:
        value, _space, flag = cell.partition(" ")
        return (None if value == ":" else float(value)), flag.strip()

    context = {
        (row["slug"], row["indicator"]): row
        for row in query(bundled_mart, "SELECT * FROM metier_context")
    }
    # boucher-bouchere (7511.1) sits in ISCO group 75, whose women's estimates carry 'u'
    women, women_flag = number(cells[("F", "OC75")]["2024"])
    total, total_flag = number(cells[("T", "OC75")]["2024"])
    share = context[("boucher-bouchere", "share_women")]
    assert share["isco_group"] == "75" and share["period"] == "2024"
    assert share["value"] == pytest.approx(women / total)
    assert share["flag"] == (women_flag + total_flag) == "u"
    employment = context[("boucher-bouchere", "employment")]
    # published in thousands, staged in persons; the published value stays beside it
    assert employment["source_value"] == pytest.approx(total)
    assert employment["value"] == pytest.approx(total * 1000)
    assert employment["unit"] == "persons" and employment["source_unit"] == "thousand_persons"
    card = query(
        bundled_mart,
        "SELECT context, footnotes FROM metier_cards "
        "WHERE slug = 'boucher-bouchere' AND lang = 'nl'",
    )[0]
    assert "Aandeel vrouwen, ISCO-groep 75 (België, 2024)" in card["context"]
    assert "weinig betrouwbaar" in card["context"]
    # the sample's table is cited as sample data, in the card's language, never as Eurostat
    assert (
        "voorbeeldgegevens (synthetisch), 2024 (eurostat_sample/lfsa_egai2d_be.tsv)"
        in (card["footnotes"])
    )
    # the métier's own share of women stays its own: context never replaces it
    own = query(
        bundled_mart,
        "SELECT share_women, share_women_source FROM metier_figures "
        "WHERE slug = 'boucher-bouchere'",
    )[0]
    assert own["share_women_source"] == "register"
