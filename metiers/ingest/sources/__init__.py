"""Source adapters: one module per file format, each shaped read -> typed frame -> Parquet."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.core.source_registry import FilterValue, SeriesDeclaration, SourceSpec, get_source
from metiers.ingest.sources import crosswalk, delimited, formats, parquet, xlsx
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
from metiers.methodology import periods, units

logger = logging.getLogger(__name__)

__all__ = [
    "AGGREGATE_SCHEMA",
    "CONTEXT_SCHEMA",
    "CROSSWALK_SCHEMA",
    "SourceSpec",
    "StagedFile",
    "StagingNote",
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
    # issue 15: the period as published and parsed, the place, the unit and its conversion
    "period": pl.String(),
    "period_kind": pl.String(),
    "period_start": pl.Int32(),
    "period_end": pl.Int32(),
    "geo": pl.String(),
    "geo_level": pl.String(),
    "unit": pl.String(),
    "source_value": pl.Float64(),
    "source_unit": pl.String(),
    "currency": pl.String(),
    "conversion": pl.String(),
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
    "geo_level": pl.String(),
    "period": pl.String(),
    "period_kind": pl.String(),
    "period_start": pl.Int32(),
    "period_end": pl.Int32(),
    "year": pl.Int32(),
    "source_value": pl.Float64(),
    "source_unit": pl.String(),
    "currency": pl.String(),
    "conversion": pl.String(),
}

ISCO_CODE = r"^\d{1,4}$"
# Geographic aggregates of Eurostat (EU27_2020, EA21, EU28, ...): never a country.
GEO_AGGREGATE = r"^(?:EU|EA)[0-9_]"
GEO_LEVELS = {2: "country", 3: "nuts1", 4: "nuts2", 5: "nuts3"}

# One row per (source code, target) pair of a crosswalk source: the adapter's columns,
# tagged with the crosswalk's id (its source id).
CROSSWALK_SCHEMA = {"crosswalk_id": pl.String(), **crosswalk.SCHEMA}


@dataclass(frozen=True)
class StagingNote:
    """Something staging left out of a file without rejecting it, said so it is never a
    silent zero: `code` is not_isco, series_matched_nothing or geography_filtered_out."""

    source: str
    file: str
    code: str
    detail: str
    count: int

    def describe(self) -> str:
        return f"{self.file}: {self.code} ({self.detail}; {self.count} rows)"


def _note(notes: list[StagingNote] | None, note: StagingNote) -> None:
    logger.warning("source %s: %s", note.source, note.describe())
    if notes is not None:
        notes.append(note)


def _literal(text: str) -> str:
    """`text` as a regex matching itself (Rust regex escapes, so any character is safe)."""
    return "".join(f"\\x{{{ord(char):X}}}" for char in text)


def glob_regex(pattern: str) -> str:
    """A `*`/`?` glob as an anchored regex: `*` any text, `?` one character."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(_literal(char))
    return "^" + "".join(parts) + "$"


def _matches(dimension: str, wanted: FilterValue) -> pl.Expr:
    """Rows whose `dimension` is one of `wanted` (a value, a list, or globs)."""
    values = wanted if isinstance(wanted, list) else [wanted]
    texts = [str(value) for value in values]
    exact = [text for text in texts if "*" not in text and "?" not in text]
    column = pl.col(dimension).cast(pl.String)
    condition = column.is_in(exact) if exact else pl.lit(False)
    for text in texts:
        if text not in exact:
            condition = condition | column.str.contains(glob_regex(text))
    return condition.fill_null(False)


def _all_match(wanted: Mapping[str, FilterValue]) -> pl.Expr:
    condition = pl.lit(True)
    for dimension, value in wanted.items():
        condition = condition & _matches(dimension, value)
    return condition


def _shown(wanted: Mapping[str, FilterValue]) -> str:
    return ", ".join(f"{dimension}={value}" for dimension, value in wanted.items())


