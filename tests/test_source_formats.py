"""Formats of the table-reading adapters (aggregate, eurostat, statbel): gzip-compressed text
named `*.gz`, XLSX sheets, and formats refused by name. Every compressed or XLSX copy is
made here from a real file of ../shared (or from lines quoted by hand) and must read exactly
as the plain file does; row numbers are the README's (line, header = line 1; sheet row).

Expected values, read off the files by hand:
- `eurostat_trng_lfse_04_oldformat_slice.tsv`: 18 lines x 20 years = 360 cells; BE10 2019 is
  `10.9` on line 5; BE34 2014 is `4.7 u` on line 16.
- `bls_oews_national_M2023_dl.csv`: `27-1011` Art Directors on line 451 (TOT_EMP "51,200",
  A_MEDIAN "106,500"); `27-2012` on line 468 (154,470 / 82,510); `27-4032` on line 507
  (29,240 / 66,600).
- `lfsa_egai2d` SDMX-CSV lines below: Belgian values quoted from the real extract.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected
from metiers.ingest.sources import aggregate, eurostat, get_source, stage_file, statbel
from metiers.ingest.sources.aggregate import BLS_OEWS_OPTIONS

EXTERNAL = SHARED_DIR / "data" / "external"
TRNG = EXTERNAL / "eurostat_trng_lfse_04_oldformat_slice.tsv"
BLS = EXTERNAL / "bls_oews_national_M2023_dl.csv"
TU_COM = EXTERNAL / "statbel_TU_COM_REFNIS.txt"
TF_CAR = EXTERNAL / "statbel_TF_CAR_HHTYPE_MUNTY.txt"

needs_external = pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"{EXTERNAL} is not available")

SDMX_HEADER = (
    "DATAFLOW,LAST UPDATE,freq,isco08,age,sex,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS"
)
# (isco08, geo, year, value, flag) of the real lfsa_egai2d extract (research notes, §2).
LFSA_CELLS = [
    ("NRP", "CH", "2024", "107.3", ""),
    ("NRP", "CZ", "2024", "", "u"),
    ("OC2", "BE", "2021", "1316.0", "b"),
    ("OC2", "BE", "2025", "1493.3", ""),
    ("OC26", "AT", "2024", "143.0", ""),
    ("OC26", "BE", "2021", "198.2", "b"),
    ("OC26", "BE", "2023", "195.1", ""),
    ("OC26", "BE", "2024", "188.9", ""),
    ("OC26", "BE", "2025", "196.9", ""),
    ("TOTAL", "BE", "2025", "5138.2", ""),
]
SMALL = {
    "columns": {"Code": "occupation_code", "Titre": "occupation_title", "Effectif": "headcount"},
    "keys": ["occupation_code", "occupation_title"],
    "markers": {"c": "confidential"},
}


def lfsa_lines() -> list[str]:
    return [
        f"ESTAT:LFSA_EGAI2D(1.0),30/06/26 11:00:00,A,{isco},Y15-74,T,THS_PER,{geo},{year},"
        f"{value},{flag},"
        for isco, geo, year, value, flag in LFSA_CELLS
    ]


def gzipped(source: Path, target: Path) -> Path:
    target.write_bytes(gzip.compress(source.read_bytes()))
    return target


def write_sheet(path: Path, rows: list[list], start_row: int = 0) -> Path:
    """Rows written from column A at `start_row` (0-based); numbers stay numbers."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    for offset, row in enumerate(rows):
        for column, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            if isinstance(cell, int | float):
                sheet.write_number(start_row + offset, column, cell)
            else:
                sheet.write_string(start_row + offset, column, cell)
    workbook.close()
    return path


def cell(frame: pl.DataFrame, geo: str, year: str) -> tuple:
    found = frame.filter((pl.col("geo") == geo) & (pl.col("time_period") == year))
    assert found.height == 1
    return found.select("value", "flag", "source_row").row(0)


def rejected(call, *args) -> str:
    with pytest.raises(DataRejected) as caught:
        call(*args)
    return str(caught.value)


# --- gzip ----------------------------------------------------------------------------------


