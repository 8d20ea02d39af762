"""Freshness: is each source delivered as often as it declares (`cadence_days`)?

A source's age is the time since its newest raw file last changed (its modification time):
the last delivery. A source older than its cadence is stale; figures it feeds say so in
their lineage, and `metiers status` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from metiers.core.config import Settings
from metiers.ingest.raw_files import relative_raw_path


@dataclass(frozen=True)
class SourceFreshness:
    source_id: str
    cadence_days: int | None
    files: int
    newest_file: str | None
    last_modified_at: datetime | None
    age_days: float | None
    stale: bool

    def as_row(self) -> dict:
        return {
            "source_id": self.source_id,
            "cadence_days": self.cadence_days,
            "files": self.files,
            "newest_file": self.newest_file,
            "last_modified_at": self.last_modified_at,
            "age_days": self.age_days,
            "stale": self.stale,
        }


def source_freshness(settings: Settings, now: datetime | None = None) -> list[SourceFreshness]:
    """Age and staleness of every declared source, from the raw folder as it is now."""
    now = now or datetime.now(UTC)
    rows = []
    for name, spec in settings.registry.items():
        files: list[Path] = spec.files(settings.raw_dir) if settings.raw_dir.is_dir() else []
        dated = []
        for path in files:
            try:
                dated.append((path.lstat().st_mtime, path))
            except OSError:  # gone since it was listed (a delivery being replaced)
                continue
        if dated:
            mtime, newest = max(dated)
            modified = datetime.fromtimestamp(mtime, UTC)
            age = round((now - modified).total_seconds() / 86400, 2)
        else:
            newest, modified, age = None, None, None
        stale = bool(spec.cadence_days is not None and (age is None or age > spec.cadence_days))
        rows.append(
            SourceFreshness(
                source_id=name,
                cadence_days=spec.cadence_days,
                files=len(files),
                newest_file=relative_raw_path(newest, settings) if newest else None,
                last_modified_at=modified,
                age_days=age,
                stale=stale and bool(files or spec.required),
            )
        )
    return rows
