"""Small raw folders written by the tests, in the source formats of DESIGN.md."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import xlsxwriter

CATALOGUE_COLUMNS = [
    "slug",
    "title_fr",
    "title_nl",
    "title_en",
    "esco_code",
    "training_years_min",
    "training_years_max",
    "training_plus_experience",
]
REGISTER_COLUMNS = [
    "year",
    "person_id",
    "occupation_code",
    "region",
    "sex",
    "age",
    "status",
    "gross_monthly_eur",
    "experience_years",
    "weight",
]
INSERTION_COLUMNS = ["cohort_year", "occupation_code", "leavers", "employed_6m", "main_channel"]
FACTS_COLUMNS = [
    "slug",
    "indicator",
    "value",
    "value_min",
    "value_max",
    "unit",
    "year",
    "region",
    "source",
    "source_url",
    "note",
    "override",
]


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in columns})
    return path


def write_register(raw: Path, year: int, rows: list[dict], fmt: str = "parquet") -> Path:
    path = raw / "register" / f"register_{year}.{fmt}"
    if fmt == "csv":
        columns = [c for c in REGISTER_COLUMNS if c != "weight" or any("weight" in r for r in rows)]
        return write_csv(path, columns, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame(
        [
            {
                column: row.get(column, 1.0 if column == "weight" else None)
                for column in REGISTER_COLUMNS
            }
            for row in rows
        ],
        schema={
            "year": pl.Int64,
            "person_id": pl.String,
            "occupation_code": pl.String,
            "region": pl.String,
            "sex": pl.String,
            "age": pl.Int64,
            "status": pl.String,
            "gross_monthly_eur": pl.Float64,
            "experience_years": pl.Int64,
            "weight": pl.Float64,
        },
    )
    frame.write_parquet(path)
    return path


def write_insertion(raw: Path, rows: list[dict], title_rows: int = 2) -> Path:
    path = raw / "insertion" / "insertion.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Insertion")
    for index in range(title_rows):
        sheet.write(index, 0, f"Title line {index + 1}")
    header_row = title_rows + 1 if title_rows else 0
    sheet.write_row(header_row, 0, INSERTION_COLUMNS)
    for offset, row in enumerate(rows, start=1):
        sheet.write_row(header_row + offset, 0, [row.get(column) for column in INSERTION_COLUMNS])
    workbook.close()
    return path


def write_catalogue(raw: Path, rows: list[dict]) -> Path:
    return write_csv(raw / "metiers" / "metiers.csv", CATALOGUE_COLUMNS, rows)


def write_facts(raw: Path, rows: list[dict]) -> Path:
    return write_csv(raw / "facts" / "facts.csv", FACTS_COLUMNS, rows)


def person(year: int, pid: str, code: str, **overrides) -> dict:
    """A register row with plausible defaults, overridable per field."""
    row = {
        "year": year,
        "person_id": pid,
        "occupation_code": code,
        "region": "BE10",
        "sex": "M",
        "age": 40,
        "status": "employee",
        "gross_monthly_eur": 3000.0,
        "experience_years": 5,
        "weight": 1.0,
    }
    row.update(overrides)
    if row["status"] == "self_employed":
        row["gross_monthly_eur"] = None
    return row


def small_raw(raw: Path, rate_max: int) -> None:
    """One métier, 12 persons a year; the freelance rate's maximum tells versions apart."""
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in range(2022, 2026):
        write_register(raw, year, [person(year, f"P{i}", "2654.5") for i in range(12)])
    write_facts(
        raw,
        [{"slug": "monteur", "indicator": "freelance_rate", "value_min": 300,
          "value_max": rate_max, "unit": "eur_per_day", "year": 2025, "source": "Test",
          "source_url": "https://example.org"}],
    )  # fmt: skip


def sources_releasing_everything(folder: Path) -> Path:
    """A copy of the bundled registry whose release policy never waits for a decision
    (`[release] approval = "never"`): for tests of publication mechanics, where a second
    version with flagged changes must reach readers without a release decision."""
    from metiers.core.paths import DEFAULT_SOURCES_FILE

    text = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8")
    assert 'approval = "flagged"' in text
    target = folder / "sources-release-everything.toml"
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(text.replace('approval = "flagged"', 'approval = "never"'), encoding="utf-8")
    return target


def editors_and_bakers(
    raw: Path, editors_2025: int, bakers_2025: int, last_year: int = 2025
) -> None:
    """Two métiers, 20 editors (ISCO 2654.5) and 12 bakers (7512.1) a year from 2022, all
    alike (person()'s defaults); `editors_2025` editors from 2025 on and `bakers_2025`
    bakers in 2025, up to `last_year` (a later year has 12 bakers)."""
    write_catalogue(
        raw,
        [
            {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur",
             "title_en": "Editor", "esco_code": "2654.5", "training_years_min": 3,
             "training_years_max": 3},
            {"slug": "boulanger", "title_fr": "Boulanger", "title_nl": "Bakker",
             "title_en": "Baker", "esco_code": "7512.1", "training_years_min": 1,
             "training_years_max": 2},
        ],
    )  # fmt: skip
    for year in range(2022, last_year + 1):
        editors = editors_2025 if year >= 2025 else 20
        bakers = bakers_2025 if year == 2025 else 12
        rows = [person(year, f"M{i}", "2654.5") for i in range(editors)]
        rows += [person(year, f"B{i}", "7512.1") for i in range(bakers)]
        write_register(raw, year, rows)