@needs_external
def test_eurostat_tsv_gz_reads_as_the_plain_tsv(tmp_path: Path) -> None:
    plain = eurostat.read(TRNG)
    packed = eurostat.read(gzipped(TRNG, tmp_path / "trng_lfse_04.tsv.gz"))
    assert packed.height == 360 == 18 * 20
    assert packed.equals(plain)
    assert cell(packed, "BE10", "2019") == (10.9, None, 5)
    assert cell(packed, "BE34", "2014") == (4.7, "u", 16)


@needs_external
def test_aggregate_csv_gz_reads_as_the_plain_csv_with_line_numbers(tmp_path: Path) -> None:
    packed = aggregate.read(gzipped(BLS, tmp_path / "oews.csv.gz"), BLS_OEWS_OPTIONS)
    assert packed.equals(aggregate.read(BLS, BLS_OEWS_OPTIONS))
    found = {
        code: (headcount, median, row)
        for code, headcount, median, row in packed.select(
            "occupation_code", "headcount", "salary_median", "source_row"
        ).iter_rows()
    }
    assert found["27-1011"] == (51_200, 106_500, 451)
    assert found["27-2012"] == (154_470, 82_510, 468)
    assert found["27-4032"] == (29_240, 66_600, 507)


@needs_external
def test_statbel_txt_gz_reads_as_the_plain_file(tmp_path: Path) -> None:
    packed = statbel.read(gzipped(TU_COM, tmp_path / "TU_COM_REFNIS.txt.gz"))
    assert packed.equals(statbel.read(TU_COM))
    assert packed.height == 637


def test_sdmx_csv_gz_stages_with_the_stock_registry(tmp_path: Path) -> None:
    """Through `stage_file`, as a refresh reads it: the `.gz` is decompressed although the
    stock source declares no compression; the staged rows are the plain file's."""
    text = "\n".join([SDMX_HEADER, *lfsa_lines()]) + "\n"
    plain = tmp_path / "lfsa_egai2d.csv"
    plain.write_text(text)
    packed = gzipped(plain, tmp_path / "lfsa_egai2d.csv.gz")
    spec = get_source("eurostat_employment")
    staged = stage_file(packed, spec, tmp_path / "staging" / "packed.parquet")
    reference = stage_file(plain, spec, tmp_path / "staging" / "plain.parquet")
    # Employment (sex T, age Y15-74, THS_PER) for geo BE: OC2 x 2, OC26 x 4 = 6 rows (the
    # stock registry excludes TOTAL and NRP); the share of women finds no sex=F row.
    assert staged.rows == reference.rows == 6
    frame = pl.read_parquet(staged.staging_path)
    assert frame.equals(pl.read_parquet(reference.staging_path))
    oc26 = frame.filter(pl.col("isco_code") == "26").sort("time_period")
    # as published (thousands), and in persons once the declared unit is converted
    assert oc26.select("time_period", "source_value", "value", "source_row").rows() == [
        ("2021", 198.2, 198_200.0, 7),
        ("2023", 195.1, 195_100.0, 8),
        ("2024", 188.9, 188_900.0, 9),
        ("2025", 196.9, 196_900.0, 10),
    ]


def test_a_gz_name_without_gzip_content_is_rejected_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "table.tsv.gz"
    path.write_text("unit,geo\\time\t2020 \nPC,BE\t1 \n")
    message = rejected(eurostat.read, path)
    assert "unreadable as gzip" in message and str(path) in message


