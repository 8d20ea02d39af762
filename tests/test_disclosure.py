"""Disclosure control: primary, dominance and secondary suppression of the regional cells,
tried on random registers (hypothesis), and checked end to end on the bundled sample."""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from disclosure import assert_values_absent, distinctive, leaked, sample_register
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metiers.methodology.disclosure import (
    DisclosureConfigError,
    DisclosureRules,
    load_rules,
    parse_rules,
    regional_cells,
)

REGIONS = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]
WEIGHTS = [1.0, 1.0, 1.0, 1.5, 2.0, 3.5]


def register_from(cell_sizes: list[list[int]], seed: int, heavy_wages: bool) -> pl.DataFrame:
    """Records of métiers m0, m1, ... in 2025, `cell_sizes[m][r]` persons in region r."""
    rng = random.Random(seed)
    rows = []
    for metier, sizes in enumerate(cell_sizes):
        for region, size in zip(REGIONS, sizes, strict=False):
            for index in range(size):
                employee = rng.random() < 0.7
                wage = round(rng.uniform(1800, 6000), 2) if employee else None
                if employee and heavy_wages and index == 0:
                    wage = 250_000.0  # one wage that dominates a small cell
                rows.append(
                    {
                        "slug": f"m{metier}",
                        "year": 2025,
                        "person_id": f"{metier}-{region}-{index}",
                        "occupation_code": "1111",
                        "region": region,
                        "sex": rng.choice("FM"),
                        "age": rng.randint(18, 66),
                        "status": "employee" if employee else "self_employed",
                        "gross_monthly_eur": wage,
                        "experience_years": rng.randint(0, 30),
                        "weight": rng.choice(WEIGHTS),
                    }
                )
    schema = {
        "slug": pl.String, "year": pl.Int32, "person_id": pl.String,
        "occupation_code": pl.String, "region": pl.String, "sex": pl.String, "age": pl.Int32,
        "status": pl.String, "gross_monthly_eur": pl.Float64, "experience_years": pl.Int32,
        "weight": pl.Float64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def true_cells(register: pl.DataFrame) -> dict[tuple[str, str], dict]:
    """Each cell's true figures, computed here in plain Python."""
    cells: dict[tuple[str, str], dict] = {}
    for row in register.iter_rows(named=True):
        cell = cells.setdefault(
            (row["slug"], row["region"]), {"n": 0, "h": 0.0, "women": 0.0, "wages": []}
        )
        cell["n"] += 1
        cell["h"] += row["weight"]
        cell["women"] += row["weight"] if row["sex"] == "F" else 0.0
        if row["status"] == "employee" and row["gross_monthly_eur"] is not None:
            cell["wages"].append(row["gross_monthly_eur"])
    for cell in cells.values():
        cell["share_women"] = cell["women"] / cell["h"]
        cell["median"] = float(np.median(cell["wages"])) if cell["wages"] else None
    return cells


def derivable(unknowns: list[str], equations: list[set[str]]) -> set[str]:
    """Unknowns whose value follows from linear equations over the unknowns (each equation:
    the sum of some unknowns equals a published number): x is determined exactly when its
    unit vector lies in the row space of the equations' matrix."""
    if not unknowns or not equations:
        return set()
    index = {name: position for position, name in enumerate(unknowns)}
    matrix = np.zeros((len(equations), len(unknowns)))
    for row, members in enumerate(equations):
        for name in members:
            matrix[row, index[name]] = 1.0
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for name, position in index.items():
        unit = np.zeros((1, len(unknowns)))
        unit[0, position] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(name)
    return found


# One in-memory database for all examples: a new connection per example costs more than
# the models themselves.
CONNECTION = duckdb.connect(config={"threads": 1})

cell_sizes = st.lists(
    st.lists(st.integers(min_value=0, max_value=25), min_size=2, max_size=len(REGIONS)),
    min_size=1,
    max_size=3,
)


@pytest.mark.slow  # 200 random registers
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=cell_sizes,
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    min_records=st.integers(min_value=3, max_value=10),
    heavy_wages=st.booleans(),
)
def test_no_withheld_regional_value_can_be_derived(
    sizes: list[list[int]], seed: int, min_records: int, heavy_wages: bool
) -> None:
    """The regions of a métier add up to its national figures, which are published when they
    rest on enough records: national headcount, women (share x headcount), records, and
    employee wages (taken as published with the headcount, the stricter case). Withheld
    cells are unknowns; each national total is one linear equation "sum of the withheld
    values = total - published values". A withheld value is recoverable exactly when its
    unit vector lies in the row space of those equations; for one-dimensional sums that
    happens when it is the only unknown of an equation, so every group must hold 0 or at
    least 2 withheld values (of cells, of regional wage counts, and of the experience bands
    of metier_salaries, which add up to the employees). The test checks the
    rank condition itself, so it would also catch a rule that is right for sums but wrong
    for another structure. It also checks the primary and dominance rules against values
    computed here, that every published value is its cell's true value, and that no
    withheld value appears in any published column."""
    register = register_from(sizes, seed, heavy_wages)
    if register.is_empty():
        return
    rules = DisclosureRules(min_records=min_records)
    published = regional_cells(register, rules, CONNECTION)
    truth = true_cells(register)
    assert len(published) == len(truth)

    unknowns: list[str] = []
    equations: dict[str, set[str]] = {}
    withheld_values: list[float] = []
    for row in published.iter_rows(named=True):
        cell = truth[(row["slug"], row["region"])]
        wages = sorted(cell["wages"])
        if cell["n"] < min_records:  # primary
            assert row["suppressed"].startswith("primary"), row
        if row["suppressed"] is None:
            assert row["n_records"] == cell["n"] >= min_records
            assert row["headcount"] == pytest.approx(cell["h"])
            assert row["share_women"] == pytest.approx(cell["share_women"])
        else:
            assert row["headcount"] is row["share_women"] is row["n_records"] is None
            assert row["headcount_cv"] is row["share_women_cv"] is None
            assert row["salary_suppressed"] is not None
            for name in ("headcount", "women", "records"):
                unknowns.append(f"{name}:{row['slug']}:{row['region']}")
                equations.setdefault(f"{name}:{row['slug']}", set()).add(unknowns[-1])
            withheld_values += [cell["h"], cell["share_women"]]
        if row["salary_suppressed"] is None:
            assert len(wages) >= min_records
            assert sum(wages[-2:]) <= 0.5 * sum(wages)  # dominance, top 2 over 50%
            assert row["salary_n_records"] == len(wages)
            assert row["salary_median"] == pytest.approx(cell["median"])
        else:
            assert row["salary_median"] is row["salary_n_records"] is None
            if len(wages) >= min_records and sum(wages[-2:]) > 0.5 * sum(wages):
                assert row["salary_suppressed"].startswith(("dominance", "primary", "secondary"))
            unknowns.append(f"wages:{row['slug']}:{row['region']}")
            equations.setdefault(f"wages:{row['slug']}", set()).add(unknowns[-1])
            if cell["median"] is not None:
                withheld_values.append(cell["median"])
    # the experience bands of a métier add up to its employees' wages, like the regions
    bands = CONNECTION.sql("SELECT * FROM metier_salaries").pl()
    wages_of = {
        (slug, band): sorted(wages)
        for slug, band, wages in register.filter(
            (pl.col("status") == "employee") & pl.col("gross_monthly_eur").is_not_null()
        )
        .with_columns(
            pl.when(pl.col("experience_years") < 3).then(pl.lit("0-2"))
            .when(pl.col("experience_years") < 10).then(pl.lit("3-9"))
            .otherwise(pl.lit("10+")).alias("band")
        )
        .group_by("slug", "band")
        .agg(pl.col("gross_monthly_eur"))
        .iter_rows()
    }  # fmt: skip
    assert len(bands) == len(wages_of)
    for row in bands.iter_rows(named=True):
        wages = wages_of[(row["slug"], row["band"])]
        if row["suppressed"] is None:
            assert row["n_records"] == len(wages) >= min_records
            assert sum(wages[-2:]) <= 0.5 * sum(wages)
            assert row["median"] == pytest.approx(float(np.median(wages)))
        else:
            assert row["n_records"] is row["median"] is row["p90"] is row["p10"] is None
            assert len(wages) >= min_records or row["suppressed"].startswith("primary")
            unknowns.append(f"band:{row['slug']}:{row['band']}")
            equations.setdefault(f"bands:{row['slug']}", set()).add(unknowns[-1])
    band_counts = bands.group_by("slug").len()
    several_bands = {slug for slug, count in band_counts.iter_rows() if count >= 2}
    # a national total resting on too few records is itself withheld: no equation then; a
    # métier in a single region has no breakdown (its one cell is the national figure)
    national = register.group_by("slug").agg(pl.len(), pl.col("region").n_unique())
    published_totals = {
        slug for slug, records, regions in national.iter_rows()
        if records >= min_records and regions >= 2
    }  # fmt: skip
    national_published = {
        slug for slug, records, _ in national.iter_rows() if records >= min_records
    }

    def has_total(key: str) -> bool:
        kind, slug = key.split(":")
        breakdown = several_bands if kind == "bands" else published_totals
        return slug in national_published and slug in breakdown

    equations = {key: members for key, members in equations.items() if has_total(key)}
    recoverable = derivable(unknowns, list(equations.values()))
    assert not recoverable, f"withheld values recoverable from the totals: {recoverable}"

    published_rows = published.filter(pl.col("suppressed").is_null())
    values_columns = published_rows.select(
        "headcount", "share_women", "salary_median", "n_records", "salary_n_records"
    )
    own_values = set(published_numbers_of(values_columns))
    withheld = [value for value in withheld_values if distinctive(value)]
    # a withheld value may equal a published cell's own value by chance: that reveals nothing
    assert_values_absent(
        values_columns, [v for v in withheld if round(v, 9) not in own_values], "metier_regions"
    )


