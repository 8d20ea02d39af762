"""Eurostat tables as Eurostat ships them: the bulk TSV (wide, one flagged cell per period)
and SDMX-CSV 1.0 / 2.0 (long, one observation per line), both read into one long shape.

Output of both readers, in this order:

- `dataflow` (SDMX-CSV only): the DATAFLOW (1.0) or STRUCTURE_ID (2.0) cell, e.g.
  `ESTAT:EDAT_LFSE_04(1.0)`;
- one text column per key dimension, named as the file names it but in lower case (`freq`,
  `sex`, `isced11`, `age`, `unit`, `geo`, ...);
- `time_period` (text, stripped: `2021`, `2021-Q1`, `2021Q1`, `2021-03`, `2021M03`);
- `value` (Float64, null where Eurostat writes `:` / leaves OBS_VALUE empty);
- `flag` (text, null when the cell has no flag; `bu` stays one flag text, see
  `describe_flags`);
- SDMX-CSV only: the other attribute columns (`last_update`, `conf_status`, `action`, ...),
  text, names lower-cased with spaces as `_`;
- `source_row` (Int64): the line number, the header being line 1 (the sheet row of an
  XLSX). A TSV line gives one long row per period column, all with the line's `source_row`.

Formats (metiers/ingest/sources/formats.py): text, gzip-compressed text named `*.gz`
(`.tsv.gz` is Eurostat's bulk download), and XLSX whose sheet (`sheet`, the first by
default) holds the TSV or SDMX-CSV layout from cell A1.

Every TSV cell becomes one long row, missing ones included (`: u` is value null, flag `u`),
so nothing in the file is lost. A cell that is neither `:` nor a number, each optionally
followed by flag letters, rejects the file with the cells and rows to fix.

Options (all optional; `EurostatOptions` in metiers/core/adapter_options.py):

- `encoding`: Python codec name, "utf-8" by default (a BOM is dropped).
- `separator`: "auto" (default). SDMX-CSV honours an explicit one-character separator; the
  TSV is always tab-separated.
- `decimal`: "." only (Eurostat writes no decimal comma).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import EurostatOptions, parse_options
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources import formats
from metiers.ingest.sources.base import SAMPLE_SIZE, SOURCE_ROW, decode_text, read_error
from metiers.ingest.sources.limits import check_text_file
from metiers.methodology import display
from metiers.methodology.display import EUROSTAT_FLAGS

SUFFIXES = (".tsv", ".csv")

TIME = "time_period"
VALUE = "value"
FLAG = "flag"
DATAFLOW = "dataflow"
RESERVED = frozenset({TIME, VALUE, FLAG, DATAFLOW, SOURCE_ROW})

# A TSV cell: a number or `:` (missing), then optional flag letters; spaces around are noise.
CELL_PATTERN = (
    r"^\s*(?P<number>:|[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*(?P<letters>[A-Za-z]*)\s*$"
)
# `ESTAT:EDAT_LFSE_04(1.0)` possibly followed by `:label` in label-style exports.
DATAFLOW_ID_PATTERN = r"^\s*([^:\s]+:[^:(\s]+\([^)]*\))"

SDMX_FLAG_COLUMNS = ("OBS_FLAG", "OBS_STATUS")
DATABROWSER_TITLE_ROWS = 12
SDMX_MISSING = ("", ":", "NaN", "nan")

# Eurostat observation flags (status codes), in the three languages of the box.
FLAG_MEANINGS = EUROSTAT_FLAGS


def describe_flags(flag: str | None, lang: str) -> list[str]:
    """The meaning of each letter of a flag (`bu` -> two texts); unknown letters stay as is."""
    return display.eurostat_flags(flag, lang)


def read(
    path: Path,
    options: EurostatOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """Bulk TSV when the first header cell holds a backslash (`geo\\TIME_PERIOD`), SDMX-CSV
    when the first column is DATAFLOW or STRUCTURE; anything else is rejected. The file is
    checked against `limits` before it is decoded whole."""
    plan = parse_options(EurostatOptions, options)
    text = _decode(path, plan, limits)
    first_cell = text.split("\n", 1)[0].split("\t", 1)[0]
    if "\\" in first_cell:
        return _read_tsv_text(path, text)
    if _sdmx_header(text, plan) is not None:
        return _read_sdmx_text(path, text, plan)
    raise read_error(
        path,
        "neither a Eurostat TSV (no backslash in the first header cell, e.g. "
        "'geo\\TIME_PERIOD') nor SDMX-CSV (first column DATAFLOW or STRUCTURE); "
        f"header starts {first_cell[:60]!r}",
    )


def read_tsv(
    path: Path,
    options: EurostatOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """Eurostat bulk TSV (`...,geo\\time` or `...,geo\\TIME_PERIOD` header) in long format."""
    plan = parse_options(EurostatOptions, options)
    return _read_tsv_text(path, _decode(path, plan, limits))


def read_sdmx_csv(
    path: Path,
    options: EurostatOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """SDMX-CSV 1.0 (DATAFLOW, ...) or 2.0 (STRUCTURE, STRUCTURE_ID, [ACTION], ...)."""
    plan = parse_options(EurostatOptions, options)
    return _read_sdmx_text(path, _decode(path, plan, limits), plan)


def _decode(path: Path, plan: EurostatOptions, limits: Limits | None = None) -> str:
    """The file's text: plain, gunzipped (`*.gz`) or an XLSX sheet written out as text."""
    kind = formats.file_format(path)
    if kind == formats.GZIP:
        with formats.gunzipped(path, limits) as inner:
            return _decode(inner, plan, limits)
    if kind == formats.XLSX:
        return _sheet_text(path, plan, limits)
    check_text_file(path, limits, plan.separator)
    text = decode_text(path, plan.codec, plan.encoding)
    if not text.strip():
        raise read_error(path, "file holds no header")
    return text