def test_gzip_bytes_under_a_plain_name_still_need_the_declaration(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(gzip.compress(b"Code,Titre,Effectif\n1,A,2\n"))
    message = rejected(aggregate.read, path, SMALL)
    assert 'compression = "gzip"' in message


def test_a_bad_cell_in_a_gz_file_names_the_gz_file(tmp_path: Path) -> None:
    path = tmp_path / "wages.csv.gz"
    path.write_bytes(gzip.compress(b"Code,Titre,Effectif\n1,A,2\n2,B,n/a\n"))
    with pytest.raises(DataRejected) as caught:
        aggregate.read(path, SMALL)
    [problem] = caught.value.problems
    assert (problem.file, problem.sample, problem.rows) == (str(path), ["n/a"], [3])


# --- XLSX ----------------------------------------------------------------------------------


@needs_external
def test_aggregate_xlsx_below_title_rows_reads_as_the_csv(tmp_path: Path) -> None:
    with BLS.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))[:40]  # header + 39 records (lines 2..40)
    text = tmp_path / "oews.csv"
    with text.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)
    # Two title rows and a blank one: the header is on sheet row 4, line n on row n + 3.
    book = write_sheet(tmp_path / "oews.xlsx", [["OEWS May 2023"], ["National"], [], *lines])
    from_csv = aggregate.read(text, BLS_OEWS_OPTIONS)
    from_xlsx = aggregate.read(book, BLS_OEWS_OPTIONS)
    assert from_xlsx.drop("source_row").equals(from_csv.drop("source_row"))
    assert (from_xlsx["source_row"] - 3).to_list() == from_csv["source_row"].to_list()
    ceo = from_xlsx.filter(pl.col("occupation_code") == "11-1011").row(0, named=True)
    assert (ceo["headcount"], ceo["source_row"]) == (211_230, 6 + 3)


def test_aggregate_xlsx_numbers_and_the_header_naming_most_columns(tmp_path: Path) -> None:
    book = write_sheet(
        tmp_path / "federation.xlsx",
        [
            ["Effectif"],  # a title naming one declared column
            [],
            ["Code", "Titre", "Effectif"],
            ["0110", "Officiers", 1234.5],
            ["2654", "Réalisateur", 51200],
            [],
            ["3000", "Autre", "c"],
        ],
        start_row=1,  # the sheet's first row is empty
    )
    frame = aggregate.read(book, SMALL)
    assert frame.select("occupation_code", "headcount", "headcount_flag", "source_row").rows() == [
        ("0110", 1234.5, None, 5),
        ("2654", 51200.0, None, 6),
        ("3000", None, "confidential", 8),
    ]
    message = rejected(aggregate.read, book, {**SMALL, "sheet": "Other"})
    assert "no sheet named 'Other'" in message and "federation.xlsx" in message


@needs_external
def test_eurostat_xlsx_with_the_tsv_layout_reads_as_the_tsv(tmp_path: Path) -> None:
    rows = [line.split("\t") for line in TRNG.read_text(encoding="utf-8").splitlines()]
    book = write_sheet(tmp_path / "trng.xlsx", rows)
    frame = eurostat.read(book)
    assert frame.equals(eurostat.read(TRNG))
    assert cell(frame, "BE10", "2019") == (10.9, None, 5)


def test_eurostat_xlsx_with_sdmx_csv_reads_as_the_csv(tmp_path: Path) -> None:
    text = tmp_path / "lfsa.csv"
    text.write_text("\n".join([SDMX_HEADER, *lfsa_lines()]) + "\n")
    rows = [line.split(",") for line in [SDMX_HEADER, *lfsa_lines()]]
    # OBS_VALUE as numbers, as a spreadsheet holds them.
    rows = [rows[0]] + [[*row[:9], float(row[9]) if row[9] else "", *row[10:]] for row in rows[1:]]
    frame = eurostat.read(write_sheet(tmp_path / "lfsa.xlsx", rows))
    assert frame.equals(eurostat.read(text))
    be = frame.filter((pl.col("geo") == "BE") & (pl.col("isco08") == "OC26"))
    assert cell(be, "BE", "2025") == (196.9, None, 10)
    assert cell(frame.filter(pl.col("isco08") == "NRP"), "CZ", "2024") == (None, "u", 3)


def test_eurostat_databrowser_xlsx_is_refused_by_name(tmp_path: Path) -> None:
    book = write_sheet(
        tmp_path / "lfsa_egai2d_page_spreadsheet.xlsx",
        [
            ["Employment by sex, age and occupation (1 000)"],
            [],
            ["Data extracted on 30/06/2026 11:00:00 from [ESTAT]"],
            ["Dataset:", "lfsa_egai2d"],
            [],
            ["TIME", "2024", "2025"],
            ["Belgium", 188.9, 196.9],
        ],
    )
    message = rejected(eurostat.read, book)
    assert "databrowser" in message and "TSV or SDMX-CSV" in message


