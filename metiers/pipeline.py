"""The refresh as plain function calls: what the Prefect flow orchestrates, stage by stage.

`flows/refresh.py` runs the same stages as Prefect tasks; this module gives them to tests and
to anyone who wants a refresh without a Prefect server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from metiers.build import build_marts, remove_stale_builds, remove_stale_partials
from metiers.config import Settings
from metiers.errors import DataRejected
from metiers.ingest import discover
from metiers.publish import Publication, publish, refresh_lock
from metiers.quarantine import FileIntake, decide, take_in, write_report
from metiers.report import write_html_report
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
    """Validate the build file with the mart suites."""
    return validate_marts(build_path, settings.min_records)


def accept_marts(outcomes: list[ValidationOutcome], build_path: Path) -> None:
    """Refuse a build whose marts failed; it is removed, so nothing half-checked remains."""
    try:
        require_valid(outcomes, stage="mart validation")
    except DataRejected:
        build_path.unlink(missing_ok=True)
        raise


def run_refresh(settings: Settings) -> Publication:
    """Ingest -> validate -> build -> validate marts -> publish, without Prefect. The run's
    validation report is written whether it publishes or not."""
    with refresh_lock(settings.marts_dir):
        remove_stale_builds(settings.marts_dir)
        remove_stale_partials(settings.staging_dir)
        run_id = new_run_id()
        files = [take_in_one(item, settings) for item in raw_files(settings)]
        mart_outcomes: list[ValidationOutcome] = []
        try:
            intake = decide(files, settings, run_id)
            build_path = build_marts(intake, settings, run_id)
            mart_outcomes = check_marts(build_path, settings)
            accept_marts(mart_outcomes, build_path)
            return publish(build_path, intake, mart_outcomes, settings, run_id)
        finally:
            write_html_report(files, mart_outcomes, settings, run_id)


@dataclass
class ValidationReport:
    files: list[FileIntake]
    html: str | None = None


def validate_only(settings: Settings) -> ValidationReport:
    """Intake without build or publication: every file staged, validated and, when rejected,
    quarantined with its report."""
    run_id = new_run_id()
    files = [take_in_one(item, settings) for item in raw_files(settings)]
    for item in files:
        if not item.accepted:
            item.report = str(write_report(item, settings, run_id))
    html = write_html_report(files, [], settings, run_id)
    return ValidationReport(files=files, html=str(html))
