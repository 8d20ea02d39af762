"""Indicator formulas on a small hand-built register, checked against a plain-Python reference.

The reference below re-implements each definition of DESIGN.md with loops over the rows the
test wrote; a few key values are also worked out by hand in comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
from rawdata import person, write_catalogue, write_facts, write_insertion, write_register

from metiers.core.config import Settings
from metiers.refresh.pipeline import run_refresh

MIN_RECORDS = 3
Y = 2025
CATALOGUE = [
    # slug, esco_code
    ("monteur", "2654.2"),
    ("audiovisuel", "2654"),
    ("electricien", "7411.1"),
    ("nouveau", "3333"),
]


def belongs(code: str, esco_code: str) -> bool:
    return code == esco_code or code.startswith(esco_code + ".")


def quantile_linear(values: list[float], q: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def region_of(index: int) -> str:
    """Indexes 0-4 and 11+ work in BE10, 5-8 in BE21, 9-10 in BE31."""
    if 5 <= index < 9:
        return "BE21"
    if 9 <= index < 11:
        return "BE31"
    return "BE10"


def register_rows() -> dict[int, list[dict]]:
    """Years 2021-2025. Monteur grows, has non-unit weights and few entry wages in Y."""
    rows: dict[int, list[dict]] = {}
    for year in range(2021, Y + 1):
        grow = year - 2021
        year_rows = []
        # monteur (2654.2 and its child 2654.2.1): 8 + 2*grow persons, weights 1 or 2.5
        for index in range(8 + 2 * grow):
            year_rows.append(
                person(
                    year,
                    f"M{index}",
                    "2654.2.1" if index % 4 == 0 else "2654.2",
                    region=region_of(index),
                    sex="F" if index % 3 == 0 else "M",
                    age=25 + index * 2,
                    status="self_employed" if index % 5 == 4 else "employee",
                    gross_monthly_eur=2000.0 + 150 * index + 10 * grow,
                    experience_years=index,
                    weight=2.5 if index % 2 else 1.0,
                )
            )
        # decoy 2654.21: must count for audiovisuel (2654) but never for monteur (2654.2)
        for index in range(3):
            year_rows.append(person(year, f"D{index}", "2654.21", age=50, weight=1.0))
        # electricien: 6 persons every year, flat
        for index in range(6):
            year_rows.append(
                person(year, f"E{index}", "7411.1.2", region="BE32", age=30 + index, sex="M")
            )
        # nouveau appears in 2024 only: growth needs a 3-year span
        if year >= 2024:
            for index in range(4):
                year_rows.append(person(year, f"N{index}", "3333", region="BE33"))
        rows[year] = year_rows
    return rows


def reference_figures(rows: dict[int, list[dict]], esco_code: str) -> dict:
    """The definitions of DESIGN.md, written as loops."""

    def of_year(year: int) -> list[dict]:
        return [r for r in rows.get(year, []) if belongs(r["occupation_code"], esco_code)]

    current = of_year(Y)
    weight = sum(r["weight"] for r in current)
    years_present = [y for y in sorted(rows) if y >= Y - 5 and of_year(y)]
    base = years_present[0]
    base_weight = sum(r["weight"] for r in of_year(base))
    growth = (weight / base_weight) ** (1 / (Y - base)) - 1 if Y - base >= 3 else None

    def wages(years: range, band) -> list[float]:
        return [
            r["gross_monthly_eur"]
            for y in years
            for r in of_year(y)
            if r["status"] == "employee" and band(r["experience_years"])
        ]

    # The wage distribution's cells of Y (bands 0-2, 3-9, 10+): one with too few wages, or
    # dominated by its two highest, is withheld; if exactly one is, the smallest other too.
    bands = {
        "0-2": lambda years: years < 3,
        "3-9": lambda years: 3 <= years < 10,
        "10+": lambda years: years >= 10,
    }
    cells = {name: wages(range(Y, Y + 1), band) for name, band in bands.items()}
    cells = {name: cell for name, cell in cells.items() if cell}
    withheld = {
        name
        for name, cell in cells.items()
        if len(cell) < MIN_RECORDS or sum(sorted(cell)[-2:]) > 0.5 * sum(cell)
    }
    if len(withheld) == 1:
        others = sorted((len(cell), name) for name, cell in cells.items() if name not in withheld)
        withheld |= {others[0][1]} if others else set()

    def salary(band, cell: str) -> tuple[list[float], str]:
        only_y = wages(range(Y, Y + 1), band)
        if len(only_y) >= MIN_RECORDS and cell not in withheld:
            return only_y, str(Y)
        return wages(range(Y - 2, Y + 1), band), f"{Y - 2}-{Y}"

    entry, entry_period = salary(bands["0-2"], "0-2")
    senior, senior_period = salary(bands["10+"], "10+")
    return {
        "headcount": weight,
        "n_records": len(current),
        "average_age": sum(r["age"] * r["weight"] for r in current) / weight,
        "share_women": sum(r["weight"] for r in current if r["sex"] == "F") / weight,
        "share_self_employed": sum(r["weight"] for r in current if r["status"] == "self_employed")
        / weight,
        "growth_rate": growth,
        "salary_entry": quantile_linear(entry, 0.5) if len(entry) >= MIN_RECORDS else None,
        "salary_entry_period": entry_period,
        "salary_senior_median": quantile_linear(senior, 0.5)
        if len(senior) >= MIN_RECORDS
        else None,
        "salary_senior_p90": quantile_linear(senior, 0.9) if len(senior) >= MIN_RECORDS else None,
        "salary_senior_period": senior_period,
    }


@pytest.fixture(scope="module")
def small_mart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict]:
    root = tmp_path_factory.mktemp("small")
    raw = root / "raw"
    write_catalogue(
        raw,
        [
            {
                "slug": slug,
                "title_fr": slug.title(),
                "title_nl": slug,
                "title_en": slug,
                "esco_code": code,
                "training_years_min": 3,
                "training_years_max": 5,
                "training_plus_experience": "true",
            }
            for slug, code in CATALOGUE
        ],
    )
    rows = register_rows()
    for year, year_rows in rows.items():
        write_register(raw, year, year_rows, "csv" if year < 2023 else "parquet")
    write_insertion(
        raw,
        [
            # monteur: 2024 alone has 2 leavers (< 3): pooled with 2023 -> (1 + 3) / (2 + 4)
            {
                "cohort_year": 2024,
                "occupation_code": "2654.2",
                "leavers": 2,
                "employed_6m": 1,
                "main_channel": "internship",
            },
            {
                "cohort_year": 2023,
                "occupation_code": "2654.2",
                "leavers": 4,
                "employed_6m": 3,
                "main_channel": "network",
            },
            {
                "cohort_year": 2022,
                "occupation_code": "2654.2",
                "leavers": 50,
                "employed_6m": 5,
                "main_channel": "job_board",
            },
            # electricien: latest cohort alone is enough -> 6 / 8
            {
                "cohort_year": 2024,
                "occupation_code": "7411.1",
                "leavers": 8,
                "employed_6m": 6,
                "main_channel": "temp_agency",
            },
        ],
    )
    write_facts(
        raw,
        [
            # an older national rate and a newer regional one: the card shows the latest
            # national rate (300-450 per day)
            {
                "slug": "monteur",
                "indicator": "freelance_rate",
                "value_min": 100,
                "value_max": 200,
                "unit": "eur_per_day",
                "year": 2020,
                "source": "Old source",
                "source_url": "https://example.org/old",
            },
            {
                "slug": "monteur",
                "indicator": "freelance_rate",
                "value_min": 500,
                "value_max": 900,
                "unit": "eur_per_day",
                "year": 2025,
                "region": "BE10",
                "source": "Regional source",
                "source_url": "https://example.org/bxl",
            },
            {
                "slug": "monteur",
                "indicator": "freelance_rate",
                "value_min": 300,
                "value_max": 450,
                "unit": "eur_per_day",
                "year": 2025,
                "source": "Test source",
                "source_url": "https://example.org/rates",
            },
        ],
    )
    settings = Settings(raw_dir=raw, marts_dir=root / "marts", min_records=MIN_RECORDS)
    run_refresh(settings)
    return settings, rows


def figures_of(settings: Settings, slug: str) -> dict:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return (
            connection.sql("SELECT * FROM metier_figures WHERE slug = ?", params=[slug])
            .pl()
            .to_dicts()[0]
        )


@pytest.mark.parametrize("slug,esco_code", CATALOGUE[:3])
def test_register_figures_match_the_reference(small_mart, slug: str, esco_code: str) -> None:
    settings, rows = small_mart
    expected = reference_figures(rows, esco_code)
    got = figures_of(settings, slug)
    for name in ("headcount", "average_age", "share_women", "share_self_employed", "growth_rate"):
        assert got[name] == pytest.approx(expected[name]), name
    assert got["n_records"] == expected["n_records"]
    for name in ("salary_entry", "salary_senior_median", "salary_senior_p90"):
        if expected[name] is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(expected[name]), name


def test_weighted_headcount_by_hand(small_mart) -> None:
    settings, _rows = small_mart
    # monteur in 2025: 16 persons (index 0..15), odd indexes weigh 2.5 -> 8 * 1 + 8 * 2.5 = 28
    got = figures_of(settings, "monteur")
    assert got["headcount"] == pytest.approx(28.0)
    assert got["n_records"] == 16
    # 2021: 8 persons -> 4 + 4 * 2.5 = 14; growth over 4 years = (28 / 14) ** 0.25 - 1
    assert got["growth_rate"] == pytest.approx(2**0.25 - 1)
    assert got["growth_rate_period"] == "2021-2025"


def test_code_matching_rule(small_mart) -> None:
    settings, rows = small_mart
    # audiovisuel (2654) holds monteur's 2654.2 and 2654.2.1 records and the 2654.21 decoys
    monteur = figures_of(settings, "monteur")
    audiovisuel = figures_of(settings, "audiovisuel")
    assert audiovisuel["n_records"] == monteur["n_records"] + 3
    assert audiovisuel["headcount"] == pytest.approx(monteur["headcount"] + 3)
    assert sum(1 for r in rows[Y] if r["occupation_code"] == "2654.2.1") == 4


def test_salary_pooling_and_periods(small_mart) -> None:
    settings, rows = small_mart
    got = figures_of(settings, "monteur")
    # entry (experience < 3) in 2025: indexes 0, 1, 2, all employees -> 3 records, which
    # meets the threshold of 3; but wages 2040, 2190, 2340: the top two make 4530 / 6570 =
    # 69% of the total, over the dominance share of 50%, so Y-2..Y are pooled instead
    expected = reference_figures(rows, "2654.2")
    assert got["salary_entry_period"] == expected["salary_entry_period"] == "2023-2025"
    # 2023..2025 wages: 2000 + 150 * i + 10 * grow for i = 0, 1, 2, grow = 2, 3, 4
    pooled = sorted(2000 + 150 * i + 10 * grow for i in range(3) for grow in (2, 3, 4))
    assert got["salary_entry"] == pytest.approx(pooled[4]) == pytest.approx(2180.0)
    assert got["salary_senior_period"] == expected["salary_senior_period"]


def test_short_history_gives_no_growth(small_mart) -> None:
    settings, _rows = small_mart
    got = figures_of(settings, "nouveau")
    assert got["headcount"] == pytest.approx(4.0)
    assert got["growth_rate"] is None
    assert got["growth_rate_suppressed"] == "history shorter than 3 years"


def test_insertion_pools_cohorts_until_enough_leavers(small_mart) -> None:
    settings, _rows = small_mart
    monteur = figures_of(settings, "monteur")
    # 2024: 2 leavers < 3 -> add 2023: (1 + 3) / (2 + 4); most leavers of those came via network
    assert monteur["insertion_rate"] == pytest.approx(4 / 6)
    assert monteur["insertion_rate_period"] == "2023-2024"
    assert monteur["insertion_rate_n_records"] == 6
    assert monteur["insertion_main_channel"] == "network"
    electricien = figures_of(settings, "electricien")
    assert electricien["insertion_rate"] == pytest.approx(6 / 8)
    assert electricien["insertion_rate_period"] == "2024"
    assert figures_of(settings, "nouveau")["insertion_rate_suppressed"] == (
        "no insertion data for this métier"
    )


def test_freelance_rate_from_facts(small_mart) -> None:
    settings, _rows = small_mart
    got = figures_of(settings, "monteur")
    assert (got["freelance_rate_min"], got["freelance_rate_max"]) == (300.0, 450.0)
    assert got["freelance_rate_unit"] == "eur_per_day"
    assert got["freelance_rate_citation"] == "Test source"


def test_regional_primary_and_secondary_suppression(small_mart) -> None:
    settings, rows = small_mart
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        cells = {
            row["region"]: row
            for row in connection.sql(
                "SELECT * FROM metier_regions WHERE slug = 'monteur' AND year = 2025"
            )
            .pl()
            .to_dicts()
        }
    counts: dict[str, int] = {}
    for r in rows[Y]:
        if belongs(r["occupation_code"], "2654.2"):
            counts[r["region"]] = counts.get(r["region"], 0) + 1
    # indexes 0-4 BE10, 5-8 BE21, 9-10 BE31, 11-15 BE10 -> BE10 10, BE21 4, BE31 2
    assert counts == {"BE10": 10, "BE21": 4, "BE31": 2}
    assert cells["BE31"]["headcount"] is None
    assert cells["BE31"]["suppressed"].startswith("primary")
    # one primary cell alone could be recovered from the total: the smallest other goes too
    assert cells["BE21"]["headcount"] is None
    assert cells["BE21"]["suppressed"].startswith("secondary")
    assert cells["BE10"]["suppressed"] is None
    expected_be10 = sum(
        r["weight"]
        for r in rows[Y]
        if belongs(r["occupation_code"], "2654.2") and r["region"] == "BE10"
    )
    assert cells["BE10"]["headcount"] == pytest.approx(expected_be10)


def test_min_records_threshold_suppresses_with_reason(tmp_path: Path, small_mart) -> None:
    settings, _rows = small_mart
    strict = Settings(raw_dir=settings.raw_dir, marts_dir=tmp_path / "marts", min_records=7)
    run_refresh(strict)
    got = figures_of(strict, "electricien")
    # electricien has 6 records in 2025 < 7: every register figure is withheld, with the count
    assert got["headcount"] is None
    assert got["n_records"] is None
    assert got["headcount_suppressed"] == "fewer than 7 records"
    assert got["share_women_suppressed"] == "fewer than 7 records"
    # its insertion rests on 8 leavers >= 7 and stays published
    assert got["insertion_rate"] == pytest.approx(6 / 8)


def test_reliability_of_weighted_figures_by_hand(small_mart) -> None:
    """monteur 2025: 16 records, weights 1 (even indexes) and 2.5 (odd): a sample, so the
    record-count rule applies (16 < 30: low), and its CVs follow the Poisson-sampling
    variance sum(w (w - 1) y^2) of a total, worked out here by hand."""
    settings, rows = small_mart
    got = figures_of(settings, "monteur")
    # headcount: sum(w (w - 1)) = 8 * 2.5 * 1.5 = 30; CV = sqrt(30) / 28
    assert got["headcount_cv"] == pytest.approx(math.sqrt(30) / 28)
    current = [r for r in rows[Y] if belongs(r["occupation_code"], "2654.2")]
    total = sum(r["weight"] for r in current)
    women = sum(r["weight"] for r in current if r["sex"] == "F") / total
    variance = sum(
        r["weight"] * (r["weight"] - 1) * ((r["sex"] == "F") - women) ** 2 for r in current
    )
    assert got["share_women_cv"] == pytest.approx(
        math.sqrt(variance) / total / min(women, 1 - women)
    )
    for figure in ("headcount", "average_age", "share_women", "share_self_employed"):
        assert got[f"{figure}_reliability"] == "low", figure
    # electricien: 6 unweighted records (a census): no sampling error, reliable
    electricien = figures_of(settings, "electricien")
    assert electricien["headcount_cv"] == 0
    assert electricien["headcount_reliability"] == "reliable"
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        cards = dict(
            connection.execute(
                "SELECT lang, headcount FROM metier_cards WHERE slug = 'monteur'"
            ).fetchall()
        )
    assert cards == {
        "fr": "~28 (peu fiable)",
        "nl": "~28 (weinig betrouwbaar)",
        "en": "~28 (low reliability)",
    }
