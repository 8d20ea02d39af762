"""Every source the pipeline reads, declared once: its files, columns, types and suite.

A new source in a known format (delimited text, Parquet, XLSX) is a new entry here, not code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


@dataclass(frozen=True)
class Column:
    """A column as the pipeline needs it; `default` fills an optional column that is absent."""

    name: str
    dtype: pl.DataType
    required: bool = True
    default: object = None


@dataclass(frozen=True)
class SourceSpec:
    """What to read for one source and what its staging Parquet looks like."""

    name: str
    description: str
    patterns: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    # Name of the GX suite in expectations/ (without .json).
    suite: str = ""
    # Columns whose combined values must identify a row: used to split large files into
    # validation batches without separating duplicates.
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def suite_name(self) -> str:
        return self.suite or self.name

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {column.name: column.dtype for column in self.columns}

    def files(self, raw_dir: Path) -> list[Path]:
        """The source's raw files, sorted, found by its patterns under raw_dir/<name>/."""
        folder = raw_dir / self.name
        found: set[Path] = set()
        for pattern in self.patterns:
            found.update(path for path in folder.glob(pattern) if path.is_file())
        return sorted(found)


TEXT = pl.String()

SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec(
            name="metiers",
            description="the site's catalogue of métiers",
            patterns=("metiers.csv",),
            columns=(
                Column("slug", TEXT),
                Column("title_fr", TEXT),
                Column("title_nl", TEXT),
                Column("title_en", TEXT),
                Column("esco_code", TEXT),
                Column("training_years_min", pl.Int32()),
                Column("training_years_max", pl.Int32()),
                Column("training_plus_experience", pl.Boolean(), required=False, default=False),
            ),
            key=("slug",),
        ),
        SourceSpec(
            name="register",
            description="employment register extracts, one file per year",
            patterns=("*.csv", "*.parquet"),
            columns=(
                Column("year", pl.Int32()),
                Column("person_id", TEXT),
                Column("occupation_code", TEXT),
                Column("region", TEXT),
                Column("sex", TEXT),
                Column("age", pl.Int32()),
                Column("status", TEXT),
                Column("gross_monthly_eur", pl.Float64()),
                Column("experience_years", pl.Int32()),
                Column("weight", pl.Float64(), required=False, default=1.0),
            ),
            key=("person_id", "year"),
        ),
        SourceSpec(
            name="insertion",
            description="training leavers and their employment six months later",
            patterns=("*.xlsx",),
            columns=(
                Column("cohort_year", pl.Int32()),
                Column("occupation_code", TEXT),
                Column("leavers", pl.Int64()),
                Column("employed_6m", pl.Int64()),
                Column("main_channel", TEXT),
            ),
            required=False,
            key=("cohort_year", "occupation_code"),
        ),
        SourceSpec(
            name="facts",
            description="editorial figures kept by the content team",
            patterns=("*.csv",),
            columns=(
                Column("slug", TEXT),
                Column("indicator", TEXT),
                Column("value", pl.Float64()),
                Column("value_min", pl.Float64()),
                Column("value_max", pl.Float64()),
                Column("unit", TEXT),
                Column("year", pl.Int32()),
                Column("region", TEXT),
                Column("source", TEXT),
                Column("source_url", TEXT),
                Column("note", TEXT, required=False),
            ),
            required=False,
        ),
    )
}


def get_source(name: str) -> SourceSpec:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(SOURCES)
        raise KeyError(f"unknown source '{name}' (known: {known})") from None
