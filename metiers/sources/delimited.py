"""Delimited text (CSV) as publishers and spreadsheets write it: read every field as text."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metiers.sources.base import RawTable, read_error

SUFFIXES = (".csv", ".txt", ".tsv")


def sniff_separator(path: Path) -> str:
    """Pick the separator that splits the header line most: `,`, `;`, `|` or tab."""
    with path.open("rb") as handle:
        header = handle.readline().decode("utf-8", errors="replace")
    counts = {separator: header.count(separator) for separator in (",", ";", "|", "\t")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] > 0 else ","


def read(path: Path) -> RawTable:
    """Lazy scan with all columns as text, so casting and its errors happen in one place."""
    if path.stat().st_size == 0:
        raise read_error(path, "file is empty")
    try:
        frame = pl.scan_csv(
            path,
            separator=sniff_separator(path),
            infer_schema=False,
            encoding="utf8",
        )
        frame.collect_schema()
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        raise read_error(path, f"unreadable as UTF-8 delimited text ({error})") from error
    # Record 1 is on line 2, under the header.
    return RawTable(frame=frame, first_row=2)