def published_numbers_of(frame: pl.DataFrame) -> list[float]:
    return [round(float(value), 9) for row in frame.rows() for value in row if value is not None]


def test_derivable_finds_a_lone_unknown_and_spares_a_pair() -> None:
    # one withheld region: total - the rest gives it; two: only their sum is known
    assert derivable(["a"], [{"a"}]) == {"a"}
    assert derivable(["a", "b"], [{"a", "b"}]) == set()
    # a second structure (two overlapping sums) can pin down a value the first spared
    assert derivable(["a", "b", "c"], [{"a", "b"}, {"b", "c"}, {"a", "c"}]) == {"a", "b", "c"}


def test_dominance_withholds_a_wage_that_makes_up_the_total() -> None:
    # 12 employees in BE10, one of them earning 250 000: top two wages over half of the total
    register = register_from([[12, 12, 12]], seed=7, heavy_wages=True)
    truth = true_cells(register)
    cells = {row["region"]: row for row in regional_cells(register, DisclosureRules()).to_dicts()}
    for region, cell in cells.items():
        wages = sorted(truth[("m0", region)]["wages"])
        if len(wages) >= 10 and sum(wages[-2:]) > 0.5 * sum(wages):
            assert cell["salary_suppressed"] == "dominance: top 2 wages over 50% of the total"
            assert cell["salary_median"] is None
    assert any((cell["salary_suppressed"] or "").startswith("dominance") for cell in cells.values())


