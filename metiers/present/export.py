"""What the content team pulls out of the published mart: JSON per métier, one CSV of the
cards, Parquet of every table; text made safe for spreadsheets."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import duckdb
import polars as pl

from metiers.core.errors import UsageError
from metiers.methodology.display import LANGUAGES
from metiers.methodology.figures import csv_value_columns
from metiers.present import mart

# What a spreadsheet runs as a formula (OWASP, CSV injection): a cell starting with = + - @,
# also after leading blanks (' =1+1'), or starting with a tab or a carriage return.
FORMULA = re.compile(r"[\t\r]|[ \t\r\n]*[=+\-@]")
# A plain signed number (' -2', '+3.5') is data a spreadsheet reads as a number: left as is.
PLAIN_NUMBER = re.compile(r" *[+-]?[0-9]+(?:[.,][0-9]+)? *")


def csv_safe(text: str | None) -> str | None:
    """A cell a spreadsheet will show as text, never run as a formula ('+5%' -> "'+5%",
    ' =1+1' -> "' =1+1"); plain numbers written as text stay as they are."""
    if text and FORMULA.match(text) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` made safe with `csv_safe`; number columns untouched."""
    return frame.with_columns(pl.col(pl.String).map_elements(csv_safe, return_dtype=pl.String))


# Slugs become file names: only what a URL path segment would hold.
SAFE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
# Numbers from metier_figures carried beside the display strings in the cards CSV: every
# indicator of the figure registry, and the units that vary by métier.
CSV_VALUES = csv_value_columns()


@contextmanager
def _written(path: Path, binary: bool = False) -> Iterator[IO]:
    """Write beside the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") if binary else partial.open("w", encoding="utf-8") as handle:
        yield handle
    os.replace(partial, path)


def _slug_file(slug: str) -> str:
    if not SAFE_SLUG.fullmatch(slug):
        raise UsageError(
            f"metier_figures.slug '{slug}' cannot be a file name: slugs must match "
            f"{SAFE_SLUG.pattern}"
        )
    return f"{slug}.json"


def export_json(connection: duckdb.DuckDBPyConnection, out_dir: Path) -> list[Path]:
    """metiers/<slug>.json (the card in every language) and index.json (version, métiers)."""
    published = mart.publication(connection)
    version = published.get("version")
    index_rows = []
    written = []
    for row in mart.list_metiers(connection, "fr"):
        slug = row["slug"]
        name = _slug_file(slug)
        documents = {lang: mart.card_document(connection, slug, lang) for lang in LANGUAGES}
        document = {
            "slug": slug,
            "version": version,
            "esco_code": row["esco_code"],
            "cards": documents,
        }
        target = out_dir / "metiers" / name
        with _written(target) as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2, default=str)
        written.append(target)
        index_rows.append(
            {
                "slug": slug,
                "file": f"metiers/{name}",
                "titles": {lang: documents[lang]["title"] for lang in LANGUAGES},
            }
        )
    index = {
        "version": version,
        "published_at": mart._isoformat(published.get("published_at")),
        "reference_year": published.get("reference_year"),
        "count": len(index_rows),
        "metiers": index_rows,
    }
    target = out_dir / "index.json"
    with _written(target) as handle:
        json.dump(index, handle, ensure_ascii=False, indent=2, default=str)
    return [target, *written]


def cards_frame(connection: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every card (métier × language): display strings, the numbers behind them, the version."""
    values = ", ".join(f"figures.{column} AS value_{column}" for column in CSV_VALUES)
    return connection.sql(
        f"""
        SELECT
            publication.version,
            cards.* EXCLUDE (reference_year),
            cards.reference_year,
            {values}
        FROM metier_cards AS cards
        INNER JOIN metier_figures AS figures USING (slug)
        CROSS JOIN (SELECT version FROM meta_publication) AS publication
        ORDER BY cards.slug, array_position(['fr', 'nl', 'en'], cards.lang)
        """
    ).pl()


def export_csv(
    connection: duckdb.DuckDBPyConnection, out_dir: Path, separator: str = ","
) -> list[Path]:
    """cards.csv: UTF-8 with a BOM so spreadsheets read the accents. With `;` numbers get a
    decimal comma, as spreadsheets set to Belgian (French or Dutch) locales expect."""
    if separator not in (",", ";"):
        raise UsageError(f"CSV separator must be ',' or ';', not {separator!r}")
    frame = csv_safe_frame(cards_frame(connection))
    target = out_dir / "cards.csv"
    with _written(target, binary=True) as handle:
        frame.write_csv(
            handle, include_bom=True, separator=separator, decimal_comma=separator == ";"
        )
    return [target]


def mart_tables(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the published file."""
    rows = connection.sql(
        """
        SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
        UNION
        SELECT view_name FROM duckdb_views()
        WHERE database_name = current_database() AND NOT internal
        ORDER BY 1
        """
    ).fetchall()
    return [row[0] for row in rows]


def export_parquet(connection: duckdb.DuckDBPyConnection, out_dir: Path) -> list[Path]:
    """One Parquet file per mart table, named like the table."""
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in mart_tables(connection):
        target = out_dir / f"{table}.parquet"
        partial = out_dir / f".{table}.parquet.partial"
        quoted = '"' + table.replace('"', '""') + '"'
        path = str(partial).replace("'", "''")
        connection.execute(f"COPY (SELECT * FROM {quoted}) TO '{path}' (FORMAT parquet)")
        os.replace(partial, target)
        written.append(target)
    return written


def export(
    marts_dir: Path, out_dir: Path, fmt: str, separator: str = ",", candidate: bool = False
) -> list[Path]:
    """Read the released file (or the candidate), read-only, and write the chosen export
    under `out_dir`."""
    with mart.connect_published(marts_dir, candidate=candidate) as connection:
        if fmt == "json":
            return export_json(connection, out_dir)
        if fmt == "csv":
            return export_csv(connection, out_dir, separator)
        if fmt == "parquet":
            return export_parquet(connection, out_dir)
    raise UsageError(f"unknown export format '{fmt}': use json, csv or parquet")
