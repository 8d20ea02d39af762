"""`metiers status`: what is released, what waits for a release decision, how the last run
went, and which sources are stale."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from metiers.core.config import Settings
from metiers.ingest.freshness import source_freshness
from metiers.publish.release import OPEN, read_candidate
from metiers.publish.runs import read_runs


def _candidate(settings: Settings) -> dict[str, Any] | None:
    """The candidate waiting for a release decision (or scheduled), if any."""
    candidate = read_candidate(settings)
    if candidate is None or candidate.status not in OPEN:
        return None
    return {
        "version": candidate.version,
        "status": candidate.status,
        "flagged_changes": candidate.flagged_changes,
        "created_at": candidate.created_at,
        "release_at": candidate.release_at,
    }


def _publication(settings: Settings, now: datetime) -> dict[str, Any] | None:
    if not settings.published_path.exists():
        return None
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as connection:
            rows = connection.sql(
                "SELECT version, published_at, reference_year FROM meta_publication"
            ).fetchall()
    except duckdb.Error as error:
        return {"version": None, "published_at": None, "age_days": 0.0, "error": str(error)}
    if not rows:
        return None
    version, published_at, reference_year = rows[0]
    return {
        "version": version,
        "published_at": published_at.isoformat(),
        "age_days": round((now - published_at).total_seconds() / 86400, 2),
        "reference_year": reference_year,
    }


def status_report(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """The publication, the last run and every source's freshness, as of `now`."""
    now = now or datetime.now(UTC)
    sources = [row.as_row() for row in source_freshness(settings, now)]
    recorded = read_runs(settings)
    return {
        "checked_at": now.isoformat(),
        "publication": _publication(settings, now),
        "candidate": _candidate(settings),
        # The last refresh: release decisions are in the log too (mode "release").
        "last_run": next((run for run in reversed(recorded) if run["mode"] != "release"), None),
        # Lines of runs.jsonl that were not a run record (torn, edited, stray bytes).
        "skipped_run_lines": recorded.skipped,
        "sources": sources,
        "stale_sources": [row["source_id"] for row in sources if row["stale"]],
    }