def _check_dimensions(frame: pl.DataFrame, spec: SourceSpec, path: Path) -> None:
    """Every dimension the context declaration names is one of the file's, or the file is
    rejected naming the dimension and the file's own (never a crash, exit 3)."""
    context = spec.context
    assert context is not None
    wanted: dict[str, str] = {}
    if context.isco_dimension:
        wanted[context.isco_dimension] = "isco_dimension"
    if context.geo is not None:
        wanted["geo"] = "context.geo"
    for dimension in context.exclude:
        wanted.setdefault(dimension, "context.exclude")
    for series in context.series:
        for part, filters in (
            ("filter", series.filter),
            ("numerator", series.numerator),
            ("denominator", series.denominator),
            ("exclude", series.exclude),
        ):
            for dimension in filters or {}:
                wanted.setdefault(dimension, f"{part} of series '{series.indicator}'")
    dimensions = [name for name in frame.columns if name not in (SOURCE_ROW, "value", "flag")]
    problems = [
        DataProblem(
            file=str(path),
            column=dimension,
            rule=f"dimension declared by {where} (the file's dimensions: {', '.join(dimensions)})",
            sample=dimensions,
        )
        for dimension, where in wanted.items()
        if dimension not in frame.columns
    ]
    if problems:
        raise DataRejected(problems, stage="ingest")


def _unit_conversion(unit: str, spec: SourceSpec, path: Path, key: str) -> units.Conversion:
    try:
        return units.conversion(unit, spec.hours_per_week)
    except units.UnknownUnit as error:
        raise DataRejected(
            [DataProblem(file=str(path), column=key, rule=f"source '{spec.name}': {error}")],
            stage="ingest",
        ) from None


def _file_units(rows: pl.DataFrame) -> list[str]:
    if "unit" not in rows.columns:
        return []
    return sorted({str(code) for code in rows["unit"].drop_nulls().unique().to_list()})


def _check_declared_unit(declared: str | None, rows: pl.DataFrame, path: Path, series: str) -> None:
    """A declared unit agrees with the file's own `unit` dimension (Eurostat THS_PER is
    thousand_persons, never persons)."""
    if declared is None:
        return
    named = units.FIGURE_UNITS.get(declared, declared)
    wrong = [
        code
        for code in _file_units(rows)
        if units.eurostat_unit(code) is not None and units.eurostat_unit(code) != named
    ]
    if wrong:
        raise DataRejected(
            [
                DataProblem(
                    file=str(path),
                    column="unit",
                    rule=f"series '{series}' declares unit {declared!r}; the file's unit "
                    f"{wrong[0]} is {units.eurostat_unit(wrong[0])!r}",
                    sample=wrong,
                    rows=rows.filter(pl.col("unit").is_in(wrong))[SOURCE_ROW].head(5).to_list(),
                    count=rows.filter(pl.col("unit").is_in(wrong)).height,
                )
            ],
            stage="ingest",
        )


def _series_rows(
    base: pl.DataFrame,
    series: SeriesDeclaration,
    keys: list[str],
    spec: SourceSpec,
    path: Path,
    notes: list[StagingNote] | None,
) -> tuple[pl.DataFrame, str | None]:
    """The rows of one series (value, flag, source_row on `keys`) and its unit."""
    if series.exclude:
        base = base.filter(~_all_match(series.exclude))
    name = series.indicator
    if series.filter is not None:
        chosen = base.filter(_all_match(series.filter))
        _check_declared_unit(series.unit, chosen, path, name)
        unit = series.unit
        if unit is None:
            found = {units.eurostat_unit(code) for code in _file_units(chosen)}
            unit = found.pop() if len(found) == 1 else None
        shown = _shown(series.filter)
        chosen = chosen.select(*keys, "value", "flag", SOURCE_ROW)
    else:
        numerator = base.filter(_all_match(series.numerator or {}))
        denominator = base.filter(_all_match(series.denominator or {}))
        above, below = _file_units(numerator), _file_units(denominator)
        if above and below and above != below:
            raise DataRejected(
                [
                    DataProblem(
                        file=str(path),
                        column="unit",
                        rule=f"series '{name}': numerator and denominator in one unit "
                        f"(numerator {', '.join(above)}, denominator {', '.join(below)})",
                        sample=[*above, *below],
                    )
                ],
                stage="ingest",
            )
        unit = series.unit or units.SHARE
        shown = f"{_shown(series.numerator or {})} / {_shown(series.denominator or {})}"
        chosen = numerator.join(
            denominator.select(*keys, "value", "flag"), on=keys, suffix="_of", nulls_equal=True
        ).select(
            *keys,
            (pl.col("value") / pl.col("value_of")).alias("value"),
            pl.concat_str([pl.col("flag").fill_null(""), pl.col("flag_of").fill_null("")]).alias(
                "flag"
            ),
            SOURCE_ROW,
        )
    if chosen.is_empty():
        _note(
            notes,
            StagingNote(spec.name, str(path), "series_matched_nothing", f"{name}: {shown}", 0),
        )
    return chosen, unit