@needs_external
def test_statbel_xlsx_reads_as_text(tmp_path: Path) -> None:
    lines = TF_CAR.read_text(encoding="utf-8-sig").splitlines()[:6]
    text = tmp_path / "TF_CAR.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = write_sheet(tmp_path / "TF_CAR.xlsx", [line.split(";") for line in lines])
    options = {"thousands": ".", "zero_marks": ["-"], "measures": ["aant_*"]}
    frame = statbel.read(book, options)
    assert frame.equals(statbel.read(text, options))
    antwerpen = frame.filter(pl.col("cd_gemeente") == "11002").row(0, named=True)
    assert (antwerpen["aant_huish"], antwerpen["aant_totaalwagens"]) == (64094.0, 0.0)
    assert antwerpen["source_row"] == 3


# --- refused formats -----------------------------------------------------------------------

OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("table.xls", OLE2, "Excel 97-2003 .xls is not supported: save it as .xlsx or .csv"),
        ("renamed.csv", OLE2, "Excel 97-2003 .xls is not supported"),
        ("table.ods", b"PK\x03\x04mimetype", "OpenDocument spreadsheet (.ods) is not supported"),
        ("tables.zip", b"PK\x03\x04", "a zip archive is not supported: extract the table"),
        ("table.7z", b"7z\xbc\xaf\x27\x1c", "a 7z archive is not supported"),
        ("table.parquet", b"PAR1", "Parquet is not read by this adapter"),
    ],
)
@pytest.mark.parametrize("adapter", ["aggregate", "eurostat", "statbel"])
def test_unsupported_formats_are_refused_by_name(
    tmp_path: Path, name: str, content: bytes, words: str, adapter: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    reader = {
        "aggregate": lambda: aggregate.read(path, SMALL),
        "eurostat": lambda: eurostat.read(path),
        "statbel": lambda: statbel.read(path),
    }[adapter]
    with pytest.raises(DataRejected) as caught:
        reader()
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert words in problem.rule


def test_a_workbook_named_csv_is_told_to_be_renamed(tmp_path: Path) -> None:
    book = write_sheet(tmp_path / "book.xlsx", [["Code", "Titre", "Effectif"], ["1", "A", 2]])
    path = tmp_path / "book.csv"
    path.write_bytes(book.read_bytes())
    assert "rename it to .xlsx" in rejected(aggregate.read, path, SMALL)


@needs_external
def test_every_adapter_reads_a_gz_name_as_gzip_when_staging(tmp_path: Path) -> None:
    """ESCO through `stage_file`: the `.gz` is dropped from the name the adapter sees, so
    the language still comes from `occupations_fr`; rows and lines as in the plain file."""
    plain = EXTERNAL / "esco_v1.2.1_occupations_fr.csv"
    packed = gzipped(plain, tmp_path / "occupations_fr.csv.gz")
    spec = get_source("esco_occupations")
    staged = stage_file(packed, spec, tmp_path / "staging" / "packed.parquet")
    copy = tmp_path / "occupations_fr.csv"
    copy.write_bytes(plain.read_bytes())
    reference = stage_file(copy, spec, tmp_path / "staging" / "plain.parquet")
    assert staged.rows == reference.rows == 3039
    frame = pl.read_parquet(staged.staging_path)
    assert frame.equals(pl.read_parquet(reference.staging_path))
    seed = frame.filter(pl.col("code") == "2654.2").row(0, named=True)
    assert (seed["lang"], seed["source_row"]) == ("fr", 6490)


def test_the_tabular_adapter_names_an_unsupported_format(tmp_path: Path) -> None:
    from metiers.ingest.sources import open_raw

    path = tmp_path / "register_2024.ods"
    path.write_bytes(b"PK\x03\x04mimetype")
    with pytest.raises(DataRejected) as caught:
        open_raw(path, get_source("register"))
    [problem] = caught.value.problems
    assert problem.file == str(path)
    assert "OpenDocument spreadsheet (.ods) is not supported: save it as .xlsx or .csv" in (
        problem.rule
    )