def _sheet_text(path: Path, plan: EurostatOptions, limits: Limits | None) -> str:
    """An XLSX sheet holding the TSV layout (first cell `...geo\\time`) or SDMX-CSV, from
    cell A1, as the text of that layout: line n is sheet row n. The databrowser's XLSX
    (title rows, "Data extracted on ...") has no such layout and is refused by name."""
    sheet = formats.read_sheet(path, limits, plan.sheet)
    cells = sheet.drop(SOURCE_ROW)
    first = cells.row(0)[0] if cells.height and cells.width else None
    first_cell = str(first or "").strip()
    if "\\" in first_cell:
        return formats.sheet_text(sheet, "\t", quote=False)
    if _split_label(first_cell)[0].upper() not in ("DATAFLOW", "STRUCTURE"):
        titles = [
            str(cell)
            for row in cells.head(DATABROWSER_TITLE_ROWS).iter_rows()
            for cell in row
            if cell is not None
        ]
        if any(title.strip().lower().startswith("data extracted on") for title in titles):
            raise read_error(
                path,
                "a Eurostat databrowser XLSX (title rows, 'Data extracted on ...') is not "
                "supported: download the dataset as TSV or SDMX-CSV instead",
            )
    separator = "," if plan.separator == "auto" else plan.separator
    return formats.sheet_text(sheet, separator)