def test_rules_from_the_registry_table(tmp_path) -> None:
    document = tomllib.loads(
        """
        [disclosure.min_records]
        insertion_rate = 20
        headcount = 5
        [disclosure.dominance]
        top_n = 1
        share = 0.6
        [disclosure.reliability]
        min_records = 50
        max_cv = 0.3
        """
    )
    rules = parse_rules(document, min_records=10)
    assert rules.threshold("insertion_rate") == 20
    assert rules.threshold("headcount") == 10  # stricter than the default, never looser
    assert rules.threshold("average_age") == 10
    assert (rules.dominance_top_n, rules.dominance_share) == (1, 0.6)
    rows = {row["indicator"]: row for row in rules.rows()}
    assert rows["salary_entry"]["dominance_share"] == 0.6
    assert rows["headcount"]["dominance_share"] is None
    assert rows["share_women"]["reliable_min_records"] == 50
    assert rows["insertion_rate"]["reliable_max_cv"] is None
    with pytest.raises(DisclosureConfigError, match=r"unknown indicator.*salaire"):
        parse_rules({"disclosure": {"min_records": {"salaire": 12}}}, 10)
    with pytest.raises(DisclosureConfigError, match="share"):
        parse_rules({"disclosure": {"dominance": {"share": 1.5}}}, 10)
    with pytest.raises(DisclosureConfigError, match="top_n must be a number"):
        parse_rules({"disclosure": {"dominance": {"top_n": "two"}}}, 10)
    # the bundled registry documents the defaults
    bundled = load_rules()
    assert (bundled.dominance_top_n, bundled.dominance_share) == (2, 0.5)
    assert (bundled.reliable_min_records, bundled.reliable_max_cv) == (30, 0.2)