def context_long(
    frame: pl.DataFrame,
    spec: SourceSpec,
    path: Path,
    notes: list[StagingNote] | None = None,
) -> pl.DataFrame:
    """Context series of a statistical table (Eurostat), per ISCO group, place and period.

    Each declared series is a filtered value, or a ratio of two filtered values whose flags
    are carried together, so a 'low reliability' numerator stays visible in the share.
    Filters take lists and `*`/`?` globs; `exclude` drops rows first. Codes that are not ISCO
    groups after the prefix (TOTAL, NRP) are dropped; a table without an ISCO dimension
    (`isco_dimension = ""`) is general context, its `isco_code` null. Values are converted to
    the mart's units; what is dropped is said in `notes` (and the log), never in silence.
    """
    context = spec.context
    if context is None:  # the registry requires it of role context
        return pl.DataFrame(schema=CONTEXT_SCHEMA)
    _check_dimensions(frame, spec, path)
    isco = context.isco_dimension
    keys = [name for name in (isco, "geo", "time_period") if name and name in frame.columns]
    base = frame
    if context.exclude:
        base = base.filter(~_all_match(context.exclude))
    if context.geo is not None:
        kept = base.filter(_matches("geo", context.geo))
        dropped = base.height - kept.height
        if dropped:
            others = sorted(set(base["geo"].unique().to_list()) - set(kept["geo"].to_list()))
            _note(
                notes,
                StagingNote(
                    spec.name,
                    str(path),
                    "geography_filtered_out",
                    f"geo={context.geo} kept; left out: {', '.join(map(str, others[:10]))}",
                    dropped,
                ),
            )
        base = kept
    parts = []
    for series in context.series:
        chosen, unit = _series_rows(base, series, keys, spec, path, notes)
        conversion = (
            _unit_conversion(unit, spec, path, f"series '{series.indicator}' unit")
            if unit is not None
            else None
        )
        isco_code = (
            pl.col(isco).cast(pl.String).str.strip_prefix(context.isco_prefix)
            if isco
            else pl.lit(None, dtype=pl.String)
        )
        parts.append(
            chosen.select(
                pl.lit(spec.name).alias("source_id"),
                isco_code.alias("isco_code"),
                (pl.col("geo") if "geo" in chosen.columns else pl.lit(_country(spec)))
                .cast(pl.String)
                .alias("geo"),
                pl.col("time_period").cast(pl.String),
                pl.lit(series.indicator).alias("indicator"),
                pl.lit(conversion.unit if conversion else None, dtype=pl.String).alias("unit"),
                _converted(conversion).alias("value"),
                # letters once each, in order: 'u' + 'bu' -> 'ub'
                pl.col("flag")
                .str.split("")
                .list.unique(maintain_order=True)
                .list.join("")
                .replace("", None)
                .alias("flag"),
                pl.col(SOURCE_ROW).cast(pl.Int64),
                pl.col("value").cast(pl.Float64).alias("source_value"),
                pl.lit(unit, dtype=pl.String).alias("source_unit"),
                pl.lit(conversion.currency if conversion else None, dtype=pl.String).alias(
                    "currency"
                ),
                pl.lit(conversion.text if conversion else None, dtype=pl.String).alias(
                    "conversion"
                ),
            )
        )
    if not parts:
        return pl.DataFrame(schema=CONTEXT_SCHEMA)
    long = pl.concat(parts)
    if isco:
        not_isco = long.filter(~pl.col("isco_code").str.contains(ISCO_CODE).fill_null(False))
        if not_isco.height:
            codes = sorted(set(not_isco["isco_code"].drop_nulls().to_list()))
            _note(
                notes,
                StagingNote(
                    spec.name,
                    str(path),
                    "not_isco",
                    f"{isco} codes that are no ISCO group: {', '.join(codes[:10])}",
                    not_isco.height,
                ),
            )
            long = long.filter(pl.col("isco_code").str.contains(ISCO_CODE).fill_null(False))
    long = _with_periods(long, "time_period", "time_period", path)
    long = long.with_columns(_geo_level(pl.col("geo")).alias("geo_level"))
    _check_shares(long, path, "value")
    return long.select([pl.col(name).cast(dtype) for name, dtype in CONTEXT_SCHEMA.items()])