def _header_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def _doubles(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


# --- bulk TSV -------------------------------------------------------------------------------


def _read_tsv_text(path: Path, text: str) -> pl.DataFrame:
    header = _header_line(text).split("\t")
    key_header, backslash, _time_name = header[0].partition("\\")
    if not backslash:
        raise read_error(
            path, f"first header cell {header[0]!r} has no backslash (expected e.g. 'geo\\time')"
        )
    dimensions = [name.strip().lower() for name in key_header.split(",")]
    periods = [name.strip() for name in header[1:]]
    problems = []
    if "" in dimensions:
        problems.append(f"an empty dimension name in {header[0]!r}")
    if _doubles(dimensions):
        problems.append(f"dimensions named twice: {_doubles(dimensions)}")
    if RESERVED & set(dimensions):
        problems.append(
            f"dimension names clash with output columns: {sorted(RESERVED & set(dimensions))}"
        )
    if not periods or "" in periods:
        problems.append("a time-period header cell is empty or missing")
    if _doubles(periods):
        problems.append(f"time periods named twice: {_doubles(periods)}")
    if problems:
        raise read_error(path, "Eurostat TSV header: " + "; ".join(problems))

    key = "__key"
    columns = [key, *periods]
    try:
        wide = pl.read_csv(
            text.encode("utf-8"),
            separator="\t",
            has_header=False,
            skip_rows=1,
            new_columns=columns,
            schema={name: pl.String for name in columns},
            quote_char=None,
        )
    except pl.exceptions.NoDataError:
        wide = pl.DataFrame(schema={name: pl.String for name in columns})
    except pl.exceptions.PolarsError as error:
        raise read_error(path, f"unreadable as tab-separated text ({error})") from error

    # Line numbers: the header is line 1.
    wide = wide.with_row_index(SOURCE_ROW, offset=2).with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    parts = pl.col(key).str.split(",")
    bad_keys = wide.filter(parts.list.len() != len(dimensions))
    if bad_keys.height:
        sample = bad_keys.head(SAMPLE_SIZE)
        raise DataRejected(
            [
                DataProblem(
                    file=str(path),
                    column=header[0],
                    rule=f"{len(dimensions)} comma-separated codes ({','.join(dimensions)})",
                    sample=sample[key].to_list(),
                    rows=sample[SOURCE_ROW].to_list(),
                    count=bad_keys.height,
                )
            ],
            stage="ingest",
        )

    long = (
        wide.with_columns(
            parts.list.get(position).str.strip_chars().alias(name)
            for position, name in enumerate(dimensions)
        )
        .unpivot(
            on=periods, index=[SOURCE_ROW, *dimensions], variable_name=TIME, value_name="__cell"
        )
        .sort(SOURCE_ROW, maintain_order=True)
        .with_columns(pl.col("__cell").str.extract_groups(CELL_PATTERN).alias("__parsed"))
    )
    number = pl.col("__parsed").struct.field("number")
    letters = pl.col("__parsed").struct.field("letters")
    bad = long.filter(number.is_null())
    if bad.height:
        sample = bad.head(SAMPLE_SIZE)
        raise DataRejected(
            [
                DataProblem(
                    file=str(path),
                    column=", ".join(sample[TIME].unique(maintain_order=True).to_list()),
                    rule="a number or ':', each optionally followed by flag letters",
                    sample=sample["__cell"].to_list(),
                    rows=sample[SOURCE_ROW].to_list(),
                    count=bad.height,
                )
            ],
            stage="ingest",
        )
    return long.select(
        *dimensions,
        TIME,
        pl.when(number == ":").then(None).otherwise(number).cast(pl.Float64).alias(VALUE),
        pl.when(letters == "").then(None).otherwise(letters).alias(FLAG),
        SOURCE_ROW,
    )


# --- SDMX-CSV -------------------------------------------------------------------------------


def _split_label(cell: str) -> tuple[str, bool]:
    """`geo:Geopolitical entity (reporting)` -> (`geo`, True)."""
    name, colon, _label = cell.strip().strip('"').partition(":")
    return name.strip(), bool(colon)


def _sdmx_header(text: str, plan: EurostatOptions) -> tuple[str, list[str]] | None:
    """The separator and header cells when the file is SDMX-CSV, else None."""
    line = _header_line(text)
    separators = (plan.separator,) if plan.separator != "auto" else (",", ";", "\t", "|")
    for separator in separators:
        cells = next(csv.reader([line], delimiter=separator))
        if cells and _split_label(cells[0])[0].upper() in ("DATAFLOW", "STRUCTURE"):
            return separator, cells
    return None


def _read_sdmx_text(path: Path, text: str, plan: EurostatOptions) -> pl.DataFrame:
    found = _sdmx_header(text, plan)
    if found is None:
        raise read_error(
            path,
            "not SDMX-CSV: the first header cell is neither DATAFLOW (1.0) nor STRUCTURE (2.0)",
        )
    separator, cells = found
    names: list[str] = []
    labelled: list[bool] = []
    for cell in cells:
        name, has_label = _split_label(cell)
        names.append(name)
        labelled.append(has_label)
    upper = [name.upper() for name in names]
    version_two = upper[0] == "STRUCTURE"
    id_column = "STRUCTURE_ID" if version_two else "DATAFLOW"
    missing = [name for name in (id_column, "TIME_PERIOD", "OBS_VALUE") if name not in upper]
    if missing:
        raise read_error(path, f"SDMX-CSV header lacks {missing}; found {names}")
    if _doubles(upper):
        raise read_error(path, f"SDMX-CSV header names columns twice: {_doubles(upper)}")

    raw_names = [f"__c{position}" for position in range(len(names))]
    try:
        frame = pl.read_csv(
            text.encode("utf-8"),
            separator=separator,
            has_header=False,
            skip_rows=1,
            new_columns=raw_names,
            schema={name: pl.String for name in raw_names},
            quote_char='"',
        )
    except pl.exceptions.NoDataError:
        frame = pl.DataFrame(schema={name: pl.String for name in raw_names})
    except pl.exceptions.PolarsError as error:
        raise read_error(path, f"unreadable as SDMX-CSV ({error})") from error
    frame = frame.with_row_index(SOURCE_ROW, offset=2).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )

    column = dict(zip(upper, raw_names, strict=True))
    value_at = upper.index("OBS_VALUE")
    flag_name = next((name for name in SDMX_FLAG_COLUMNS if name in upper), None)
    # ACTION (2.0) is kept as an attribute column: it says how to apply the row.
    structure = {"STRUCTURE", "STRUCTURE_ID"} if version_two else {"DATAFLOW"}
    dimensions: list[int] = []
    attributes: list[int] = []
    for position, name in enumerate(upper):
        if name in structure or name in ("TIME_PERIOD", "OBS_VALUE") or name == flag_name:
            continue
        if position < value_at and name not in ("LAST UPDATE", "ACTION"):
            dimensions.append(position)
        else:
            attributes.append(position)

    def code(position: int) -> pl.Expr:
        cell = pl.col(raw_names[position]).str.strip_chars()
        if labelled[position]:
            cell = cell.str.splitn(":", 2).struct.field("field_0").str.strip_chars()
        return pl.when(cell == "").then(None).otherwise(cell)

    def output_name(position: int) -> str:
        return "_".join(names[position].lower().split())

    dimension_names = [output_name(position) for position in dimensions]
    attribute_names = [output_name(position) for position in attributes]
    clashes = (RESERVED & {*dimension_names, *attribute_names}) | set(
        _doubles([*dimension_names, *attribute_names])
    )
    if clashes:
        raise read_error(
            path, f"SDMX-CSV column names clash with output columns: {sorted(clashes)}"
        )

    flow = pl.col(column[id_column]).str.strip_chars()
    obs = pl.col(column["OBS_VALUE"]).str.strip_chars()
    parsed = frame.select(
        pl.coalesce(flow.str.extract(DATAFLOW_ID_PATTERN, 1), flow).alias(DATAFLOW),
        *[
            code(position).alias(name)
            for position, name in zip(dimensions, dimension_names, strict=True)
        ],
        code(upper.index("TIME_PERIOD")).alias(TIME),
        pl.when(obs.is_in(SDMX_MISSING) | obs.is_null())
        .then(None)
        .otherwise(obs)
        .cast(pl.Float64, strict=False)
        .alias(VALUE),
        (code(upper.index(flag_name)) if flag_name else pl.lit(None, dtype=pl.String)).alias(FLAG),
        *[
            code(position).alias(name)
            for position, name in zip(attributes, attribute_names, strict=True)
        ],
        pl.col(SOURCE_ROW),
        obs.alias("__obs"),
    )
    bad = parsed.filter(pl.col(VALUE).is_null() & ~pl.col("__obs").is_in(SDMX_MISSING))
    if bad.height:
        sample = bad.head(SAMPLE_SIZE)
        raise DataRejected(
            [
                DataProblem(
                    file=str(path),
                    column="OBS_VALUE",
                    rule="type: number (or empty for a missing observation)",
                    sample=sample["__obs"].to_list(),
                    rows=sample[SOURCE_ROW].to_list(),
                    count=bad.height,
                )
            ],
            stage="ingest",
        )
    return parsed.select(
        DATAFLOW, *dimension_names, TIME, VALUE, FLAG, *attribute_names, SOURCE_ROW
    )
