"""The refresh as plain function calls: what the Prefect flow orchestrates, stage by stage.

`flows/refresh.py` runs the same stages as Prefect tasks; this module gives them to tests and
to anyone who wants a refresh without a Prefect server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from metiers.build import build_marts, remove_stale_builds
from metiers.config import Settings
from metiers.errors import DataRejected
from metiers.ingest import discover, ingest_file, relative_raw_path
from metiers.publish import Publication, publish, refresh_lock
from metiers.sources import StagedFile
from metiers.validate import ValidationOutcome, rejections, validate_marts, validate_staged_file

Item = TypeVar("Item")
Result = TypeVar("Result")


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def all_or_rejected(
    work: Callable[[Item], Result], items: Iterable[Item], stage: str
) -> list[Result]:
    """Run `work` on every item and report every rejected one together, not just the first."""
    results, problems = [], []
    for item in items:
        try:
            results.append(work(item))
        except DataRejected as rejected:
            problems += rejected.problems
    if problems:
        raise DataRejected(problems, stage=stage)
    return results


def raw_files(settings: Settings) -> list[tuple[str, Path]]:
    return [(source, path) for source, paths in discover(settings).items() for path in paths]


def stage_one(item: tuple[str, Path], settings: Settings) -> StagedFile:
    source, path = item
    return ingest_file(source, path, settings)


def validate_one(staged: StagedFile, settings: Settings) -> ValidationOutcome:
    return validate_staged_file(
        staged,
        settings.registry[staged.source],
        settings.validation_batch_rows,
        target=relative_raw_path(staged.raw_path, settings),
    )


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


def run_refresh(settings: Settings) -> Publication:
    """Ingest -> validate -> build -> validate marts -> publish, without Prefect."""
    with refresh_lock(settings.marts_dir):
        remove_stale_builds(settings.marts_dir)
        staged = all_or_rejected(
            lambda item: stage_one(item, settings), raw_files(settings), "ingest"
        )
        outcomes = [validate_one(item, settings) for item in staged]
        require_valid(outcomes, stage="validation")
        build_path = build_marts(staged, outcomes, settings, new_run_id())
        mart_outcomes = check_marts(build_path, settings)
        return publish(build_path, staged, mart_outcomes, settings)
