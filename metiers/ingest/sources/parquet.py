"""Parquet files: already typed, scanned lazily so large extracts stream."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metiers.core.limits import Limits
from metiers.ingest.sources.base import RawTable, read_error
from metiers.ingest.sources.limits import check_parquet_file

SUFFIXES = (".parquet", ".pq")


def read(path: Path, limits: Limits | None = None) -> RawTable:
    """Rows and columns are checked against `limits` from the metadata before any data."""
    check_parquet_file(path, limits)

    try:
        frame = pl.scan_parquet(path, glob=False)
        frame.collect_schema()
    except (pl.exceptions.ComputeError, OSError) as error:
        raise read_error(path, f"unreadable as Parquet ({error})") from error
    return RawTable(frame=frame, first_row=1)
