"""Eurostat adapter: the real bulk TSV sample, small TSV / SDMX-CSV files, flags.

Expected values were read off the raw file by hand (awk on the tab-separated cells), not
computed with the adapter.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import SHARED_DIR

from metiers.core.errors import DataRejected, UsageError
from metiers.ingest.sources import eurostat

EXTERNAL = SHARED_DIR / "data" / "external"
SAMPLE = EXTERNAL / "eurostat_edat_lfse_04_sample.tsv"
KEY = ["freq", "sex", "isced11", "age", "unit", "geo"]
YEARS = [str(year) for year in range(2000, 2024)]

needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason=f"{SAMPLE} is not available")


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} is not available")
    return eurostat.read_tsv(SAMPLE)


def cell(frame: pl.DataFrame, geo: str, year: str, **key: str) -> tuple:
    """(value, flag, source_row) of the one long row for this key and year."""
    found = frame.filter(
        pl.col("geo") == geo,
        pl.col("time_period") == year,
        *[pl.col(name) == value for name, value in key.items()],
    )
    assert found.height == 1, found
    return found.select("value", "flag", "source_row").row(0)


def rejected(call, *args) -> list:
    with pytest.raises(DataRejected) as caught:
        call(*args)
    assert caught.value.stage == "ingest"
    return caught.value.problems


# --- the real sample --------------------------------------------------------------------------


@needs_sample
def test_sample_shape_is_one_long_row_per_wide_cell(sample: pl.DataFrame) -> None:
    raw_lines = SAMPLE.read_bytes().split(b"\r\n")
    assert raw_lines[-1] == b""  # the file ends with CRLF
    data_lines = raw_lines[1:-1]
    # The README says "41-row sample" / "41 lines": 41 lines, of which 40 are data rows.
    assert len(data_lines) == 40
    assert sample.height == 40 * 24 == 960
    assert sample.schema == pl.Schema(
        {
            **dict.fromkeys(KEY, pl.String),
            "time_period": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
            "source_row": pl.Int64,
        }
    )
    assert sample["source_row"].unique().sort().to_list() == list(range(2, 42))
    assert sample.group_by("source_row").len()["len"].unique().to_list() == [24]


@needs_sample
def test_sample_header_years_are_stripped_and_crlf_is_gone(sample: pl.DataFrame) -> None:
    header = SAMPLE.read_bytes().split(b"\r\n", 1)[0].decode().split("\t")
    assert header[0] == "freq,sex,isced11,age,unit,geo\\TIME_PERIOD"
    assert header[1] == "2000 " and header[-1] == "2023 "  # trailing spaces in the file
    assert sample["time_period"].unique(maintain_order=True).to_list() == YEARS
    # The last year of each row is followed by \r in the file: nothing of it is left.
    for name in [*KEY, "time_period", "flag"]:
        assert not sample[name].drop_nulls().str.contains(r"[\r\s]").any(), name


@needs_sample
def test_sample_flagged_and_plain_cells(sample: pl.DataFrame) -> None:
    # Line 2 of the file, data row 1: `A,F,ED3_4VOC,Y25-64,PC,EL6`, 21 x `: ` then `12.7 b`.
    el6 = {"sex": "F", "isced11": "ED3_4VOC", "age": "Y25-64"}
    assert cell(sample, "EL6", "2021", **el6) == (12.7, "b", 2)
    assert cell(sample, "EL6", "2020", **el6) == (None, None, 2)  # `: `
    assert cell(sample, "EL6", "2022", **el6) == (13.7, None, 2)  # `13.7 `
    # Data row 3: `A,T,ED5-8,Y20-24,PC,FRY1`: 2014 `17.5 bu`, 2015 `18.3 u`, 2021 `18.7 bu`.
    fry1 = {"sex": "T", "isced11": "ED5-8", "age": "Y20-24"}
    assert cell(sample, "FRY1", "2014", **fry1) == (17.5, "bu", 4)
    assert cell(sample, "FRY1", "2015", **fry1) == (18.3, "u", 4)
    assert cell(sample, "FRY1", "2021", **fry1) == (18.7, "bu", 4)
    # Data row 31: `A,F,ED3-8,Y25-64,PC,FI20`, 2023 `84.4 u`.
    assert cell(sample, "FI20", "2023", sex="F", isced11="ED3-8") == (84.4, "u", 32)
    # Data row 24: `A,F,ED0-2,Y20-24,PC,AT11`, every year missing with a flag:
    # `: u` except `: bu` in 2004, 2006, 2014 and 2021.
    at11 = {"sex": "F", "isced11": "ED0-2", "age": "Y20-24"}
    assert cell(sample, "AT11", "2000", **at11) == (None, "u", 25)
    assert cell(sample, "AT11", "2004", **at11) == (None, "bu", 25)
    row = sample.filter(pl.col("source_row") == 25)
    assert row["value"].null_count() == 24
    bu_years = row.filter(pl.col("flag") == "bu")["time_period"].to_list()
    assert bu_years == ["2004", "2006", "2014", "2021"]
    # Data row 27: `A,F,ED0-2,Y25-34,PC,AT11`, 2006 `17.8 bu` between `: u` and `: u`.
    at11_25 = {**at11, "age": "Y25-34"}
    assert cell(sample, "AT11", "2006", **at11_25) == (17.8, "bu", 28)
    assert cell(sample, "AT11", "2005", **at11_25) == (None, "u", 28)


@needs_sample
def test_sample_belgian_rows(sample: pl.DataFrame) -> None:
    # Data row 25 (file line 26): `A,F,ED0-2,Y20-24,PC,BE10`, copied by hand from the file.
    be10 = sample.filter(pl.col("geo") == "BE10")
    assert be10.select(*KEY).unique().rows() == [("A", "F", "ED0-2", "Y20-24", "PC", "BE10")]
    assert be10["source_row"].unique().to_list() == [26]
    assert be10["value"].to_list() == [
        23.8, 28.2, 25.3, 20.3, 25.6, 26.3, 26.1, 25.3, 28.1, 21.7, 26.8, 26.6,
        23.1, 23.3, 19.1, 22.8, 22.8, 19.9, 21.6, 24.5, 17.9, 14.8, 16.2, 13.5,
    ]  # fmt: skip
    flagged = be10.filter(pl.col("flag").is_not_null())
    assert flagged.select("time_period", "flag").rows() == [
        ("2008", "b"), ("2014", "b"), ("2017", "b"), ("2021", "b"),
    ]  # fmt: skip
    assert cell(sample, "BE10", "2000") == (23.8, None, 26)  # the plain `23.8 ` cell
    # Data row 8 (file line 9): `A,T,ED3_4GEN,Y25-34,PC,BE23`: 2000-2013 `: `, then values.
    be23 = sample.filter(pl.col("geo") == "BE23")
    assert be23.select(*KEY).unique().rows() == [("A", "T", "ED3_4GEN", "Y25-34", "PC", "BE23")]
    assert be23.filter(pl.col("value").is_null())["time_period"].to_list() == YEARS[:14]
    assert be23.filter(pl.col("value").is_null())["flag"].null_count() == 14
    assert be23["value"].drop_nulls().to_list() == [
        7.6, 7.4, 7.9, 8.0, 6.4, 8.3, 8.6, 7.0, 5.5, 7.4
    ]  # fmt: skip
    assert cell(sample, "BE23", "2014") == (7.6, "b", 9)
    assert cell(sample, "BE23", "2017") == (8.0, "b", 9)
    assert cell(sample, "BE23", "2023") == (7.4, None, 9)


@needs_sample
def test_sample_matches_a_plain_python_reading(sample: pl.DataFrame) -> None:
    """Second method: split on CRLF, tabs and spaces by hand; every cell must agree."""
    lines = SAMPLE.read_bytes().decode("ascii").split("\r\n")[1:-1]
    expected = []
    missing = 0
    flags: dict[str, int] = {}
    for number, line in enumerate(lines, start=2):  # the header is line 1
        key, *cells = line.split("\t")
        for year, text in zip(YEARS, cells, strict=True):
            raw_value, _, raw_flag = text.partition(" ")
            value = None if raw_value == ":" else float(raw_value)
            flag = raw_flag or None
            missing += value is None
            if flag:
                flags[flag] = flags.get(flag, 0) + 1
            expected.append((*key.split(","), year, value, flag, number))
    assert sample.rows() == expected
    # Counted once more with grep: 131 `: `, 37 `: u` and 7 `: bu` cells.
    assert missing == 131 + 37 + 7 == 175
    assert sample["value"].null_count() == missing
    assert flags == {"b": 135, "bu": 11, "u": 49}
    assert sample.filter(pl.col("value").is_null() & pl.col("flag").is_not_null()).height == 44


@needs_sample
def test_read_dispatches_the_sample_to_the_tsv_reader(sample: pl.DataFrame) -> None:
    assert eurostat.read(SAMPLE).equals(sample)
    assert ".tsv" in eurostat.SUFFIXES and ".csv" in eurostat.SUFFIXES


@needs_sample
def test_sample_with_lf_endings_reads_the_same(sample: pl.DataFrame, tmp_path: Path) -> None:
    lf = tmp_path / "edat_lf.tsv"
    lf.write_bytes(SAMPLE.read_bytes().replace(b"\r\n", b"\n"))
    assert b"\r" not in lf.read_bytes()
    assert eurostat.read_tsv(lf).equals(sample)


# --- small TSV files ----------------------------------------------------------------------


def test_old_time_header_with_lf_and_monthly_periods(tmp_path: Path) -> None:
    path = tmp_path / "une_rt_m.tsv"
    path.write_text(
        "s_adj,age,unit,sex,geo\\time\t2021M03 \t2021M02 \n"
        "SA,TOTAL,PC_ACT,T,BE\t6.3 \t6.2 p\n"
        "SA,TOTAL,PC_ACT,T,LU\t: c\t5.9 \n",
        encoding="utf-8",
        newline="\n",
    )
    frame = eurostat.read(path)
    assert frame.columns == [
        "s_adj", "age", "unit", "sex", "geo", "time_period", "value", "flag", "source_row",
    ]  # fmt: skip
    assert frame.rows() == [
        ("SA", "TOTAL", "PC_ACT", "T", "BE", "2021M03", 6.3, None, 2),
        ("SA", "TOTAL", "PC_ACT", "T", "BE", "2021M02", 6.2, "p", 2),
        ("SA", "TOTAL", "PC_ACT", "T", "LU", "2021M03", None, "c", 3),
        ("SA", "TOTAL", "PC_ACT", "T", "LU", "2021M02", 5.9, None, 3),
    ]


def test_quarters_negative_values_and_header_only_file(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    path.write_bytes(b"unit,geo\\TIME_PERIOD\t2021-Q1 \t2021-Q2 \r\nPCH,BE\t-0.4 e\t1 \r\n")
    assert eurostat.read_tsv(path).select("time_period", "value", "flag").rows() == [
        ("2021-Q1", -0.4, "e"),
        ("2021-Q2", 1.0, None),
    ]
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"unit,geo\\TIME_PERIOD\t2021 \r\n")
    frame = eurostat.read_tsv(empty)
    assert frame.height == 0
    assert frame.columns == ["unit", "geo", "time_period", "value", "flag", "source_row"]


def test_tsv_bad_cell_and_bad_key_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("unit,geo\\time\t2020 \t2021 \nPC,BE\t1.5 \t1,5 b\nPC,LU\tn.a.\t2 \n")
    (problem,) = rejected(eurostat.read_tsv, path)
    assert problem.file == str(path)
    assert problem.sample == ["1,5 b", "n.a."]
    assert problem.rows == [2, 3]
    assert problem.count == 2

    longer = tmp_path / "ragged.tsv"
    longer.write_text("unit,geo\\time\t2020 \nPC,BE\t1 \nPC,LU\t1 \t2 \n")
    assert rejected(eurostat.read_tsv, longer)[0].file == str(longer)
    shorter = tmp_path / "short.tsv"
    shorter.write_text("unit,geo\\time\t2020 \t2021 \nPC,BE\t1 \t2 \nPC,LU\t1 \n")
    (problem,) = rejected(eurostat.read_tsv, shorter)
    assert (problem.column, problem.sample, problem.rows) == ("2021", [None], [3])

    keys = tmp_path / "keys.tsv"
    keys.write_text("unit,geo\\time\t2020 \nPC,BE\t1 \nPC\t2 \n")
    (problem,) = rejected(eurostat.read_tsv, keys)
    assert problem.rows == [3] and problem.sample == ["PC"]


def test_neither_tsv_nor_sdmx_is_rejected_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("geo,year,value\nBE,2021,1.5\n")
    for call in (eurostat.read, eurostat.read_tsv, eurostat.read_sdmx_csv):
        (problem,) = rejected(call, path)
        assert problem.file == str(path)
    with pytest.raises(DataRejected, match=r"plain\.csv"):
        eurostat.read(path)
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"")
    assert "empty" in rejected(eurostat.read, empty)[0].rule


def test_options_are_checked() -> None:
    with pytest.raises(UsageError):
        eurostat.read_tsv(Path("unused.tsv"), {"decimal": ","})
    with pytest.raises(UsageError):
        eurostat.read_tsv(Path("unused.tsv"), {"sheet": 1})


# --- SDMX-CSV -------------------------------------------------------------------------------


def test_sdmx_csv_1_0(tmp_path: Path) -> None:
    path = tmp_path / "lfsa_egan.csv"
    path.write_text(
        "DATAFLOW,LAST UPDATE,freq,unit,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
        "ESTAT:LFSA_EGAN(1.0),21/05/24 23:00:00,A,THS_PER,BE,2022,4978.1,\n"
        "ESTAT:LFSA_EGAN(1.0),21/05/24 23:00:00,A,THS_PER,BE,2023,5040.2,p\n"
        "ESTAT:LFSA_EGAN(1.0),21/05/24 23:00:00,A,THS_PER,LU,2023,,c\n",
        encoding="utf-8",
    )
    frame = eurostat.read(path)
    assert frame.schema == pl.Schema(
        {
            "dataflow": pl.String,
            "freq": pl.String,
            "unit": pl.String,
            "geo": pl.String,
            "time_period": pl.String,
            "value": pl.Float64,
            "flag": pl.String,
            "last_update": pl.String,
            "source_row": pl.Int64,
        }
    )
    flow = "ESTAT:LFSA_EGAN(1.0)"
    stamp = "21/05/24 23:00:00"
    assert frame.rows() == [
        (flow, "A", "THS_PER", "BE", "2022", 4978.1, None, stamp, 2),
        (flow, "A", "THS_PER", "BE", "2023", 5040.2, "p", stamp, 3),
        (flow, "A", "THS_PER", "LU", "2023", None, "c", stamp, 4),
    ]
    assert eurostat.read_sdmx_csv(path).equals(frame)


def test_sdmx_csv_2_0_with_crlf(tmp_path: Path) -> None:
    path = tmp_path / "edat.csv"
    path.write_bytes(
        b"STRUCTURE,STRUCTURE_ID,ACTION,freq,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG,CONF_STATUS\r\n"
        b"dataflow,ESTAT:EDAT_LFSE_04(1.0),I,A,BE10,2021-Q1,14.8,b,F\r\n"
        b"dataflow,ESTAT:EDAT_LFSE_04(1.0),I,A,BE23,2021-Q1,,u,\r\n"
    )
    frame = eurostat.read(path)
    assert frame.columns == [
        "dataflow", "freq", "geo", "time_period", "value", "flag", "action", "conf_status",
        "source_row",
    ]  # fmt: skip
    flow = "ESTAT:EDAT_LFSE_04(1.0)"
    assert frame.rows() == [
        (flow, "A", "BE10", "2021-Q1", 14.8, "b", "I", "F", 2),
        (flow, "A", "BE23", "2021-Q1", None, "u", "I", None, 3),
    ]


def test_sdmx_csv_label_style_headers_and_values(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "DATAFLOW,LAST UPDATE,freq:Time frequency,geo:Geopolitical entity (reporting),"
        "TIME_PERIOD:Time,OBS_VALUE:Observation value,"
        "OBS_FLAG:Observation status (Flag) V2 structure\n"
        "ESTAT:EDAT_LFSE_04(1.0),24/04/24 23:00:00,A:Annual,"
        '"BE10:Région de Bruxelles-Capitale, Brussels Hoofdstedelijk Gewest",2021,14.8,'
        "b:break in time series\n"
        "ESTAT:EDAT_LFSE_04(1.0),24/04/24 23:00:00,A:Annual,BE:Belgium,2021,,\n",
        encoding="utf-8",
    )
    frame = eurostat.read(path)
    flow = "ESTAT:EDAT_LFSE_04(1.0)"
    stamp = "24/04/24 23:00:00"
    assert frame.columns == [
        "dataflow", "freq", "geo", "time_period", "value", "flag", "last_update", "source_row",
    ]  # fmt: skip
    assert frame.rows() == [
        (flow, "A", "BE10", "2021", 14.8, "b", stamp, 2),
        (flow, "A", "BE", "2021", None, None, stamp, 3),
    ]


def test_sdmx_csv_semicolons_and_bad_observation(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text(
        "DATAFLOW;geo;TIME_PERIOD;OBS_VALUE\nESTAT:X(1.0);BE;2020;1.5\nESTAT:X(1.0);BE;2021;n/a\n"
    )
    (problem,) = rejected(eurostat.read_sdmx_csv, path)
    assert problem.column == "OBS_VALUE"
    assert problem.sample == ["n/a"] and problem.rows == [3]

    missing = tmp_path / "no_value.csv"
    missing.write_text("DATAFLOW,geo,TIME_PERIOD\nESTAT:X(1.0),BE,2020\n")
    (problem,) = rejected(eurostat.read, missing)
    assert "OBS_VALUE" in problem.rule


# --- flags -----------------------------------------------------------------------------------


def test_flag_meanings_cover_the_eurostat_flags() -> None:
    assert set("bcdefnprsuz") <= set(eurostat.FLAG_MEANINGS)
    for meanings in eurostat.FLAG_MEANINGS.values():
        assert set(meanings) == {"fr", "nl", "en"}


def test_describe_flags_in_three_languages() -> None:
    assert eurostat.describe_flags("bu", "fr") == ["rupture de série", "peu fiable"]
    assert eurostat.describe_flags("bu", "nl") == ["breuk in de reeks", "weinig betrouwbaar"]
    assert eurostat.describe_flags("bu", "en") == ["break in time series", "low reliability"]
    assert eurostat.describe_flags("p", "nl") == ["voorlopig"]
    assert eurostat.describe_flags("z", "en") == ["not applicable"]
    assert eurostat.describe_flags("e", "fr") == ["estimé"]
    assert eurostat.describe_flags("bx", "en") == ["break in time series", "x"]
    assert eurostat.describe_flags(None, "fr") == []
    assert eurostat.describe_flags("", "nl") == []
    with pytest.raises(ValueError, match="de"):
        eurostat.describe_flags("b", "de")
    with pytest.raises(ValueError):
        eurostat.describe_flags(None, "DE")
