"""The refresh as plain function calls: what the Prefect flow orchestrates, stage by stage.

`flows/refresh.py` runs the same stages as Prefect tasks; this module gives them to tests and
to anyone who wants a refresh without a Prefect server.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

from metiers.build import build_marts, remove_stale_builds
from metiers.config import Settings
from metiers.errors import DataRejected
from metiers.ingest import discover
from metiers.publish import Publication, publish, refresh_lock
from metiers.quarantine import FileIntake, Intake, decide, take_in
from metiers.validate import ValidationOutcome, rejections, validate_marts


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def raw_files(settings: Settings) -> list[tuple[str, Path]]:
    return [(source, path) for source, paths in discover(settings).items() for path in paths]


def take_in_one(item: tuple[str, Path], settings: Settings) -> FileIntake:
    source, path = item
    return take_in(source, path, settings)


def require_valid(outcomes: list[ValidationOutcome], stage: str) -> None:
    problems = rejections(outcomes)
    if problems:
        raise DataRejected(problems, stage=stage)


def check_marts(build_path: Path, settings: Settings) -> list[ValidationOutcome]:
    """Validate the build file; a failing mart removes it, so nothing half-checked remains."""
    outcomes = validate_marts(build_path, settings.min_records)
    try:
        require_valid(outcomes, stage="mart validation")
    except DataRejected:
        build_path.unlink(missing_ok=True)
        raise
    return outcomes


def intake_all(settings: Settings, run_id: str) -> Intake:
    """Stage and validate every raw file, then quarantine and decide."""
    files = [take_in_one(item, settings) for item in raw_files(settings)]
    return decide(files, settings, run_id)


def run_refresh(settings: Settings) -> Publication:
    """Ingest -> validate -> build -> validate marts -> publish, without Prefect."""
    with refresh_lock(settings.marts_dir):
        remove_stale_builds(settings.marts_dir)
        run_id = new_run_id()
        intake = intake_all(settings, run_id)
        build_path = build_marts(intake, settings, run_id)
        mart_outcomes = check_marts(build_path, settings)
        return publish(build_path, intake, mart_outcomes, settings, run_id)
