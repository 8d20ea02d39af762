"""Delimited text (CSV) as publishers and spreadsheets write it: read every field as text."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import TabularOptions, parse_options
from metiers.core.limits import Limits
from metiers.ingest.sources.base import RawTable, read_error
from metiers.ingest.sources.limits import check_text_file

SUFFIXES = (".csv", ".txt", ".tsv")


def sniff_separator(path: Path) -> str:
    """Pick the separator that splits the header line most: `,`, `;`, `|` or tab."""
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace")
    counts = {separator: header.count(separator) for separator in (",", ";", "|", "\t")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] > 0 else ","


def read(
    path: Path,
    options: TabularOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> RawTable:
    """All columns as text, so casting and its errors happen in one place.

    UTF-8 files are scanned lazily (they may be large); other encodings are read eagerly,
    since polars decodes them only in `read_csv`. The file is checked against `limits`
    first: polars would otherwise decompress, widen or buffer whatever the file holds.
    """
    plan = parse_options(TabularOptions, options)
    if path.stat().st_size == 0:
        raise read_error(path, "file is empty")
    check_text_file(path, limits, plan.separator)

    separator = sniff_separator(path) if plan.separator == "auto" else plan.separator
    encoding = plan.encoding
    try:
        if plan.codec == "utf-8-sig":
            frame = pl.scan_csv(
                path, separator=separator, infer_schema=False, encoding="utf8", glob=False
            )
            frame.collect_schema()
        else:
            frame = pl.read_csv(
                path, separator=separator, infer_schema=False, encoding=plan.codec, glob=False
            ).lazy()
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError, LookupError) as error:
        raise read_error(
            path, f"unreadable as {encoding} text separated by {separator!r} ({error})"
        ) from error
    # Record 1 is on line 2, under the header.
    return RawTable(frame=frame, first_row=2)