def test_leak_helper_finds_numbers_in_every_form() -> None:
    text = '{"median": 2843.5, "share": 0.2857142857142857, "display": "~40"}'
    assert leaked(text, [2843.5, 2 / 7, 40.0, 41.0]) == [2 / 7, 40.0, 2843.5]
    assert leaked(pl.DataFrame({"a": [1.5, None]}), [1.5]) == [1.5]
    assert leaked([{"a": "x 12.25 y"}], [12.25]) == [12.25]
    with pytest.raises(AssertionError, match=r"2843\.5"):
        assert_values_absent(text, [2843.5], "a card")
    assert not distinctive(0.25) and not distinctive(7.0) and distinctive(2 / 7)


# --- the bundled sample, end to end -------------------------------------------------------

CONSUMER_TABLES = ("metier_figures", "metier_regions", "metier_salaries", "metier_trend")


def withheld_truth(register: pl.DataFrame, connection: duckdb.DuckDBPyConnection) -> dict:
    """Per métier, the true values (computed here) of every withheld regional cell and wage
    band, less those that equal a published cell's own true value (1/8 of the women of a
    withheld cell is also 2/16 of a published one: a coincidence that reveals nothing)."""
    cells = register.group_by("slug", "region", "year").agg(
        pl.col("weight").sum().alias("headcount"),
        ((pl.col("sex") == "F").cast(pl.Float64) * pl.col("weight")).sum().alias("women"),
        pl.col("gross_monthly_eur").filter(pl.col("status") == "employee").median().alias("median"),
    )  # fmt: skip
    decisions = connection.sql(
        "SELECT slug, region, year, suppressed, salary_suppressed FROM metier_regions"
    ).pl()
    withheld: dict[str, set[float]] = {}
    published: dict[str, set[float]] = {}
    for row in decisions.join(cells, on=["slug", "region", "year"]).iter_rows(named=True):
        cell = [row["headcount"], row["women"] / row["headcount"]]
        target = withheld if row["suppressed"] is not None else published
        target.setdefault(row["slug"], set()).update(cell)
        target = withheld if row["salary_suppressed"] is not None else published
        target.setdefault(row["slug"], set()).add(row["median"])
    band = (
        pl.when(pl.col("experience_years") < 3).then(pl.lit("0-2"))
        .when(pl.col("experience_years") < 10).then(pl.lit("3-9")).otherwise(pl.lit("10+"))
    )  # fmt: skip
    bands = (
        register.filter(
            (pl.col("status") == "employee") & pl.col("gross_monthly_eur").is_not_null()
        )
        .with_columns(band.alias("band"))
        .group_by("slug", "band", "year")
        .agg(pl.col("gross_monthly_eur").alias("wages"))
    )  # fmt: skip
    band_decisions = connection.sql("SELECT slug, band, year, suppressed FROM metier_salaries").pl()
    for row in band_decisions.join(bands, on=["slug", "band", "year"]).iter_rows(named=True):
        wages = np.array(row["wages"])
        found = {float(np.quantile(wages, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)}
        target = withheld if row["suppressed"] is not None else published
        target.setdefault(row["slug"], set()).update(found)
    return {
        slug: sorted(
            value
            for value in values
            if distinctive(value)
            and round(value, 9) not in {round(v, 9) for v in published.get(slug, set()) if v}
        )
        for slug, values in withheld.items()
    }


def test_sample_withheld_values_appear_nowhere(bundled_mart) -> None:
    """Every withheld regional cell and wage band of the sample, recomputed from the raw
    files: none of its values is in the marts a consumer reads, the cards, the change list
    or `metiers figures --format json`, for the métier it belongs to."""
    from typer.testing import CliRunner

    from metiers.cli import app

    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        withheld = withheld_truth(sample_register(), connection)
        assert sum(len(found) for found in withheld.values()) > 50, "the sample withholds cells"
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT DISTINCT table_name FROM duckdb_columns() "
                "WHERE schema_name = 'main' AND column_name = 'slug'"
            ).fetchall()
        ]
        assert {*CONSUMER_TABLES, "metier_cards", "figure_changes"} <= set(tables)
        for slug, values in withheld.items():
            for table in tables:
                rows = connection.sql(f"SELECT * FROM {table} WHERE slug = ?", params=[slug]).pl()
                assert_values_absent(rows, values, f"{table} of {slug}")
    runner = CliRunner()
    for slug in sorted(withheld)[:8]:
        for lang in ("fr", "en"):
            result = runner.invoke(
                app,
                ["figures", slug, "--format", "json", "--lang", lang,
                 "--marts-dir", str(bundled_mart.marts_dir)],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            assert_values_absent(result.output, withheld[slug], f"figures {slug} --format json")


def test_sample_small_metiers_show_withheld_regions_with_reasons(bundled_mart) -> None:
    """Regions of 2025 with fewer than 10 records (counted here from the raw files) are named
    as withheld, with the reason in words, in the card, its text and its JSON."""
    from typer.testing import CliRunner

    from metiers.cli import app

    register = sample_register().filter(pl.col("year") == 2025)
    small = (
        register.group_by("slug", "region").len().filter(pl.col("len") < 10)
        .group_by("slug").agg(pl.col("region"))
    )  # fmt: skip
    assert len(small) >= 5
    runner = CliRunner()
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        for slug, regions in small.sort("slug").head(6).iter_rows():
            card = connection.sql(
                "SELECT regions_withheld FROM metier_cards WHERE slug = ? AND lang = 'fr'",
                params=[slug],
            ).fetchall()[0][0]
            lines = {line.split(": ")[0]: line for line in card.splitlines()}
            primary = next(line for line in lines.values() if "moins de 10 observations" in line)
            for region in regions:
                assert display_name(region) in primary, (slug, region, card)
            text = runner.invoke(
                app, ["figures", slug, "--marts-dir", str(bundled_mart.marts_dir)]
            ).output
            assert primary in text
            document = json.loads(
                runner.invoke(
                    app,
                    [
                        "figures",
                        slug,
                        "--format",
                        "json",
                        "--lang",
                        "en",
                        "--marts-dir",
                        str(bundled_mart.marts_dir),
                    ],
                ).output
            )
            cells = {cell["region"]: cell for cell in document["region_cells"]}
            for region in regions:
                assert cells[region]["headcount"] is None
                assert cells[region]["suppressed"] == "primary: fewer than 10 records"
                assert cells[region]["reason"] == "fewer than 10 records"
            # and never a group with a single withheld cell
            assert sum(cell["suppressed"] is not None for cell in cells.values()) != 1


def display_name(region: str) -> str:
    from metiers.methodology.display import region_name

    return region_name(region, "fr")


@pytest.mark.slow  # every API response, page and export of the sample
def test_sample_withheld_values_appear_nowhere_in_the_api_exports_or_page(
    bundled_mart, tmp_path: Path
) -> None:
    """The same withheld values (recomputed from the raw files) are absent from every API
    response about the métier, its HTML page and SVG chart, and the JSON, CSV and Parquet
    exports."""
    from fastapi.testclient import TestClient

    from metiers.api import ApiSettings, create_app
    from metiers.present.export import export

    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        withheld = withheld_truth(sample_register(), connection)
    client = TestClient(create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)))
    for output in ("json", "csv", "parquet"):
        export(bundled_mart.marts_dir, tmp_path / output, output, ",")
    cards_csv = pl.read_csv(tmp_path / "csv" / "cards.csv", infer_schema_length=0)
    parquet_tables = {
        path.stem: pl.read_parquet(path) for path in (tmp_path / "parquet").glob("*.parquet")
    }
    checked = 0
    for slug in sorted(withheld):
        values = withheld[slug]
        for lang in ("fr", "nl", "en"):
            for path in (
                f"/metiers/{slug}", f"/metiers/{slug}/regions", f"/metiers/{slug}/salaries",
                f"/metiers/{slug}/trend", f"/metiers/{slug}.html", f"/metiers/{slug}/trend.svg",
                f"/metiers/{slug}/map.svg",
                f"/metiers/{slug}/salaries.svg",
            ):  # fmt: skip
                response = client.get(path, params={"lang": lang})
                assert response.status_code == 200, (path, response.text[:200])
                assert_values_absent(response.text, values, f"GET {path}?lang={lang}")
                checked += 1
        exported = (tmp_path / "json" / "metiers" / f"{slug}.json").read_text(encoding="utf-8")
        assert_values_absent(exported, values, f"JSON export of {slug}")
        rows = cards_csv.filter(pl.col("slug") == slug)
        assert not rows.is_empty()
        assert_values_absent(rows, values, f"cards.csv rows of {slug}")
        for table, frame in parquet_tables.items():
            if "slug" in frame.columns:
                part = frame.filter(pl.col("slug") == slug)
                assert_values_absent(part, values, f"{table}.parquet of {slug}")
    assert checked >= 8 * 3 * 5


