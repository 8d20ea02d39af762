"""Occupation crosswalks: a file mapping the codes of another classification (SOC, ROME,
Competent, FAP) to ESCO concepts or ISCO-08 groups, one-to-one or many-to-many.

Options (`CrosswalkOptions` in metiers/core/adapter_options.py) map the file's columns to
`source_code`, `target_code` or `target_uri`, and optionally `weight` and `relation`.

- A metadata block above the header (the Competent and ROME mappings have one) is skipped:
  with `header = "auto"` the header is the first line naming two mapped columns.
- Rows identical on the mapped columns are kept once (the Competent mapping repeats each
  pair, once per label language).
- A bare ESCO UUID becomes the concept URI `http://data.europa.eu/esco/occupation/<uuid>`,
  so the build joins on the URI, which survives ESCO releases while codes move.
- An ESCO code that lost its leading zero in a spreadsheet (`110.9`) gets it back (`0110.9`).
- `relations` keeps only the listed mapping relations (e.g. `skos:exactMatch`).
- `weight`: the declared column, or with `weights = "equal"` one over the number of targets
  of the source code, so that a source code's value splits into shares summing to one.
- A (source code, target) pair appears once; a pair declared twice with different weights
  or relations is rejected, naming its rows.

`source_row` is the row's line number in the file (the first line is 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import CrosswalkOptions, parse_options
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources.base import SAMPLE_SIZE, SOURCE_ROW, decode_text, read_error
from metiers.ingest.sources.limits import check_text_file

SUFFIXES = (".csv", ".txt", ".tsv")
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
LOST_ZERO = re.compile(r"^\d{3}(\.|$)")
SCHEMA = {
    "source_code": pl.String(),
    "target_kind": pl.String(),
    "target_code": pl.String(),
    "target_uri": pl.String(),
    "weight": pl.Float64(),
    "relation": pl.String(),
    SOURCE_ROW: pl.Int64(),
}


def read(
    path: Path, options: CrosswalkOptions | Mapping[str, Any], limits: Limits | None = None
) -> pl.DataFrame:
    """One crosswalk file as (source_code, target, weight, relation) rows, one per pair."""
    plan = parse_options(CrosswalkOptions, options)
    separator = None if plan.separator == "auto" else plan.separator
    check_text_file(path, limits, separator)
    lines = decode_text(path, plan.codec, plan.encoding).splitlines(keepends=True)
    records = list(_records(lines, separator or ","))
    header_at, header = _header(records, plan, path)
    positions = {name: header.index(raw) for raw, name in _mapped(header, plan).items()}
    rows = []
    for line, cells in records:
        if line <= header_at or not any(cell.strip() for cell in cells):
            continue
        row = {
            name: (cells[index].strip() if index < len(cells) else "")
            for name, index in positions.items()
        }
        row[SOURCE_ROW] = line
        rows.append(row)
    frame = pl.DataFrame(
        rows, schema={**dict.fromkeys(positions, pl.String()), SOURCE_ROW: pl.Int64()}
    )
    return _shaped(frame, plan, path)


def _records(lines: list[str], separator: str) -> list[tuple[int, list[str]]]:
    """(first line number, cells) of every record; quoted cells may span lines."""
    reader = csv.reader(io.StringIO("".join(lines)), delimiter=separator)
    out = []
    start = 1
    for cells in reader:
        out.append((start, cells))
        start = reader.line_num + 1
    return out


def _mapped(header: list[str], plan: CrosswalkOptions) -> dict[str, str]:
    """Raw header cell -> our column, for the header cells the options map."""
    renames = plan.renames
    return {
        cell: renames[cell.strip().lower()] for cell in header if cell.strip().lower() in renames
    }


def _header(
    records: list[tuple[int, list[str]]], plan: CrosswalkOptions, path: Path
) -> tuple[int, list[str]]:
    if plan.header != "auto":
        for line, cells in records:
            if line == plan.header:
                return line, cells
        raise read_error(path, f"header at line {plan.header}: the file has fewer lines")
    for line, cells in records:
        if len(_mapped(cells, plan)) >= min(2, len(plan.columns)):
            missing = set(plan.columns.values()) - set(_mapped(cells, plan).values())
            if missing:
                raise DataRejected(
                    [
                        DataProblem(
                            file=str(path),
                            column=sorted(missing)[0],
                            rule=f"column mapped by the registry (header at line {line})",
                            rows=[line],
                        )
                    ],
                    stage="ingest",
                )
            return line, cells
    raise read_error(
        path,
        f"a header line naming the mapped columns ({', '.join(sorted(plan.columns))}); none found",
    )


def _problem(path: Path, frame: pl.DataFrame, column: str, rule: str) -> DataProblem:
    return DataProblem(
        file=str(path),
        column=column,
        rule=rule,
        rows=frame[SOURCE_ROW].head(SAMPLE_SIZE).to_list(),
        sample=[str(value) for value in frame[column].head(SAMPLE_SIZE).to_list()]
        if column in frame.columns
        else [],
        count=frame.height,
    )


def _shaped(frame: pl.DataFrame, plan: CrosswalkOptions, path: Path) -> pl.DataFrame:
    target = "target_uri" if plan.target == "esco_uri" else "target_code"
    for name in ("source_code", "target_uri", "target_code", "weight", "relation"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String()).alias(name))
    frame = frame.with_columns(
        [pl.col(name).replace("", None) for name in ("source_code", target, "weight", "relation")]
    )
    if plan.relations:
        frame = frame.filter(pl.col("relation").is_in(plan.relations))
    blank = frame.filter(pl.col("source_code").is_null() | pl.col(target).is_null())
    if not blank.is_empty():
        column = "source_code" if blank["source_code"].null_count() else target
        raise DataRejected([_problem(path, blank, column, "not empty")], stage="ingest")
    if plan.target == "esco_uri":
        uuid = pl.col("target_uri").str.extract(f"({UUID.pattern})$", 1).str.to_lowercase()
        bad = frame.filter(uuid.is_null())
        if not bad.is_empty():
            raise DataRejected(
                [_problem(path, bad, "target_uri", "an ESCO occupation URI or UUID")],
                stage="ingest",
            )
        frame = frame.with_columns((pl.lit(ESCO_OCCUPATION) + uuid).alias("target_uri"))
    elif plan.target == "esco_code":
        frame = frame.with_columns(
            pl.when(pl.col("target_code").str.contains(LOST_ZERO.pattern))
            .then(pl.lit("0") + pl.col("target_code"))
            .otherwise(pl.col("target_code"))
            .alias("target_code")
        )
    if plan.weights == "column":
        weight = pl.col("weight").str.replace(",", ".").cast(pl.Float64, strict=False)
        bad = frame.filter(weight.is_null() | (weight < 0) | ~weight.is_finite())
        if not bad.is_empty():
            raise DataRejected([_problem(path, bad, "weight", "a number >= 0")], stage="ingest")
        frame = frame.with_columns(weight.alias("weight"))
    frame = frame.unique(
        subset=["source_code", target, "weight", "relation"], keep="first", maintain_order=True
    )
    twice = frame.filter(pl.struct("source_code", target).is_duplicated())
    if not twice.is_empty():
        raise DataRejected(
            [_problem(path, twice, "source_code", f"(source_code, {target}) unique")],
            stage="ingest",
        )
    if plan.weights == "equal":
        frame = frame.with_columns(
            (1.0 / pl.len().over("source_code")).cast(pl.Float64).alias("weight")
        )
    kind = "isco08" if plan.target == "isco08" else "esco"
    return frame.select(
        "source_code",
        pl.lit(kind).alias("target_kind"),
        pl.col("target_code").cast(pl.String),
        pl.col("target_uri").cast(pl.String),
        pl.col("weight").cast(pl.Float64),
        pl.col("relation").cast(pl.String),
        pl.col(SOURCE_ROW).cast(pl.Int64),
    ).sort(SOURCE_ROW)
