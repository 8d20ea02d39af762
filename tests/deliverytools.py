"""Helpers for the content-delivery tests: a private copy of the published sample mart, and
new versions of it published the way a refresh publishes (metiers.publish.swap_in)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl

from metiers.config import Settings
from metiers.publish import swap_in

SEED_SLUG = "directeur-directrice-de-postproduction"
RAW_REGISTER = Path(__file__).resolve().parents[1] / "data" / "raw" / "register"


def copy_published(source: Settings, root: Path) -> Settings:
    """A marts folder of our own holding a byte copy of `source`'s published file."""
    settings = Settings(marts_dir=root / "marts")
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source.published_path, settings.published_path)
    return settings


def publish_variant(settings: Settings, version: str, headcount_display: str) -> None:
    """Publish a changed copy of the current file under another version: a new file swapped
    in atomically, as a refresh does."""
    staged = settings.marts_dir / f".build-{version}.duckdb"
    shutil.copy2(settings.published_path, staged)
    with duckdb.connect(str(staged)) as connection:
        connection.execute(
            "UPDATE meta_publication SET version = ?, published_at = ?",
            [version, datetime.now(UTC) + timedelta(seconds=5)],
        )
        connection.execute(
            "UPDATE metier_cards SET headcount = ? WHERE slug = ?", [headcount_display, SEED_SLUG]
        )
        connection.execute("CHECKPOINT")
    swap_in(staged, settings)


def raw_headcounts(esco_code: str) -> dict[int, int]:
    """Register records per year for an occupation code, read from the raw files with polars
    (a second way to the trend, independent of the SQL models)."""
    counts = {}
    for path in sorted(RAW_REGISTER.iterdir()):
        if path.suffix == ".csv":
            frame = pl.read_csv(path, infer_schema_length=0)
        else:
            frame = pl.read_parquet(path).with_columns(pl.all().cast(pl.String))
        codes = frame["occupation_code"]
        mine = frame.filter((codes == esco_code) | codes.str.starts_with(esco_code + "."))
        counts[int(mine["year"][0])] = mine.height
    return counts
