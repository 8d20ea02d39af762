"""Aggregate tables as statistics offices publish them: one row per occupation, numbers with
thousands separators, and markers (`*`, `#`, ...) where a number is expected.

One adapter reads any such table; what differs between publishers is configuration, held per
source as plain JSON-like options (the source registry keeps them in TOML), checked against
`AggregateOptions` (metiers/core/adapter_options.py: types, defaults and the rules between them):

- `encoding`: a Python codec name, "utf-8" by default (a BOM is dropped), "latin-1", ...
- `separator`: "auto" by default, to pick the character that splits the header line most
  among `,` `;` `|` and tab; or any single character, or "tab".
- `decimal`: "." (default) or ",".
- `thousands`: grouping mark removed from numbers: "," by default when `decimal` is ".",
  "." by default when `decimal` is ","; "" for none. A number using it must group digits by
  three (`1,234.5`), so `12,34` is a bad cell rather than 1234.
- `columns` (required): raw column name -> canonical name. Only these columns are kept; raw
  names are matched ignoring case and surrounding spaces.
- `keys`: canonical columns that are text identifiers (kept as text: leading zeros survive).
- `booleans`: canonical columns holding a `TRUE`-or-empty mark (true words -> True, false words
  and empty -> False).
- A column mapped to `year` or `period` is the table's period: kept as text (`2024`,
  `2017-2019`, `2024-Q1`) like a key, and parsed at staging (metiers/methodology/periods.py),
  so a range is never a bad number nor a cast error.
- Every other mapped column is a value column: Float64, followed by `<name>_flag`.
- `markers`: marker -> meaning, e.g. {"*": "not_available", "#": "top_coded"}. A marker cell
  reads as null with the meaning in the flag column; with meaning "top_coded" and a cap in
  `top_codes` for that column, it reads as the cap (a lower bound) with flag "top_coded".
- `top_codes`: canonical value column -> cap.
- `filter`: canonical column -> allowed values; rows with other values are dropped after the
  whole file was checked (e.g. {"level": ["detailed"]} so a hierarchical file is not summed
  twice). `source_row` still numbers rows of the file.
- `hierarchy`: {"column": "level", "total": "total", "sum": ["headcount"], "tolerance": 1e-4}
  documents a hierarchical file; `check_hierarchy` uses it on an unfiltered read.
- `defaults`: canonical column -> constant added to every row (`year` as Int32).

Output columns, in this order: keys (text), then for each value column `<name>` (Float64) and
`<name>_flag` (text, null when the cell held a number or was empty), booleans, defaults, and
`source_row` (the line number in a text file, the header being line 1; the sheet row in
an XLSX workbook).

Formats (metiers/ingest/sources/formats.py): text, gzip-compressed text named `*.gz`, and
XLSX (`sheet`: the sheet's name, the first sheet by default; title rows above the header
are skipped, the header being the row that names the most declared raw columns).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import AggregateOptions, parse_options
from metiers.core.errors import DataProblem, DataRejected, UsageError
from metiers.core.limits import Limits
from metiers.ingest.sources import formats
from metiers.ingest.sources.base import (
    FALSE_WORDS,
    SAMPLE_SIZE,
    SOURCE_ROW,
    TRUE_WORDS,
    decode_text,
    read_error,
)
from metiers.ingest.sources.limits import check_cells, check_text_file

SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SEARCH_ROWS = 30

TOP_CODED = "top_coded"
NUMBER_RULE = "number or declared marker"
BOOLEAN_RULE = "true/false or empty"
SNIFFED_SEPARATORS = (",", ";", "|", "\t")

# BLS OEWS national file, May 2023 (national_M2023_dl.csv). Its wage cells hold `*` (wage not
# available), `**` (employment not available) or `#` (wage at or above the top-coding cap,
# $115.00 an hour or $239,200 a year for May 2023: 115 x 2,080 hours). The file is
# hierarchical through O_GROUP (total, major, minor, broad, detailed): only the detailed rows
# can be added up, hence the filter; drop it to read every level (e.g. for check_hierarchy).
BLS_OEWS_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8",
    "separator": ",",
    "decimal": ".",
    "thousands": ",",
    "columns": {
        "OCC_CODE": "occupation_code",
        "OCC_TITLE": "occupation_title",
        "O_GROUP": "level",
        "TOT_EMP": "headcount",
        "H_MEDIAN": "hourly_median",
        "H_PCT90": "hourly_p90",
        "A_MEDIAN": "salary_median",
        "A_PCT10": "salary_p10",
        "A_PCT90": "salary_p90",
        "ANNUAL": "annual_only",
        "HOURLY": "hourly_only",
    },
    "keys": ["occupation_code", "occupation_title", "level"],
    "booleans": ["annual_only", "hourly_only"],
    "markers": {"*": "not_available", "**": "not_available", "#": TOP_CODED},
    "top_codes": {
        "salary_median": 239200,
        "salary_p10": 239200,
        "salary_p90": 239200,
        "hourly_median": 115.0,
        "hourly_p90": 115.0,
    },
    "filter": {"level": ["detailed"]},
    "hierarchy": {"column": "level", "total": "total", "sum": ["headcount"]},
    "defaults": {"region": "US", "year": 2023},
}


def read(
    path: Path, options: AggregateOptions | Mapping[str, Any], limits: Limits | None = None
) -> pl.DataFrame:
    """Read one aggregate table into keys, Float64 values with flags, booleans and defaults.

    The file is held in memory whole: it is checked against `limits` before it is read."""
    plan = parse_options(AggregateOptions, options)
    kind = formats.file_format(path)
    if kind == formats.GZIP:
        with formats.gunzipped(path, limits) as inner:
            return read(inner, plan, limits)
    if kind == formats.XLSX:
        frame = _read_sheet_table(path, plan, limits)
    else:
        check_text_file(path, limits, plan.separator)
        # Row numbers are line numbers: the header is line 1, the first record line 2.
        frame = _read_text_table(path, plan).with_row_index(SOURCE_ROW, offset=2)
    frame = frame.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    check_cells(frame, path, limits)
    frame = _select_mapped(frame, path, plan)

    parsed = frame.select(
        pl.col(SOURCE_ROW),
        *[_cleaned(name).alias(name) for name in plan.key_columns],
        *[expr for name in plan.value_columns for expr in _value_exprs(name, plan)],
        *[expr for name in plan.boolean_columns for expr in _boolean_exprs(name)],
        *[_bad_value(name, plan).alias(_bad(name)) for name in plan.value_columns],
        *[_bad_boolean(name).alias(_bad(name)) for name in plan.boolean_columns],
    )
    problems = _bad_cells(parsed, frame, path, plan)
    if problems:
        raise DataRejected(problems, stage="ingest")

    for name, allowed in plan.allowed.items():
        parsed = parsed.filter(pl.col(name).is_in(allowed))

    return parsed.select(
        *plan.key_columns,
        *[column for name in plan.value_columns for column in (name, _flag(name))],
        *plan.boolean_columns,
        *[_constant(name, value) for name, value in plan.defaults.items()],
        SOURCE_ROW,
    )


def check_hierarchy(
    frame: pl.DataFrame, options: AggregateOptions | Mapping[str, Any]
) -> pl.DataFrame:
    """Levels of a hierarchical table whose rows do not add up to the total row.

    Needs an unfiltered read. For each column of `hierarchy.sum` and each level other than the
    total, compares the sum of that level's rows with the total row's value; returns the pairs
    whose difference exceeds `tolerance` (relative to the total, 1e-4 by default), with columns
    `column`, `level`, `rows`, `missing` (null cells), `level_sum`, `total`, `difference`.
    """
    hierarchy = parse_options(AggregateOptions, options).hierarchy
    if hierarchy is None:
        raise UsageError("check_hierarchy needs the option hierarchy (column, sum)")
    level, total_name, sums = hierarchy.column, hierarchy.total, hierarchy.sum
    tolerance = hierarchy.tolerance
    unknown = [name for name in (level, *sums) if name not in frame.columns]
    if unknown:
        raise UsageError(f"check_hierarchy: columns {unknown} are not in the frame")
    totals = frame.filter(pl.col(level) == total_name)
    if totals.height != 1:
        raise UsageError(
            f"check_hierarchy needs exactly one '{total_name}' row in column '{level}' "
            f"(found {totals.height}); read the file without a filter"
        )
    report = []
    for name in sums:
        report.append(
            frame.filter(pl.col(level) != total_name)
            .group_by(level, maintain_order=True)
            .agg(
                pl.len().cast(pl.Int64).alias("rows"),
                pl.col(name).null_count().cast(pl.Int64).alias("missing"),
                pl.col(name).sum().alias("level_sum"),
            )
            .select(
                pl.lit(name).alias("column"),
                pl.col(level).alias("level"),
                "rows",
                "missing",
                "level_sum",
                pl.lit(totals[name].item(), dtype=pl.Float64).alias("total"),
            )
        )
    summary = pl.concat(report).with_columns(
        (pl.col("level_sum") - pl.col("total")).alias("difference")
    )
    return summary.filter(pl.col("difference").abs() > tolerance * pl.col("total").abs())


def _read_text_table(path: Path, plan: AggregateOptions) -> pl.DataFrame:
    """Decode with the declared codec in Python (polars reads only UTF-8 lazily), then parse
    every field as text."""
    text = decode_text(path, plan.codec, plan.encoding)
    separator = _sniff(text) if plan.separator == "auto" else plan.separator
    try:
        return pl.read_csv(
            text.encode("utf-8"),
            separator=separator,
            infer_schema=False,
            has_header=True,
            quote_char='"',
        )
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        raise read_error(path, f"unreadable as delimited text ({error})") from error


def _read_sheet_table(path: Path, plan: AggregateOptions, limits: Limits | None) -> pl.DataFrame:
    """An XLSX sheet as a text table: title rows above the header are skipped, the header
    being the row (among the first rows) whose cells name the most declared raw columns;
    `source_row` is the sheet row; fully empty rows are dropped."""
    sheet = formats.read_sheet(path, limits, plan.sheet)
    cells = sheet.drop(SOURCE_ROW)
    declared = {raw.strip().lower() for raw in plan.columns}
    best, best_found = -1, 0
    for index, row in enumerate(cells.head(HEADER_SEARCH_ROWS).iter_rows()):
        found = len({str(cell).strip().lower() for cell in row if cell is not None} & declared)
        if found > best_found:
            best, best_found = index, found
    if best < 0:
        raise read_error(
            path,
            f"no header row naming any declared column ({sorted(plan.columns)}) in the first "
            f"{HEADER_SEARCH_ROWS} rows of the sheet",
        )
    names: list[str] = []
    for position, cell in enumerate(cells.row(best)):
        name = str(cell).strip() if cell is not None and str(cell).strip() else ""
        name = name or f"column_{position + 1}"
        while name in names:
            name = f"{name}_duplicated"
        names.append(name)
    body = sheet.slice(best + 1)
    body = body.rename(dict(zip(cells.columns, names, strict=True)))
    return body.filter(~pl.all_horizontal(pl.exclude(SOURCE_ROW).is_null()))


def _sniff(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {separator: header.count(separator) for separator in SNIFFED_SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] > 0 else ","


def _select_mapped(frame: pl.DataFrame, path: Path, plan: AggregateOptions) -> pl.DataFrame:
    found: dict[str, list[str]] = {}
    for name in frame.columns:
        if name == SOURCE_ROW:
            continue
        found.setdefault(name.strip().lstrip("\ufeff").strip().lower(), []).append(name)
    problems = []
    selected = [pl.col(SOURCE_ROW)]
    for raw, canonical in plan.columns.items():
        matches = found.get(raw.strip().lower(), [])
        if len(matches) == 1:
            selected.append(pl.col(matches[0]).alias(canonical))
            continue
        rule = "required column" if not matches else "one column of this name"
        problems.append(
            DataProblem(
                file=str(path),
                column=raw,
                rule=f"{rule} (read as '{canonical}')",
                sample=matches or [name for name in frame.columns if name != SOURCE_ROW],
            )
        )
    if problems:
        raise DataRejected(problems, stage="ingest")
    return frame.select(selected)


def _flag(name: str) -> str:
    return f"{name}_flag"


def _bad(name: str) -> str:
    return f"__bad_{name}"


def _cleaned(name: str) -> pl.Expr:
    """The cell without surrounding spaces or stray quotes; empty text as null."""
    cell = pl.col(name).str.strip_chars().str.strip_chars('"').str.strip_chars()
    return pl.when(cell == "").then(None).otherwise(cell)


def _literal(text: str) -> str:
    """`text` as a regex matching itself (Rust regex escapes, so any character is safe)."""
    return "".join(f"\\x{{{ord(char):X}}}" for char in text)


def _number_pattern(plan: AggregateOptions) -> str:
    whole = "[0-9]+"
    if plan.grouping:
        whole = f"(?:[0-9]{{1,3}}(?:{_literal(plan.grouping)}[0-9]{{3}})+|[0-9]+)"
    point = _literal(plan.decimal)
    return f"^[+-]?(?:{whole}(?:{point}[0-9]*)?|{point}[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def _value_exprs(name: str, plan: AggregateOptions) -> list[pl.Expr]:
    cell = _cleaned(name)
    text = cell.str.replace_all(plan.grouping, "", literal=True) if plan.grouping else cell
    number = text.str.replace(plan.decimal, ".", literal=True).cast(pl.Float64, strict=False)
    meaning = cell.replace_strict(plan.markers, default=None, return_dtype=pl.String)
    value = pl.when(cell.str.contains(_number_pattern(plan))).then(number)
    if name in plan.top_codes:
        value = value.when(meaning == TOP_CODED).then(pl.lit(plan.top_codes[name]))
    return [value.otherwise(None).cast(pl.Float64).alias(name), meaning.alias(_flag(name))]


def _bad_value(name: str, plan: AggregateOptions) -> pl.Expr:
    cell = _cleaned(name)
    return (
        cell.is_not_null()
        & ~cell.is_in(list(plan.markers))
        & ~cell.str.contains(_number_pattern(plan))
    )


def _boolean_exprs(name: str) -> list[pl.Expr]:
    lowered = _cleaned(name).str.to_lowercase()
    return [pl.when(lowered.is_in(sorted(TRUE_WORDS))).then(True).otherwise(False).alias(name)]


def _bad_boolean(name: str) -> pl.Expr:
    lowered = _cleaned(name).str.to_lowercase()
    return lowered.is_not_null() & ~lowered.is_in(sorted(TRUE_WORDS | FALSE_WORDS))


def _bad_cells(
    parsed: pl.DataFrame, raw: pl.DataFrame, path: Path, plan: AggregateOptions
) -> list[DataProblem]:
    """One problem per column with bad cells: the raw values, their rows and how many."""
    raw_names = {canonical: raw_name for raw_name, canonical in plan.columns.items()}
    problems = []
    for name in [*plan.value_columns, *plan.boolean_columns]:
        bad = parsed[_bad(name)]
        count = int(bad.sum())
        if not count:
            continue
        sample = raw.filter(bad).head(SAMPLE_SIZE)
        rule = BOOLEAN_RULE if name in plan.boolean_columns else NUMBER_RULE
        problems.append(
            DataProblem(
                file=str(path),
                column=raw_names[name],
                rule=rule,
                sample=sample[name].to_list(),
                rows=sample[SOURCE_ROW].to_list(),
                count=count,
            )
        )
    return problems


def _constant(name: str, value: Any) -> pl.Expr:
    if isinstance(value, bool):
        dtype: pl.DataType = pl.Boolean()
    elif isinstance(value, int):
        dtype = pl.Int32() if name == "year" else pl.Int64()
    elif isinstance(value, float):
        dtype = pl.Float64()
    else:
        dtype = pl.String()
        value = None if value is None else str(value)
    return pl.lit(value, dtype=dtype).alias(name)