def test_sample_small_metiers_show_withheld_regions_in_the_api(bundled_mart) -> None:
    """Regions of 2025 with fewer than 10 records (counted here from the raw files) come back
    from GET /metiers/{slug}/regions without values and with the reason in each language,
    and the card document lists them as withheld."""
    from fastapi.testclient import TestClient

    from metiers.api import ApiSettings, create_app

    register = sample_register().filter(pl.col("year") == 2025)
    small = (
        register.group_by("slug", "region").len().filter(pl.col("len") < 10)
        .group_by("slug").agg(pl.col("region"))
    )  # fmt: skip
    client = TestClient(create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)))
    reasons = {"fr": "moins de 10 observations", "nl": "minder dan 10", "en": "fewer than 10"}
    for slug, regions in small.sort("slug").head(6).iter_rows():
        for lang, words in reasons.items():
            cells = client.get(f"/metiers/{slug}/regions", params={"lang": lang}).json()["regions"]
            latest = {cell["region"]: cell for cell in cells if cell["year"] == 2025}
            for region in regions:
                cell = latest[region]
                assert cell["headcount"] is None and cell["share_women"] is None
                assert cell["suppressed"] == "primary: fewer than 10 records"
                assert words in cell["suppressed_reason"], cell
            card = client.get(f"/metiers/{slug}", params={"lang": lang}).json()
            withheld_lines = card["regions_withheld"] or ""
            for region in regions:
                name = next(c["region_name"] for c in cells if c["region"] == region)
                assert name in withheld_lines, (slug, lang, withheld_lines)
