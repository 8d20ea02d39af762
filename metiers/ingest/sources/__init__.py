"""Source adapters: one module per file format, each shaped read -> typed frame -> Parquet."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.core.source_registry import SourceSpec, get_source
from metiers.ingest.sources import delimited, formats, parquet, xlsx
from metiers.ingest.sources.base import (
    SOURCE_ROW,
    RawTable,
    StagedFile,
    conform,
    find_cast_failures,
    lossy_columns,
    non_finite_failures,
    parquet_rows,
    read_error,
    sha256_of,
    write_parquet_atomically,
)
from metiers.ingest.sources.limits import DEFAULT_LIMITS, readable_copy

__all__ = [
    "AGGREGATE_SCHEMA",
    "CONTEXT_SCHEMA",
    "SourceSpec",
    "StagedFile",
    "get_source",
    "open_raw",
    "stage_file",
]


AGGREGATE_SCHEMA = {
    "source_id": pl.String(),
    "occupation_code": pl.String(),
    "year": pl.Int32(),
    "region": pl.String(),
    "indicator": pl.String(),
    "value": pl.Float64(),
    "flag": pl.String(),
    SOURCE_ROW: pl.Int64(),
}


CONTEXT_SCHEMA = {
    "source_id": pl.String(),
    "isco_code": pl.String(),
    "geo": pl.String(),
    "time_period": pl.String(),
    "indicator": pl.String(),
    "unit": pl.String(),
    "value": pl.Float64(),
    "flag": pl.String(),
    SOURCE_ROW: pl.Int64(),
}


def _matching(frame: pl.DataFrame, wanted: dict, path: Path, series: str) -> pl.DataFrame:
    missing = [dimension for dimension in wanted if dimension not in frame.columns]
    if missing:
        raise DataRejected(
            [
                DataProblem(file=str(path), column=name, rule=f"dimension of series '{series}'")
                for name in missing
            ],
            stage="ingest",
        )
    condition = pl.lit(True)
    for dimension, value in wanted.items():
        condition = condition & (pl.col(dimension) == str(value))
    return frame.filter(condition)


def context_long(frame: pl.DataFrame, spec: SourceSpec, path: Path) -> pl.DataFrame:
    """Context series of a statistical table (Eurostat), per ISCO group, place and period.

    Each declared series is a filtered value, or a ratio of two filtered values whose flags
    are carried together, so a 'low reliability' numerator stays visible in the share.
    """
    context = spec.context
    if context is None:  # the registry requires it of role context
        return pl.DataFrame(schema=CONTEXT_SCHEMA)
    isco = context.isco_dimension
    prefix = context.isco_prefix
    keys = [isco, "geo", "time_period"]
    base = frame
    if context.geo:
        base = _matching(base, {"geo": context.geo}, path, "geo")
    parts = []
    for series in context.series:
        name = series.indicator
        if series.filter is not None:
            chosen = _matching(base, series.filter, path, name).select(
                *keys, "value", "flag", SOURCE_ROW
            )
        else:
            numerator = _matching(base, series.numerator or {}, path, name)
            denominator = _matching(base, series.denominator or {}, path, name)
            chosen = numerator.join(
                denominator.select(*keys, "value", "flag"), on=keys, suffix="_of"
            ).select(
                *keys,
                (pl.col("value") / pl.col("value_of")).alias("value"),
                pl.concat_str(
                    [pl.col("flag").fill_null(""), pl.col("flag_of").fill_null("")]
                ).alias("flag"),
                SOURCE_ROW,
            )
        parts.append(
            chosen.select(
                pl.lit(spec.name).alias("source_id"),
                pl.col(isco).str.strip_prefix(prefix).alias("isco_code"),
                pl.col("geo"),
                pl.col("time_period"),
                pl.lit(name).alias("indicator"),
                pl.lit(series.unit).cast(pl.String).alias("unit"),
                pl.col("value"),
                # letters once each, in order: 'u' + 'bu' -> 'ub'
                pl.col("flag")
                .str.split("")
                .list.unique(maintain_order=True)
                .list.join("")
                .replace("", None)
                .alias("flag"),
                pl.col(SOURCE_ROW).cast(pl.Int64),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=CONTEXT_SCHEMA)


def aggregate_long(frame: pl.DataFrame, spec: SourceSpec, path: Path) -> pl.DataFrame:
    """A published table in long form: one row per occupation, year, region and fed indicator.

    Every source of role `aggregate` stages to this one shape, so the build reads them all
    alike and a new one needs no SQL.
    """
    missing = [name for name in ("occupation_code", *spec.feeds) if name not in frame.columns]
    if missing:
        raise DataRejected(
            [
                DataProblem(file=str(path), column=name, rule="column mapped by the registry")
                for name in missing
            ],
            stage="ingest",
        )
    parts = []
    for indicator in spec.feeds:
        flag = f"{indicator}_flag"
        parts.append(
            frame.select(
                pl.lit(spec.name).alias("source_id"),
                pl.col("occupation_code").cast(pl.String),
                (pl.col("year") if "year" in frame.columns else pl.lit(None))
                .cast(pl.Int32)
                .alias("year"),
                (pl.col("region") if "region" in frame.columns else pl.lit(None))
                .cast(pl.String)
                .alias("region"),
                pl.lit(indicator).alias("indicator"),
                pl.col(indicator).cast(pl.Float64).alias("value"),
                (pl.col(flag) if flag in frame.columns else pl.lit(None))
                .cast(pl.String)
                .alias("flag"),
                (pl.col(SOURCE_ROW) if SOURCE_ROW in frame.columns else pl.lit(None))
                .cast(pl.Int64)
                .alias(SOURCE_ROW),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=AGGREGATE_SCHEMA)


def read_with_adapter(path: Path, spec: SourceSpec, limits: Limits | None = None) -> RawTable:
    """Open a raw file with the adapter its source declares, with the source's options (the
    registry checked them against the adapter's model); every adapter checks the file
    against `limits` before its expensive read."""
    limits = limits or DEFAULT_LIMITS
    options = spec.options
    if spec.adapter == "tabular":
        return open_raw(path, spec, limits)
    if spec.adapter == "esco_occupations":
        from metiers.ingest.sources import esco

        frame = esco.read_occupations(path, options, limits=limits)
        return RawTable(frame=frame.lazy(), numbered=True)
    if spec.adapter == "esco_isco_groups":
        from metiers.ingest.sources import esco

        frame = esco.read_isco_groups(path, options, limits=limits)
        return RawTable(frame=frame.lazy(), numbered=True)
    if spec.adapter == "eurostat":
        from metiers.ingest.sources import eurostat

        series = eurostat.read(path, options, limits=limits)
        if spec.role == "context":
            series = context_long(series, spec, path)
        return RawTable(frame=series.lazy(), numbered=True)
    if spec.adapter == "statbel":
        from metiers.ingest.sources import statbel

        return RawTable(frame=statbel.read(path, options, limits=limits).lazy(), numbered=True)
    if spec.adapter == "aggregate":
        from metiers.ingest.sources import aggregate

        wide = aggregate.read(path, options, limits=limits)
        return RawTable(frame=aggregate_long(wide, spec, path).lazy(), numbered=True)
    raise read_error(path, f"unknown adapter '{spec.adapter}'")


def open_raw(path: Path, spec: SourceSpec, limits: Limits | None = None) -> RawTable:
    """Open a tabular raw file with the adapter of its format, chosen by file suffix (a
    `*.gz` file reaches it decompressed, see `readable_copy`); a format no adapter reads is
    refused by name."""
    suffix = path.suffix.lower()
    if suffix in delimited.SUFFIXES:
        return delimited.read(path, spec.options, limits=limits)
    if suffix in parquet.SUFFIXES:
        return parquet.read(path, limits=limits)
    if suffix in xlsx.SUFFIXES:
        expected = {column.name for column in spec.columns}
        return xlsx.read(path, expected_columns=expected, limits=limits)
    if suffix in formats.UNSUPPORTED:
        raise read_error(path, formats.UNSUPPORTED[suffix])
    raise read_error(path, f"no adapter for files ending in '{suffix}'")


def stage_file(
    path: Path,
    spec: SourceSpec,
    out_path: Path,
    sha256: str | None = None,
    limits: Limits | None = None,
) -> StagedFile:
    """Read one raw file, cast it to the source's schema and write its staging Parquet.

    A gzip file of a source declaring `compression = "gzip"` is read from a bounded,
    temporary decompressed copy; problems still name the raw file."""
    with readable_copy(path, spec.options.compression, out_path.parent, limits) as readable:
        try:
            rows = _stage(readable, path, spec, out_path, limits)
        except DataRejected as rejected:
            if readable == path:
                raise
            raise _renamed(rejected, readable, path) from rejected
    return StagedFile(
        source=spec.name,
        raw_path=str(path),
        sha256=sha256 or sha256_of(path),
        size_bytes=path.stat().st_size,
        staging_path=str(out_path),
        rows=rows,
    )


def _renamed(rejected: DataRejected, read: Path, raw: Path) -> DataRejected:
    """The same rejection naming the raw file instead of its decompressed copy."""
    for problem in rejected.problems:
        problem.file = problem.file.replace(str(read), str(raw))
        problem.rule = problem.rule.replace(str(read), str(raw))
    return DataRejected(rejected.problems, stage=rejected.stage, reports=rejected.reports)


def _stage(
    readable: Path, path: Path, spec: SourceSpec, out_path: Path, limits: Limits | None
) -> int:
    """Stage `readable` (the raw file or its decompressed copy); returns the rows staged."""
    raw = read_with_adapter(readable, spec, limits)
    try:
        write_parquet_atomically(conform(raw, spec, path), out_path)
    except pl.exceptions.PolarsError as error:
        try:
            problems = find_cast_failures(raw, spec, path)
        except pl.exceptions.PolarsError:
            # The file cannot even be scanned again (bad encoding, broken lines).
            problems = []
        if not problems:
            raise DataRejected(
                [DataProblem(file=str(path), rule=f"readable {spec.name} file ({error})")],
                stage="ingest",
            ) from error
        raise DataRejected(problems, stage="ingest") from error
    non_finite = non_finite_failures(raw, spec, path)
    if non_finite:
        out_path.unlink(missing_ok=True)
        raise DataRejected(non_finite, stage="ingest")
    lossy = lossy_columns(raw, spec)
    if lossy:
        # Fractions in whole-number columns became nulls above; say which ones.
        problems = find_cast_failures(raw, spec, path, only=lossy)
        if problems:
            out_path.unlink(missing_ok=True)
            raise DataRejected(problems, stage="ingest")
    return parquet_rows(out_path)
