"""Which published figures moved between two versions, which need review, and why they moved.

A change is flagged (it needs a decision before readers see it, see metiers.publish.release)
when the value moves by more than the `[changes]` threshold, from or to zero, is newly
withheld or newly published, or when the figure's source, match level or period changes.
Each change also gets its cause, for the release notes: new data (a newer period), a revision
of its source (same period, the source's files changed), a source switch, or a rule change
(same period and files: the rules or the code changed).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from metiers.methodology.figures import INDICATORS

DEFAULT_THRESHOLD = 0.20
LANGUAGES = ("fr", "nl", "en")


def _columns(connection: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        row[0]
        for row in connection.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND table_name = ?",
            [table],
        ).fetchall()
    }


def figures_long(connection: duckdb.DuckDBPyConnection, lang: str = "fr") -> pl.DataFrame:
    """One row per métier and indicator: the published value (metier_figure_lineage, the long
    form metier_figures is pivoted from), its source, period and match level, a digest of the
    source files it was computed from, and the card string in `lang` that shows it."""
    indicators = {item.name: item.card_column for item in INDICATORS}
    lineage = _columns(connection, "metier_figure_lineage")
    # A file published before a column existed has none: its values are null.
    optional = {
        name: name if name in lineage else f"NULL::VARCHAR AS {name}"
        for name in ("source_id", "period", "match_level", "source_files", "figure")
    }
    values = connection.sql(
        f"SELECT slug, indicator, value, {optional['figure']}, {optional['source_id']}, "
        f"{optional['period']}, {optional['match_level']}, {optional['source_files']} "
        "FROM metier_figure_lineage WHERE list_contains($indicators, indicator)",
        params={"indicators": list(indicators)},
    ).pl()
    digests = connection.sql("SELECT path, sha256 FROM meta_sources").pl()
    files = (
        values.select("slug", "indicator", "source_files")
        .with_columns(pl.col("source_files").str.split(", ").alias("path"))
        .explode("path")
        .join(digests, on="path", how="inner")
        .group_by("slug", "indicator")
        .agg(pl.col("sha256").sort().str.join(",").alias("source_digest"))
    )
    present = _columns(connection, "metier_cards")
    card_columns = sorted(set(indicators.values()) & present)
    cards = connection.sql(
        f"SELECT slug, {', '.join(card_columns)} FROM metier_cards WHERE lang = ?", params=[lang]
    ).pl()
    strings = cards.unpivot(index="slug", variable_name="card_line", value_name="display")
    lines = pl.DataFrame({"indicator": list(indicators), "card_line": list(indicators.values())})
    return (
        values.with_columns(pl.col("value").cast(pl.Float64))
        .join(files, on=["slug", "indicator"], how="left")
        .join(lines, on="indicator")
        .join(strings, on=["slug", "card_line"], how="left")
        .drop("card_line", "source_files")
        .with_columns(pl.col("figure").fill_null(pl.col("indicator")))
    )


def _differs(old: pl.Expr, new: pl.Expr) -> pl.Expr:
    """True when two values differ, null counting as a value."""
    return (old != new).fill_null(old.is_null() != new.is_null())


def compare(old: pl.DataFrame, new: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Rows that changed (value, display, source, period or match level), with the reason
    when a change needs review and the cause of the change."""
    joined = old.join(new, on=["slug", "indicator"], how="full", suffix="_new", coalesce=True)
    old_value, new_value = pl.col("value"), pl.col("value_new")
    both = old_value.is_not_null() & new_value.is_not_null()
    relative = (
        pl.when(both & (old_value != 0))
        .then((new_value - old_value) / old_value.abs())
        .otherwise(None)
    )
    source_switch = both & _differs(pl.col("source_id"), pl.col("source_id_new"))
    period_change = both & _differs(pl.col("period"), pl.col("period_new"))
    level_change = both & _differs(pl.col("match_level"), pl.col("match_level_new"))
    reason = (
        pl.when(old_value.is_not_null() & new_value.is_null())
        .then(pl.lit("newly withheld"))
        .when(old_value.is_null() & new_value.is_not_null())
        .then(pl.lit("newly published"))
        .when((old_value == 0) & (new_value != 0))
        .then(pl.lit("changed from zero"))
        .when(relative.abs() > threshold)
        .then(pl.lit(f"changed by more than {threshold:.0%}"))
        .when(source_switch)
        .then(pl.lit("source switch"))
        .when(level_change)
        .then(pl.lit("match level change"))
        .when(period_change)
        .then(pl.lit("period change"))
        .otherwise(None)
    )
    cause = (
        pl.when(source_switch)
        .then(pl.lit("source_switch"))
        .when(_differs(pl.col("period"), pl.col("period_new")))
        .then(pl.lit("new_data"))
        .when(_differs(pl.col("source_digest"), pl.col("source_digest_new")))
        .then(pl.lit("source_revision"))
        .otherwise(pl.lit("rule_change"))
    )
    display_changed = _differs(pl.col("display"), pl.col("display_new"))
    changed = (
        _differs(old_value, new_value)
        | display_changed
        | source_switch
        | period_change
        | level_change
    )
    return (
        joined.filter(changed)
        .select(
            "slug",
            "indicator",
            pl.coalesce("figure", "figure_new").alias("figure"),
            old_value.alias("old_value"),
            new_value.alias("new_value"),
            relative.alias("relative_change"),
            pl.col("display").alias("old_display"),
            pl.col("display_new").alias("new_display"),
            display_changed.alias("display_changed"),
            reason.is_not_null().alias("flagged"),
            reason.alias("reason"),
            pl.col("source_id").alias("old_source_id"),
            pl.col("source_id_new").alias("new_source_id"),
            pl.col("period").alias("old_period"),
            pl.col("period_new").alias("new_period"),
            pl.col("match_level").alias("old_match_level"),
            pl.col("match_level_new").alias("new_match_level"),
            cause.alias("cause"),
        )
        .sort("slug", "indicator")
    )


