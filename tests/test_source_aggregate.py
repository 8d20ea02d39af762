"""The aggregate-table adapter on the real BLS OEWS national file and on small written files.

The BLS file (`bls_oews_national_M2023_dl.csv`, May 2023, sha256 1d488834…) is read from the
shared external folder, never copied into the repository. Expected values were checked by
hand in that file (line numbers include the header line, so record N is on line N + 1):

- bytes 0-2 are EF BB BF (BOM); every line ends in CRLF (`head -3 | cat -A` shows `^M$`);
  `wc -l` gives 1,404 lines: header + 1,403 records, none multiline (no quoted newlines).
- line 2: `…,00-0000,All Occupations,total,"151,853,870",…,"48,060" (A_MEDIAN)…`
- line 6: `…,11-1011,Chief Executives,detailed,"211,230",…,124.47,"258,900",0.7,38.46,62.90,
  99.37,#,#,"80,000","130,840","206,680",#,#,,` — H_PCT75, H_PCT90, A_PCT75, A_PCT90 are `#`.
- line 10: `…,11-1031,Legislators,detailed,"32,460",…,*,"68,140",1.3,*,*,*,*,*,"21,010",
  "28,810","47,290","82,200","129,510",TRUE,` — hourly wages `*`, ANNUAL TRUE.
- line 467: `…,27-2011,Actors,…,"62,560",…,41.01,*,…,*,*,*,*,*,,TRUE` — annual wages `*`,
  HOURLY TRUE in the last column (followed by CRLF).
- Counted with the csv module: O_GROUP total 1, major 22, minor 94, broad 455, detailed 831;
  H_MEDIAN 83 `*` and 17 `#`; A_MEDIAN 7 `*` and 17 `#`; ANNUAL 83 TRUE, HOURLY 7 TRUE.
- TOT_EMP is a number on every row. Sums: total row 151,853,870; major 151,853,870; minor
  151,852,970 (-900); broad 151,853,000 (-870); detailed 151,853,170 (-700: each row is
  rounded to tens); all 1,403 rows 759,266,880 (five levels, ~5x the total).
- Not in the README: 7 OCC_CODE values occur twice (e.g. 13-1020 lines 80 and 81), as a broad
  group and as its only detailed occupation with the same figures, so OCC_CODE alone is not a
  key of the unfiltered file; it is unique among detailed rows.
- Top codes: no plain A_* value exceeds 236,000 and no plain H_* value 113.46, below the May
  2023 caps $239,200 / $115.00 (= 239,200 / 2,080 hours) that BLS_OEWS_OPTIONS declares.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected, UsageError
from metiers.ingest.sources import aggregate
from metiers.ingest.sources.aggregate import BLS_OEWS_OPTIONS, check_hierarchy, read

BLS_FILE = SHARED_DIR / "data" / "external" / "bls_oews_national_M2023_dl.csv"
TOTAL_HEADCOUNT = 151_853_870
UNFILTERED = {name: value for name, value in BLS_OEWS_OPTIONS.items() if name != "filter"}


@pytest.fixture(scope="module")
def bls_path() -> Path:
    if not BLS_FILE.exists():
        pytest.skip(f"shared BLS file missing: {BLS_FILE}")
    return BLS_FILE


@pytest.fixture(scope="module")
def bls_rows(bls_path: Path) -> list[dict[str, str]]:
    """The file read a second way, with the csv module, to count cells independently."""
    with bls_path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def bls(bls_path: Path) -> pl.DataFrame:
    return read(bls_path, UNFILTERED)


def row(frame: pl.DataFrame, code: str, level: str = "detailed") -> dict:
    found = frame.filter((pl.col("occupation_code") == code) & (pl.col("level") == level))
    assert found.height == 1
    return found.row(0, named=True)


def test_bls_file_reads_every_record_with_bom_and_crlf(bls_path: Path, bls: pl.DataFrame):
    assert bls_path.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert bls.height == 1403
    # Row numbers are line numbers (README): the header is line 1, records lines 2..1404.
    assert bls["source_row"].to_list() == list(range(2, 1405))
    # The first header is AREA (the BOM is not part of it) and the last field has no CR left:
    # HOURLY read as text is exactly "TRUE" or null.
    first_last = read(
        bls_path, {"columns": {"AREA": "area", "HOURLY": "hourly"}, "keys": ["area", "hourly"]}
    )
    assert first_last["area"].unique().to_list() == ["99"]
    assert set(first_last["hourly"].unique().to_list()) == {"TRUE", None}
    for name, dtype in bls.schema.items():
        if dtype == pl.String:
            assert not bls[name].str.contains("[\r\ufeff]").any(), name


def test_bls_schema_keys_values_flags_defaults(bls: pl.DataFrame):
    assert bls.columns == [
        "occupation_code",
        "occupation_title",
        "level",
        "headcount",
        "headcount_flag",
        "hourly_median",
        "hourly_median_flag",
        "hourly_p90",
        "hourly_p90_flag",
        "salary_median",
        "salary_median_flag",
        "salary_p10",
        "salary_p10_flag",
        "salary_p90",
        "salary_p90_flag",
        "annual_only",
        "hourly_only",
        "region",
        "year",
        "source_row",
    ]
    schema = bls.schema
    assert schema["occupation_code"] == pl.String
    assert schema["headcount"] == pl.Float64
    assert schema["salary_p90_flag"] == pl.String
    assert schema["annual_only"] == pl.Boolean
    assert schema["year"] == pl.Int32
    assert bls["region"].unique().to_list() == ["US"]
    assert bls["year"].unique().to_list() == [2023]


def test_bls_all_occupations_total_row(bls: pl.DataFrame):
    total = row(bls, "00-0000", "total")
    assert total["occupation_title"] == "All Occupations"
    assert total["source_row"] == 2  # line 2, under the header
    assert total["headcount"] == TOTAL_HEADCOUNT  # "151,853,870"
    assert total["salary_median"] == 48_060  # "48,060"
    assert total["hourly_median"] == 23.11
    assert total["salary_p90"] == 121_470
    assert total["salary_median_flag"] is None
    assert total["annual_only"] is False and total["hourly_only"] is False


def test_bls_chief_executives_top_coded_wages_read_as_the_cap(bls: pl.DataFrame):
    ceo = row(bls, "11-1011")
    assert ceo["source_row"] == 6  # line 6
    # H_PCT90 and A_PCT90 are "#": the cap, flagged as a lower bound.
    assert (ceo["hourly_p90"], ceo["hourly_p90_flag"]) == (115.0, "top_coded")
    assert (ceo["salary_p90"], ceo["salary_p90_flag"]) == (239_200, "top_coded")
    # The median and P10 are plain numbers.
    assert (ceo["salary_median"], ceo["salary_median_flag"]) == (206_680, None)
    assert (ceo["hourly_median"], ceo["hourly_median_flag"]) == (99.37, None)
    assert ceo["salary_p10"] == 80_000
    assert ceo["headcount"] == 211_230


def test_top_coded_without_a_cap_is_null_and_flagged(bls_path: Path):
    options = {
        "columns": {"OCC_CODE": "occupation_code", "O_GROUP": "level", "A_PCT75": "p75"},
        "keys": ["occupation_code", "level"],
        "markers": {"#": "top_coded", "*": "not_available"},
    }
    ceo = row(read(bls_path, options), "11-1011")
    assert (ceo["p75"], ceo["p75_flag"]) == (None, "top_coded")


def test_bls_not_available_and_top_coded_counts_match_the_csv_module(
    bls: pl.DataFrame, bls_rows: list[dict[str, str]]
):
    hourly = Counter(record["H_MEDIAN"] for record in bls_rows)
    annual = Counter(record["A_MEDIAN"] for record in bls_rows)
    assert (hourly["*"], hourly["#"], annual["*"], annual["#"]) == (83, 17, 7, 17)

    flags = Counter(bls["hourly_median_flag"].drop_nulls().to_list())
    assert flags == {"not_available": hourly["*"], "top_coded": hourly["#"]}
    flags = Counter(bls["salary_median_flag"].drop_nulls().to_list())
    assert flags == {"not_available": annual["*"], "top_coded": annual["#"]}
    # The same rows, not just the same counts.
    stars = [i + 2 for i, record in enumerate(bls_rows) if record["H_MEDIAN"] == "*"]
    flagged = bls.filter(pl.col("hourly_median_flag") == "not_available")
    assert flagged["source_row"].to_list() == stars
    assert flagged["hourly_median"].null_count() == len(stars)
    capped = bls.filter(pl.col("hourly_median_flag") == "top_coded")["hourly_median"]
    assert capped.to_list() == [115.0] * hourly["#"]

    legislators = row(bls, "11-1031")  # line 10: hourly `*`, annual numbers, ANNUAL TRUE
    assert legislators["source_row"] == 10
    assert (legislators["hourly_median"], legislators["hourly_median_flag"]) == (
        None,
        "not_available",
    )
    assert legislators["salary_median"] == 47_290
    assert legislators["annual_only"] is True


def test_bls_annual_hourly_booleans_match_the_csv_module(
    bls: pl.DataFrame, bls_rows: list[dict[str, str]]
):
    assert Counter(record["ANNUAL"] for record in bls_rows) == {"": 1320, "TRUE": 83}
    assert Counter(record["HOURLY"] for record in bls_rows) == {"": 1396, "TRUE": 7}
    assert bls["annual_only"].to_list() == [record["ANNUAL"] == "TRUE" for record in bls_rows]
    assert bls["hourly_only"].to_list() == [record["HOURLY"] == "TRUE" for record in bls_rows]
    assert bls["annual_only"].null_count() == 0
    actors = row(bls, "27-2011")  # line 467: annual `*`, HOURLY TRUE in the last column
    assert actors["hourly_only"] is True
    assert (actors["salary_median"], actors["salary_median_flag"]) == (None, "not_available")
    assert actors["hourly_median"] == 20.50


def test_bls_levels_double_count_unless_filtered(bls_path: Path, bls: pl.DataFrame):
    levels = dict(bls["level"].value_counts().iter_rows())
    assert levels == {"total": 1, "major": 22, "minor": 94, "broad": 455, "detailed": 831}
    # Every level covers the whole workforce: summing all rows counts it about five times.
    assert bls["headcount"].sum() == 759_266_880
    assert bls["headcount"].sum() > 4.9 * TOTAL_HEADCOUNT
    # 7 codes are both a broad group and its single detailed occupation.
    assert bls["occupation_code"].is_duplicated().sum() == 14

    detailed = read(bls_path, BLS_OEWS_OPTIONS)  # the example options keep detailed rows only
    assert detailed.height == 831
    assert detailed["level"].unique().to_list() == ["detailed"]
    assert detailed["occupation_code"].is_unique().all()
    assert row(detailed, "11-1011")["source_row"] == 6  # still the line in the file
    # Close to the total but not equal: published rows are rounded to tens.
    assert detailed["headcount"].sum() == 151_853_170
    assert detailed["headcount"].sum() - TOTAL_HEADCOUNT == -700


def test_check_hierarchy_reports_levels_that_do_not_add_up(bls: pl.DataFrame):
    assert check_hierarchy(bls, UNFILTERED).is_empty()  # within the default 1e-4
    exact = {**UNFILTERED, "hierarchy": {**UNFILTERED["hierarchy"], "tolerance": 0}}
    report = check_hierarchy(bls, exact)
    assert report.select("level", "rows", "difference").rows() == [
        ("minor", 94, -900.0),
        ("broad", 455, -870.0),
        ("detailed", 831, -700.0),
    ]
    with pytest.raises(UsageError, match="without a filter"):
        check_hierarchy(bls.filter(pl.col("level") == "detailed"), UNFILTERED)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


SMALL = {
    "columns": {"Code": "occupation_code", "Titre": "occupation_title", "Effectif": "headcount"},
    "keys": ["occupation_code", "occupation_title"],
    "markers": {"-": "not_available", "c": "confidential"},
}


@pytest.mark.parametrize("separator", [";", "auto"])
def test_semicolon_decimal_comma_and_thousands_dot(tmp_path: Path, separator: str):
    path = write(
        tmp_path / "be.csv",
        'Code;Titre;Effectif\r\n0110;Officiers;"1.234,5"\r\n2654;Réalisateur;12,5\r\n'
        "3000;Autre;c\r\n4000;Vide;\r\n",
    )
    frame = read(path, {**SMALL, "separator": separator, "decimal": ",", "thousands": "."})
    assert frame["occupation_code"].to_list() == ["0110", "2654", "3000", "4000"]
    assert frame["headcount"].to_list() == [1234.5, 12.5, None, None]
    assert frame["headcount_flag"].to_list() == [None, None, "confidential", None]
    assert frame["source_row"].to_list() == [2, 3, 4, 5]


def test_latin1_file_with_accented_title(tmp_path: Path):
    path = write(
        tmp_path / "statbel.csv", "code;titre;effectif\n2654;Ingénieur du son;1.200\n", "latin-1"
    )
    options = {**SMALL, "separator": ";", "decimal": ",", "encoding": "latin-1"}
    frame = read(path, options)
    assert frame.row(0, named=True)["occupation_title"] == "Ingénieur du son"
    assert frame["headcount"].to_list() == [1200.0]
    with pytest.raises(DataRejected, match="unreadable as utf-8"):
        read(path, {**options, "encoding": "utf-8"})


def test_undeclared_marker_is_rejected_with_file_column_value_and_row(tmp_path: Path):
    path = write(
        tmp_path / "wages.csv",
        'Code,Titre,Effectif\n11-1011,Chief,"1,000"\n11-1021,Manager,n/a\n'
        "11-1031,Legislator,-\n11-2011,Ads,n/a\n",
    )
    with pytest.raises(DataRejected) as caught:
        read(path, SMALL)
    [problem] = caught.value.problems  # one problem for the column, with a count
    assert problem.file == str(path)
    assert problem.column == "Effectif"
    assert problem.rule == "number or declared marker"
    assert problem.sample == ["n/a", "n/a"]
    assert problem.rows == [3, 5]  # lines 3 and 5
    assert problem.count == 2
    assert "'n/a'" in str(caught.value) and "wages.csv" in str(caught.value)


def test_badly_grouped_number_is_rejected_not_misread(tmp_path: Path):
    path = write(tmp_path / "w.csv", 'Code,Titre,Effectif\n1,A,"12,34"\n2,B,"1,234"\n')
    with pytest.raises(DataRejected) as caught:
        read(path, SMALL)
    assert caught.value.problems[0].sample == ["12,34"]
    assert caught.value.problems[0].rows == [2]


def test_missing_mapped_column_is_rejected(tmp_path: Path):
    path = write(tmp_path / "short.csv", "CODE,titre\n0110,Officiers\n")
    with pytest.raises(DataRejected) as caught:
        read(path, SMALL)
    [problem] = caught.value.problems
    assert (problem.file, problem.column) == (str(path), "Effectif")
    assert problem.rule.startswith("required column")
    assert problem.sample == ["CODE", "titre"]


def test_bad_boolean_and_bad_options(tmp_path: Path):
    path = write(tmp_path / "b.csv", "Code,Flag\n1,TRUE\n2,\n3,maybe\n")
    options = {"columns": {"Code": "code", "Flag": "flag"}, "keys": ["code"], "booleans": ["flag"]}
    with pytest.raises(DataRejected) as caught:
        read(path, options)
    assert (caught.value.problems[0].sample, caught.value.problems[0].rows) == (["maybe"], [4])
    with pytest.raises(UsageError, match=r"aggregate options: unknown key\(s\) 'seperator'"):
        read(path, {**options, "seperator": ";"})
    with pytest.raises(UsageError, match="filter on unmapped column"):
        read(path, {**options, "filter": {"level": ["detailed"]}})
    assert aggregate.SUFFIXES == (".csv", ".txt", ".tsv")
