"""Source adapters: one module per file format, each shaped read -> typed frame -> Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metiers.errors import DataProblem, DataRejected
from metiers.sources import delimited, parquet, xlsx
from metiers.sources.base import (
    RawTable,
    StagedFile,
    conform,
    find_cast_failures,
    lossy_columns,
    parquet_rows,
    read_error,
    sha256_of,
    write_parquet_atomically,
)
from metiers.sources.registry import SOURCES, SourceSpec, get_source

__all__ = ["SOURCES", "SourceSpec", "StagedFile", "get_source", "open_raw", "stage_file"]


def open_raw(path: Path, spec: SourceSpec) -> RawTable:
    """Open a raw file with the adapter of its format, chosen by file suffix."""
    suffix = path.suffix.lower()
    if suffix in delimited.SUFFIXES:
        return delimited.read(path)
    if suffix in parquet.SUFFIXES:
        return parquet.read(path)
    if suffix in xlsx.SUFFIXES:
        return xlsx.read(path, expected_columns={column.name for column in spec.columns})
    raise read_error(path, f"no adapter for files ending in '{suffix}'")


def stage_file(
    path: Path, spec: SourceSpec, out_path: Path, sha256: str | None = None
) -> StagedFile:
    """Read one raw file, cast it to the source's schema and write its staging Parquet."""
    raw = open_raw(path, spec)
    try:
        write_parquet_atomically(conform(raw, spec, path), out_path)
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as error:
        problems = find_cast_failures(raw, spec, path)
        if not problems:
            raise DataRejected(
                [DataProblem(file=str(path), rule=f"readable {spec.name} file ({error})")],
                stage="ingest",
            ) from error
        raise DataRejected(problems, stage="ingest") from error
    lossy = lossy_columns(raw, spec)
    if lossy:
        # Fractions in whole-number columns became nulls above; say which ones.
        problems = find_cast_failures(raw, spec, path, only=lossy)
        if problems:
            out_path.unlink(missing_ok=True)
            raise DataRejected(problems, stage="ingest")
    return StagedFile(
        source=spec.name,
        raw_path=str(path),
        sha256=sha256 or sha256_of(path),
        size_bytes=path.stat().st_size,
        staging_path=str(out_path),
        rows=parquet_rows(out_path),
    )
