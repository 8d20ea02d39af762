"""The validation report of a run: Great Expectations Data Docs (HTML) under
MARTS_DIR/validation/<run_id>/, built from the results the run already has (nothing is
validated twice). Files rejected before validation (unreadable, unsafe) are in their
quarantine reports instead.

The report shows the data's own bad values, and operators open it in a browser: GX 1.x
writes the cells of its "unexpected values" tables into the HTML as they are (its `.j2`
templates are not autoescaped; only template parameters are escaped). Every value taken
from the data is therefore HTML-escaped in a copy of the results before GX sees it, so
`<img src=x onerror=...>` in a register cell is shown as text, never run.
"""

from __future__ import annotations

import copy
import html
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from metiers.core.config import Settings
from metiers.core.timing import timed_stage
from metiers.validate.sql_rules import gx_result_object

log = logging.getLogger(__name__)
KEEP_REPORTS = 10
# Characters of a raw file name that mean something in HTML: kept out of page names.
MARKUP_CHARACTERS = re.compile(r"[<>&\"'`]")


def escaped(value: Any) -> Any:
    """`value` with every text in it (dict keys included) HTML-escaped."""
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        return {escaped(key): escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [escaped(item) for item in value]
    return value


def neutralised(suite_result: Any) -> Any:
    """A copy of a GX suite result whose values from the data (observed and unexpected
    values, exception texts) are HTML-escaped; the expectations themselves are ours."""
    safe = copy.deepcopy(suite_result)
    for item in safe.results:
        item.result = escaped(item.result or {})
        item.exception_info = escaped(item.exception_info or {})
    return safe


def batch_name(target: str) -> str:
    """The page name of a validated file: its path without `/` or markup characters."""
    return MARKUP_CHARACTERS.sub("_", target.replace("/", "__"))


def report_wanted(files: list[Any], mart_outcomes: list[Any], settings: Settings) -> bool:
    """A refresh writes Data Docs when asked, or when a file or a mart failed a rule."""
    outcomes = [item.validation for item in files if getattr(item, "validation", None)]
    return settings.data_docs or any(not outcome.success for outcome in outcomes + mart_outcomes)


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
    for outcome, number, document in results:
        try:
            result = gx_result_object(document) if isinstance(document, dict) else document
        except Exception as error:  # GX's schema refuses a malformed result in many ways
            log.warning("validation report: result of %s skipped (%s)", outcome.target, error)
            continue
        batch = outcome.target if len(outcome.gx_results) == 1 else f"{outcome.target}#{number}"
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=outcome.suite),
            run_id=RunIdentifier(run_name=run_id),
            batch_identifier=batch_name(batch),
        )
        context.validation_results_store.set(key, neutralised(result))
    context.build_data_docs()
    _prune(settings.validation_dir)
    index = root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return index if index.exists() else None


def write_report_or_warn(
    files: list[Any], mart_outcomes: list[Any], settings: Settings, run_id: str
) -> Path | None:
    """The report of a run that has already decided (published, or rejected with its
    message): a report that cannot be written is a warning, never the run's outcome."""
    try:
        return write_html_report(files, mart_outcomes, settings, run_id)
    except Exception as error:
        log.warning("validation report not written: %s: %s", type(error).__name__, error)
        return None


def _prune(folder: Path) -> None:
    """Keep the reports of the last runs only (run ids start with their UTC time)."""
    runs = sorted(path for path in folder.iterdir() if path.is_dir())
    for old in runs[: max(0, len(runs) - KEEP_REPORTS)]:
        shutil.rmtree(old, ignore_errors=True)