def _country(spec: SourceSpec) -> str:
    return spec.geography.country if spec.geography is not None else "BE"


def _converted(conversion: units.Conversion | None) -> pl.Expr:
    value = pl.col("value").cast(pl.Float64)
    if conversion is None or conversion.factor == 1.0:
        return value
    return (value * conversion.factor).round(units.DECIMALS)


def _geo_level(geo: pl.Expr) -> pl.Expr:
    """country, nuts1, nuts2 (nuts3) by a NUTS code's length; EU27_2020, EA21: aggregate."""
    code = geo.cast(pl.String)
    level = pl.when(code.is_null()).then(None)
    level = level.when(code.str.contains(GEO_AGGREGATE)).then(pl.lit("aggregate"))
    for length, name in GEO_LEVELS.items():
        level = level.when(code.str.len_chars() == length).then(pl.lit(name))
    return level.otherwise(pl.lit("aggregate"))


def _with_periods(frame: pl.DataFrame, column: str, shown: str, path: Path) -> pl.DataFrame:
    """`period` (the label as published), `period_kind`, `period_start`, `period_end` and
    `year` (= period_end) from `column`; a label that is no period rejects the file naming
    the column and the label, never a cast error."""
    labels = _labels(frame[column])
    frame = frame.with_columns(labels.alias("period"))
    found, bad = periods.parse_periods(frame["period"].unique().to_list())
    if bad:
        rows = frame.filter(pl.col("period").is_in(bad))
        raise DataRejected(
            [
                DataProblem(
                    file=str(path),
                    column=shown,
                    rule=periods.PERIOD_RULE,
                    sample=sorted(bad),
                    rows=rows[SOURCE_ROW].head(5).to_list(),
                    count=rows.height,
                )
            ],
            stage="ingest",
        )
    table = pl.DataFrame(
        {
            "period": list(found),
            "period_kind": [period.kind for period in found.values()],
            "period_start": [period.start for period in found.values()],
            "period_end": [period.end for period in found.values()],
        },
        schema={
            "period": pl.String(),
            "period_kind": pl.String(),
            "period_start": pl.Int32(),
            "period_end": pl.Int32(),
        },
    )
    return frame.join(table, on="period", how="left", maintain_order="left").with_columns(
        pl.col("period_end").alias("year")
    )


def _labels(column: pl.Series) -> pl.Series:
    """Period labels as text: whole numbers without a decimal part (2023.0 -> "2023")."""
    if column.dtype.is_float():
        whole = column.round(0) == column
        return (
            pl.select(
                pl.when(whole)
                .then(column.cast(pl.Int64).cast(pl.String))
                .otherwise(column.cast(pl.String))
            )
            .to_series()
            .alias(column.name)
        )
    return column.cast(pl.String).str.strip_chars()


def _check_shares(frame: pl.DataFrame, path: Path, column: str) -> None:
    """A share outside 0..1 after conversion rejects the file: a percent declared `share`,
    or a value of 120 declared `percent`."""
    bad = frame.filter(
        (pl.col("unit") == units.SHARE) & ((pl.col(column) < 0) | (pl.col(column) > 1))
    )
    if bad.is_empty():
        return
    first = bad.row(0, named=True)
    raise DataRejected(
        [
            DataProblem(
                file=str(path),
                column=str(first["indicator"]),
                rule=f"share {first[column]:g} outside 0..1 (declared "
                f"{first['source_unit'] or 'share'}, as published {first['source_value']:g})",
                sample=bad["source_value"].head(5).to_list(),
                rows=bad[SOURCE_ROW].head(5).to_list(),
                count=bad.height,
            )
        ],
        stage="ingest",
    )


def _raw_name(spec: SourceSpec, canonical: str) -> str:
    """The file's own name of a canonical column, as the aggregate options map it."""
    columns = getattr(spec.options, "columns", {}) or {}
    for raw, ours in columns.items():
        if ours == canonical:
            return raw
    return canonical


