"""The validation report of a run: Great Expectations Data Docs (HTML) under
MARTS_DIR/validation/<run_id>/, built from the results the run already has (nothing is
validated twice). Files rejected before validation (unreadable, unsafe) are in their
quarantine reports instead."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from metiers.config import Settings
from metiers.timing import timed_stage

KEEP_REPORTS = 10


@timed_stage("report")
def write_html_report(
    files: list[Any], mart_outcomes: list[Any], settings: Settings, run_id: str
) -> Path | None:
    """Data Docs of every GX result of the run; returns the index page, or None without any."""
    outcomes = [item.validation for item in files if getattr(item, "validation", None)]
    outcomes += list(mart_outcomes)
    results = [
        (outcome, number, result)
        for outcome in outcomes
        for number, result in enumerate(outcome.gx_results, start=1)
    ]
    if not results:
        return None
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    root = settings.validation_dir / run_id
    context = gx.get_context(mode="file", project_root_dir=str(root))
    for outcome, number, result in results:
        batch = outcome.target if len(outcome.gx_results) == 1 else f"{outcome.target}#{number}"
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=outcome.suite),
            run_id=RunIdentifier(run_name=run_id),
            batch_identifier=batch.replace("/", "__"),
        )
        context.validation_results_store.set(key, result)
    context.build_data_docs()
    _prune(settings.validation_dir)
    index = root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return index if index.exists() else None


def _prune(folder: Path) -> None:
    """Keep the reports of the last runs only (run ids start with their UTC time)."""
    runs = sorted(path for path in folder.iterdir() if path.is_dir())
    for old in runs[: max(0, len(runs) - KEEP_REPORTS)]:
        shutil.rmtree(old, ignore_errors=True)
