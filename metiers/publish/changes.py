"""Which published figures moved between two publications, and which need review."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from metiers.methodology.figures import INDICATORS

DEFAULT_THRESHOLD = 0.20


def figures_long(connection: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per métier and indicator: the published value (metier_figure_lineage, the long
    form metier_figures is pivoted from) and the French card string that shows it."""
    indicators = {item.name: item.card_column for item in INDICATORS}
    values = connection.sql(
        "SELECT slug, indicator, value FROM metier_figure_lineage "
        "WHERE list_contains($indicators, indicator)",
        params={"indicators": list(indicators)},
    ).pl()
    # A file published before a figure was added has no string for it: its display is null.
    present = {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND table_name = 'metier_cards'"
        ).fetchall()
    }
    card_columns = sorted(set(indicators.values()) & present)
    cards = connection.sql(
        f"SELECT slug, {', '.join(card_columns)} FROM metier_cards WHERE lang = 'fr'"
    ).pl()
    strings = cards.unpivot(index="slug", variable_name="card_line", value_name="display")
    lines = pl.DataFrame({"indicator": list(indicators), "card_line": list(indicators.values())})
    return (
        values.with_columns(pl.col("value").cast(pl.Float64))
        .join(lines, on="indicator")
        .join(strings, on=["slug", "card_line"], how="left")
        .drop("card_line")
    )


def compare(old: pl.DataFrame, new: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Rows that changed, with the reason when a change needs review."""
    joined = old.join(new, on=["slug", "indicator"], how="full", suffix="_new", coalesce=True)
    old_value, new_value = pl.col("value"), pl.col("value_new")
    relative = (
        pl.when(old_value.is_not_null() & new_value.is_not_null() & (old_value != 0))
        .then((new_value - old_value) / old_value.abs())
        .otherwise(None)
    )
    reason = (
        pl.when(old_value.is_not_null() & new_value.is_null())
        .then(pl.lit("newly withheld"))
        .when(old_value.is_null() & new_value.is_not_null())
        .then(pl.lit("newly published"))
        .when((old_value == 0) & (new_value != 0))
        .then(pl.lit("changed from zero"))
        .when(relative.abs() > threshold)
        .then(pl.lit(f"changed by more than {threshold:.0%}"))
        .otherwise(None)
    )
    changed = (old_value != new_value).fill_null(old_value.is_null() != new_value.is_null()) | (
        pl.col("display") != pl.col("display_new")
    ).fill_null(pl.col("display").is_null() != pl.col("display_new").is_null())
    return (
        joined.filter(changed)
        .select(
            "slug",
            "indicator",
            old_value.alias("old_value"),
            new_value.alias("new_value"),
            relative.alias("relative_change"),
            pl.col("display").alias("old_display"),
            pl.col("display_new").alias("new_display"),
            (pl.col("display") != pl.col("display_new"))
            .fill_null(pl.col("display").is_null() != pl.col("display_new").is_null())
            .alias("display_changed"),
            reason.is_not_null().alias("flagged"),
            reason.alias("reason"),
        )
        .sort("slug", "indicator")
    )


def published_figures(path: Path) -> tuple[str | None, pl.DataFrame] | None:
    """Version and figures of a published file; None when there is none or it is unreadable."""
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            # fetchall: DuckDB 2.0 refuses new work on a connection with an unfinished result.
            version = connection.execute("SELECT max(version) FROM meta_publication").fetchall()
            return version[0][0], figures_long(connection)
    except duckdb.Error:
        return None


def record_changes(connection: duckdb.DuckDBPyConnection, previous: Path, threshold: float) -> int:
    """Fill figure_changes of the file being published; returns the number of flagged rows."""
    before = published_figures(previous)
    if before is None:
        return 0
    version, old = before
    changes = compare(old, figures_long(connection), threshold).with_columns(
        pl.lit(version).alias("previous_version")
    )
    frame = changes.to_arrow()  # noqa: F841 - read by DuckDB by name
    connection.execute("INSERT INTO figure_changes BY NAME SELECT * FROM frame")
    return int(changes["flagged"].sum())


def changes_since(current: Path, earlier: Path, threshold: float) -> pl.DataFrame:
    """Changes between any two published files (e.g. a version from history and now)."""
    before, after = published_figures(earlier), published_figures(current)
    if before is None or after is None:
        raise FileNotFoundError(f"cannot read {earlier if before is None else current}")
    return compare(before[1], after[1], threshold).with_columns(
        pl.lit(before[0]).alias("previous_version")
    )