def published_figures(path: Path, lang: str = "fr") -> tuple[str | None, pl.DataFrame] | None:
    """Version and figures of a published file; None when there is none or it is unreadable."""
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            # fetchall: DuckDB 2.0 refuses new work on a connection with an unfinished result.
            version = connection.execute("SELECT max(version) FROM meta_publication").fetchall()
            return version[0][0], figures_long(connection, lang)
    except duckdb.Error:
        return None


def record_changes(connection: duckdb.DuckDBPyConnection, previous: Path, threshold: float) -> int:
    """(Re)fill figure_changes of the file about to be a candidate or released, against the
    version readers see (`previous`); returns the number of flagged rows."""
    connection.execute("DELETE FROM figure_changes")
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


def changes_since(current: Path, earlier: Path, threshold: float, lang: str = "fr") -> pl.DataFrame:
    """Changes between any two files (a version from history, the released one, a candidate)."""
    before, after = published_figures(earlier, lang), published_figures(current, lang)
    if before is None or after is None:
        raise FileNotFoundError(f"cannot read {earlier if before is None else current}")
    return compare(before[1], after[1], threshold).with_columns(
        pl.lit(before[0]).alias("previous_version")
    )


def changes_in_languages(current: Path, earlier: Path, threshold: float) -> pl.DataFrame:
    """The changes from `earlier` to `current`, with old and new display strings in every
    language (`old_display_fr`, `new_display_nl`, ...): what the review shows."""
    merged = None
    for lang in LANGUAGES:
        rows = changes_since(current, earlier, threshold, lang)
        if merged is None:
            merged = rows.drop("old_display", "new_display")
        strings = rows.select(
            "slug",
            "indicator",
            pl.col("old_display").alias(f"old_display_{lang}"),
            pl.col("new_display").alias(f"new_display_{lang}"),
        )
        merged = merged.join(strings, on=["slug", "indicator"], how="left")
    assert merged is not None
    return merged