def aggregate_long(frame: pl.DataFrame, spec: SourceSpec, path: Path) -> pl.DataFrame:
    """A published table in long form: one row per occupation, period, place and fed
    indicator, values in the mart's units.

    Every source of role `aggregate` stages to this one shape, so the build reads them all
    alike and a new one needs no SQL. The period (`period` or `year` column) is parsed, never
    cast; the place is `geography.column`, else a `region` column, else `geography.country`;
    `region` stays a Belgian NUTS code or null. Each indicator's values are converted from
    its declared unit (`units`, by default its figure's own).
    """
    geography = spec.geography
    geo_column = geography.column if geography is not None else None
    wanted = ["occupation_code", *spec.feeds, *([geo_column] if geo_column else [])]
    missing = [name for name in wanted if name not in frame.columns]
    if missing:
        raise DataRejected(
            [
                DataProblem(file=str(path), column=name, rule="column mapped by the registry")
                for name in missing
            ],
            stage="ingest",
        )
    period_column = next((name for name in ("period", "year") if name in frame.columns), None)
    if period_column is None:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("__period"))
        period_column = "__period"
    country = _country(spec)
    region = (
        pl.col("region").cast(pl.String).str.strip_chars()
        if "region" in frame.columns
        else pl.lit(None, dtype=pl.String)
    )
    if geo_column:
        geo = pl.col(geo_column).cast(pl.String).str.strip_chars().str.to_uppercase()
    else:
        geo = region
    geo = pl.coalesce(geo, pl.lit(country))
    # A region that is no Belgian code (BLS `defaults.region = "US"`) is the place, not a
    # Belgian region; a Belgian one (valid or not) stays for the suite to check.
    belgian = geo.str.starts_with("BE") & (geo.str.len_chars() > 2)
    region = pl.when(region.is_not_null() & region.str.starts_with("BE")).then(region)
    if geo_column:
        region = region.when(belgian).then(geo)
    parts = []
    for indicator in spec.feeds:
        declared = spec.units.get(indicator) or units.default_unit(indicator)
        conversion = (
            _unit_conversion(declared, spec, path, f"units.{indicator}")
            if declared is not None
            else None
        )
        flag = f"{indicator}_flag"
        parts.append(
            frame.select(
                pl.lit(spec.name).alias("source_id"),
                pl.col("occupation_code").cast(pl.String),
                pl.col(period_column).alias("__label"),
                region.otherwise(None).cast(pl.String).alias("region"),
                pl.lit(indicator).alias("indicator"),
                pl.col(indicator).cast(pl.Float64).alias("value"),
                (pl.col(flag) if flag in frame.columns else pl.lit(None))
                .cast(pl.String)
                .alias("flag"),
                (pl.col(SOURCE_ROW) if SOURCE_ROW in frame.columns else pl.lit(None))
                .cast(pl.Int64)
                .alias(SOURCE_ROW),
                geo.alias("geo"),
                pl.lit(conversion.unit if conversion else None, dtype=pl.String).alias("unit"),
                pl.col(indicator).cast(pl.Float64).alias("source_value"),
                pl.lit(declared, dtype=pl.String).alias("source_unit"),
                pl.lit(conversion.currency if conversion else None, dtype=pl.String).alias(
                    "currency"
                ),
                pl.lit(conversion.text if conversion else None, dtype=pl.String).alias(
                    "conversion"
                ),
            ).with_columns(_converted(conversion).alias("value"))
        )
    if not parts:
        return pl.DataFrame(schema=AGGREGATE_SCHEMA)
    long = pl.concat(parts)
    shown = _raw_name(spec, period_column)
    if long["__label"].null_count() == long.height:
        long = long.with_columns(
            pl.lit(None, dtype=pl.String).alias(name) for name in ("period", "period_kind")
        ).with_columns(
            pl.lit(None, dtype=pl.Int32).alias(name)
            for name in ("period_start", "period_end", "year")
        )
    else:
        long = _with_periods(long, "__label", shown, path)
    long = long.with_columns(_geo_level(pl.col("geo")).alias("geo_level"))
    _check_shares(long, path, "value")
    return long.select([pl.col(name).cast(dtype) for name, dtype in AGGREGATE_SCHEMA.items()])


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
    if spec.adapter == "crosswalk":
        pairs = crosswalk.read(path, options, limits=limits)
        frame = pairs.select(pl.lit(spec.name).alias("crosswalk_id"), pl.all())
        return RawTable(frame=frame.lazy(), numbered=True)
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
