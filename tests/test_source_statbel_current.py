"""Statbel's current distributions: the REFNIS file `TU_COM_REFNIS.txt` and the open-data
table `TF_CAR_HHTYPE_MUNTY.txt` (thousands dots, `-` for zero), both real files of ../shared.

Expected values were read off the files by hand and are checked again here by a second,
plain-Python reading of the lines (split on `|` or `;`):
- TU_COM_REFNIS: 2,769 records; open-ended (`31/12/9999`) 637 = 3 regions + 10 provinces +
  43 arrondissements + 581 municipalities; line 7 is `2|20001|02000|Provinz
  Flämisch-Brabant|Province du Brabant flamand|Provincie Vlaams-Brabant|01/01/1995|
  31/12/9999`; `20000` (Brabant) was valid 1970-1994 only.
- TF_CAR: 17,628 records; households 4,955,225 and cars 5,310,848; line 3 is Antwerpen
  `11002`, type 1, 0 cars, households ` 64.094   `; `-` in the car column on the 4,582
  records with 0 cars.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected
from metiers.ingest.sources import statbel

EXTERNAL = SHARED_DIR / "data" / "external"
TU_COM = EXTERNAL / "statbel_TU_COM_REFNIS.txt"
TF_CAR = EXTERNAL / "statbel_TF_CAR_HHTYPE_MUNTY.txt"
TF_OPTIONS = {"thousands": ".", "zero_marks": ["-"], "measures": ["aant_*", "ms_*"]}

pytestmark = pytest.mark.skipif(not TU_COM.exists(), reason=f"{TU_COM} is not available")


def lines(path: Path) -> list[list[str]]:
    """Second method: the records split by hand (header dropped)."""
    text = path.read_text(encoding="utf-8-sig")
    separator = "|" if "|" in text.split("\n", 1)[0] else ";"
    return [line.split(separator) for line in text.splitlines()[1:]]


@pytest.fixture(scope="module")
def current() -> pl.DataFrame:
    return statbel.read(TU_COM)


def unit(frame: pl.DataFrame, code: str) -> dict:
    found = frame.filter(pl.col("code") == code)
    assert found.height == 1, code
    return found.row(0, named=True)


def test_current_refnis_keeps_the_open_ended_units(current: pl.DataFrame) -> None:
    records = lines(TU_COM)
    assert len(records) == 2769
    open_ended = [record for record in records if record[7] == "31/12/9999"]
    assert len(open_ended) == current.height == 637
    assert current["code"].is_unique().all()
    assert sorted(current["code"]) == sorted(record[1] for record in open_ended)
    assert dict(current.group_by("level").len().iter_rows()) == {
        "region": 3,
        "province": 10,
        "arrondissement": 43,
        "municipality": 581,
    }
    assert current["valid_to"].null_count() == 637  # 31/12/9999 means "still valid"
    assert "01000" not in current["code"]  # the file has no kingdom row


def test_current_refnis_row_names_dates_and_nuts(current: pl.DataFrame) -> None:
    assert unit(current, "20001") == {
        "code": "20001",
        "name_fr": "Province du Brabant flamand",
        "name_nl": "Provincie Vlaams-Brabant",
        "name_de": "Provinz Flämisch-Brabant",
        "level": "province",
        "level_code": 2,
        "parent_code": "02000",
        "valid_from": date(1995, 1, 1),
        "valid_to": None,
        "nuts2": "BE24",
        "nuts1": "BE2",
        "source_row": 7,
    }
    brussels = unit(current, "04000")
    assert (brussels["parent_code"], brussels["nuts2"], brussels["nuts1"]) == (None, "BE10", "BE1")
    assert (unit(current, "02000")["nuts1"], unit(current, "03000")["nuts1"]) == ("BE2", "BE3")
    assert unit(current, "02000")["nuts2"] is None
    # The parent `-` (4 times in the file) is null: the 3 regions and the old Brabant.
    assert current["parent_code"].null_count() == 3


def test_current_refnis_valid_on_a_date_or_all_versions() -> None:
    every = statbel.read(TU_COM, {"valid_on": "all"})
    assert every.height == 2769
    assert every.filter(pl.col("code") == "23000").height == 2  # 1970-1994 and 1995-
    in_1990 = statbel.read(TU_COM, {"valid_on": "1990-01-01", "kind": "refnis_current"})
    codes = set(in_1990["code"])
    assert "20000" in codes and "20001" not in codes
    brabant = unit(in_1990, "20000")
    assert (brabant["valid_from"], brabant["valid_to"]) == (date(1970, 1, 1), date(1994, 12, 31))


def test_current_refnis_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "TU_COM_REFNIS.txt"
    path.write_text(
        "LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START\n"
        "1|02000|-|Flämische Region|Région flamande|Vlaams Gewest|01/01/1970\n"
    )
    with pytest.raises(DataRejected) as caught:
        statbel.read(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.column, problem.rule) == (
        str(path),
        "DT_VLDT_END",
        "required column",
    )
    assert problem.count is None  # a missing column, not "0 bad values"


def test_current_refnis_bad_level_and_date_are_rejected_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "TU_COM_REFNIS.txt"
    path.write_text(
        "LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|"
        "DT_VLDT_START|DT_VLDT_END\n"
        "1|02000|-|Flämische Region|Région flamande|Vlaams Gewest|01/01/1970|31/12/9999\n"
        "2|11002|02000|Antwerpen|Anvers|Antwerpen|01/01/1977|31/12/9999\n"
        "4|11001|10000|Aartselaar|Aartselaar|Aartselaar|1977-01-01|31/12/9999\n"
    )
    with pytest.raises(DataRejected) as caught:
        statbel.read(path)
    by_column = {problem.column: problem for problem in caught.value.problems}
    assert (by_column["CD_REFNIS"].sample, by_column["CD_REFNIS"].rows) == (["11002"], [3])
    assert (by_column["DT_VLDT_START"].sample, by_column["DT_VLDT_START"].rows) == (
        ["1977-01-01"],
        [4],
    )


# --- TF_* open data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cars() -> pl.DataFrame:
    return statbel.read(TF_CAR, TF_OPTIONS)


def test_tf_car_totals_with_thousands_dots_and_dashes(cars: pl.DataFrame) -> None:
    records = lines(TF_CAR)
    assert len(records) == cars.height == 17628

    def number(cell: str) -> int:
        cell = cell.strip()
        return 0 if cell == "-" else int(cell.replace(".", ""))

    households = sum(number(record[7]) for record in records)
    vehicles = sum(number(record[6]) for record in records)
    assert (households, vehicles) == (4_955_225, 5_310_848)
    assert cars["aant_huish"].sum() == households
    assert cars["aant_totaalwagens"].sum() == vehicles


def test_tf_car_cells_and_rows(cars: pl.DataFrame) -> None:
    antwerpen = cars.filter(
        (pl.col("cd_gemeente") == "11002")
        & (pl.col("hh_type_lipro") == "1")
        & (pl.col("aantalwagens") == "0")
    ).row(0, named=True)
    assert (antwerpen["aant_huish"], antwerpen["aant_totaalwagens"]) == (64094.0, 0.0)
    assert antwerpen["source_row"] == 3
    none = cars.filter(pl.col("aantalwagens") == "0")
    assert none.height == 4582
    assert none["aant_totaalwagens"].to_list() == [0.0] * 4582
    # Cars = n x households for 1 and 2 cars per household.
    for count in ("1", "2"):
        rows = cars.filter(pl.col("aantalwagens") == count)
        assert (rows["aant_totaalwagens"] == rows["aant_huish"] * int(count)).all()


def test_tf_car_undeclared_marks_are_reported_not_misread(tmp_path: Path) -> None:
    head = TF_CAR.read_text(encoding="utf-8-sig").splitlines()[:4]
    path = tmp_path / "TF_CAR_HEAD.txt"
    path.write_text("\n".join(head) + "\n", encoding="utf-8")
    # Without zero_marks the `-` is no number: rejected, naming the column, cells and lines.
    with pytest.raises(DataRejected) as caught:
        statbel.read(path, {"thousands": ".", "measures": ["aant_*"]})
    [problem] = caught.value.problems
    assert (problem.column, problem.sample, problem.rows) == (
        "aant_TotaalWagens",
        [" -     "] * 3,  # the cells as the file writes them
        [2, 3, 4],
    )
    # Badly grouped digits are refused when thousands is declared.
    bad = tmp_path / "bad.txt"
    bad.write_text("CD_X;aant_x\n1;1.23\n2;1.234\n")
    with pytest.raises(DataRejected) as caught:
        statbel.read(bad, {"thousands": ".", "measures": ["aant_*"]})
    [problem] = caught.value.problems
    assert (problem.sample, problem.rows) == (["1.23"], [2])
    assert "thousands '.'" in problem.rule


def test_regions_suite_names_a_missing_column_not_zero_bad_values(tmp_path: Path) -> None:
    """The TF table staged as regions (the wrong file in the folder): the suite says the
    `code` column is absent, never "(0 bad values)"."""
    from metiers.validate.suites import validate_parquet_in_duckdb

    staged = tmp_path / "regions.parquet"
    statbel.read(TF_CAR, TF_OPTIONS).write_parquet(staged)
    outcome = validate_parquet_in_duckdb(staged, "regions", {}, target="statbel/TF_CAR.txt")
    problems = {problem.column: problem for problem in outcome.problems}
    assert "absent from the file" in problems["code"].rule
    assert problems["code"].count is None
    assert "0 bad values" not in problems["code"].describe()
    with duckdb.connect() as connection:  # the staged file indeed has no `code` column
        names = [row[0] for row in connection.sql(f"DESCRIBE SELECT * FROM '{staged}'").fetchall()]
    assert "code" not in names


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"valid_on": "yesterday"}, "valid_on: expected 'open', 'all' or a date"),
        ({"thousands": ",", "decimal": ","}, "thousands ',' clashes with decimal ','"),
        ({"thousands": "1"}, "thousands: expected one character that is not a digit"),
        ({"zero_marks": [" "]}, "an empty zero mark cannot be told from an empty cell"),
        ({"measures": "aant_*"}, "measures: expected a list"),
    ],
)
def test_bad_statbel_options_are_refused(options: dict, words: str) -> None:
    from metiers.core.errors import UsageError

    with pytest.raises(UsageError) as caught:
        statbel.read(TU_COM, options)
    assert words in str(caught.value)


def test_zero_marks_are_compared_trimmed(cars: pl.DataFrame) -> None:
    spaced = statbel.read(TF_CAR, {**TF_OPTIONS, "zero_marks": [" -  "]})
    assert spaced.equals(cars)
