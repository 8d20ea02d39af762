"""Helpers for the content-delivery tests: a private copy of the published sample mart, and
new versions of it published the way a refresh publishes (metiers.publish.publication.swap_in)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl

from metiers.core.config import Settings
from metiers.publish.publication import swap_in

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


class CardReader(HTMLParser):
    """What a reader sees on the card page: the language, each box figure's value and label,
    the salary lines, the footnotes, and the external resources it would load (none)."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.figures: dict[str, dict[str, str]] = {}
        self.lines: dict[str, str] = {}
        self.footnotes: list[str] = []
        self.links: list[str] = []
        self.external: list[str] = []
        self._stack: list[tuple[str, str | None, str | None]] = []
        self._figure: str | None = None
        self._line: str | None = None
        self._in_footnote = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        for name in ("src", "href"):
            target = values.get(name)
            if target and not target.startswith("#"):
                self.external.append(f"{tag} {name}={target}")
            if name == "href" and target:
                self.links.append(target)
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.external.append(tag)
        if "data-figure" in values:
            self._figure = values["data-figure"]
            self.figures[self._figure] = {"value": "", "label": ""}
        if "data-line" in values:
            self._line = values["data-line"]
            self.lines[self._line] = ""
        if tag == "li" and (values.get("id") or "").startswith("note-"):
            self._in_footnote = True
            self.footnotes.append("")
        self._stack.append((tag, values.get("class"), values.get("data-figure")))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            opened, _, figure = self._stack.pop()
            if figure:
                self._figure = None
            if opened == tag:
                break
        if tag in ("li", "p"):
            self._line = None
            self._in_footnote = False

    def handle_data(self, data: str) -> None:
        inside_sup = any(tag == "sup" for tag, _, _ in self._stack)
        if self._figure and not inside_sup:
            classes = {cls for _, cls, _ in self._stack if cls}
            part = "label" if "label" in classes else "value" if "value" in classes else None
            if part:
                self.figures[self._figure][part] += data
        if self._line and not inside_sup:
            self.lines[self._line] += data
        if self._in_footnote:
            self.footnotes[-1] += data


def read_card(html: str) -> CardReader:
    reader = CardReader()
    reader.feed(html)
    return reader
