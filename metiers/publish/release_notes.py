"""Release notes in French, Dutch and English: what a release changes for readers, and why.

One heading (version and date), the decision's reason when it has one, then one line per
flagged change of figure_changes, exactly those, with the old and new display strings of
each language and the change's cause (new data, revision of the source, source switch, rule
change, rollback). Written into the released file (meta_release_notes) so that
`metiers notes` and analysts read the notes of any release, history included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from metiers.methodology import display
from metiers.methodology.figures import FIGURE_OF
from metiers.publish.changes import LANGUAGES, compare, figures_long, published_figures

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True)
class Announcement:
    """What the notes say of the release itself."""

    version: str
    action: str  # released_automatically, approved, rolled_back
    reason: str | None
    decided_at: datetime


def flagged_changes(
    connection: duckdb.DuckDBPyConnection, previous: Path, threshold: float, lang: str
) -> pl.DataFrame:
    """The flagged changes of the open file against `previous`, with `lang`'s strings."""
    before = published_figures(previous, lang)
    if before is None:
        return pl.DataFrame()
    changes = compare(before[1], figures_long(connection, lang), threshold)
    return changes.filter(pl.col("flagged"))


def note_lines(
    decision: Announcement, changes: pl.DataFrame, titles: dict[str, str], lang: str
) -> list[dict]:
    """The notes of one language, line by line: heading lines first (no slug)."""
    day = decision.decided_at.astimezone(BRUSSELS).date()
    heading = [
        display.release_label(
            "notes_title", lang, version=decision.version, date=display.long_date(day, lang)
        )
    ]
    if decision.action == "rolled_back":
        heading.append(display.release_label("notes_rollback", lang, version=decision.version))
    if decision.reason:
        heading.append(display.release_label("notes_reason", lang, reason=decision.reason))
    count = changes.height
    heading.append(
        display.release_label("notes_count", lang, count=count)
        if count
        else display.release_label("notes_none", lang)
    )
    lines = [{"slug": None, "indicator": None, "cause": None, "text": text} for text in heading]
    withheld = display.release_label("withheld", lang)
    for row in changes.iter_rows(named=True) if count else []:
        cause = "rollback" if decision.action == "rolled_back" else row["cause"]
        period = row["new_period"] or row["old_period"]
        figure = FIGURE_OF[row["indicator"]]
        text = display.release_label(
            "notes_change",
            lang,
            title=titles.get(row["slug"], row["slug"]),
            figure=display.label(figure.card_line, lang),
            old=row["old_display"] or withheld,
            new=row["new_display"] or withheld,
            cause=display.release_label(f"cause_{cause}", lang),
            period=f", {period}" if period else "",
        )
        lines.append(
            {"slug": row["slug"], "indicator": row["indicator"], "cause": cause, "text": text}
        )
    return lines


def record(
    connection: duckdb.DuckDBPyConnection,
    previous: Path,
    decision: Announcement,
    threshold: float,
) -> None:
    """Fill meta_release_notes of the file being released, in every language: the flagged
    changes against `previous`, the version readers saw."""
    connection.execute("DELETE FROM meta_release_notes")
    rows = []
    for lang in LANGUAGES:
        titles = dict(
            connection.execute(
                "SELECT slug, title FROM metier_cards WHERE lang = ?", [lang]
            ).fetchall()
        )
        changes = flagged_changes(connection, previous, threshold, lang)
        for number, line in enumerate(note_lines(decision, changes, titles, lang), start=1):
            rows.append({"version": decision.version, "lang": lang, "line_number": number} | line)
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB by name
        rows,
        schema={
            "version": pl.String,
            "lang": pl.String,
            "line_number": pl.Int32,
            "slug": pl.String,
            "indicator": pl.String,
            "cause": pl.String,
            "text": pl.String,
        },
    ).to_arrow()
    connection.execute("INSERT INTO meta_release_notes BY NAME SELECT * FROM frame")
