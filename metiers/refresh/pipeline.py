"""The refresh, written once: its stages, their order, the lock and the run record.

`refresh_with` is the only sequence of the refresh. It hands each stage to a runner
(metiers/refresh/runner.py): `run_refresh` gives it the plain runner (`--no-prefect`, tests, anyone
without a Prefect server); the Prefect flow `refresh` (flows/refresh.py) gives it a runner that
makes each stage a task. Both modes thus run the same stage functions in the same order, with
the same retries, the same intake cache and the same run record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

from metiers.build.marts import (
    build_marts,
    remove_stale_builds,
    remove_stale_partials,
    source_warnings,
)
from metiers.core.config import Settings
from metiers.core.errors import DataRejected, MetiersError
from metiers.ingest.raw_files import discover, entry_reason, printable, relative_raw_path
from metiers.ingest.sources.base import sha256_of
from metiers.publish.publication import Publication, refresh_lock, unchanged_publication
from metiers.publish.release import publish, release_due, unchanged_candidate
from metiers.publish.runs import RunRecord, append_run
from metiers.refresh.runner import PlainRunner, StageRunner
from metiers.validate.intake import (
    FileIntake,
    Intake,
    cross_check,
    decide,
    take_in,
    write_report,
)
from metiers.validate.intake_cache import build_key, cached_intake, take_in_incremental
from metiers.validate.report import report_wanted, write_html_report, write_report_or_warn
from metiers.validate.suites import ValidationOutcome, rejections, validate_marts

WARNING_PARTS = itemgetter("source", "code", "message")


def check_registry(settings: Settings) -> None:
    """What the registry's own models cannot check, because it needs the figure registry
    (a layer above them): every indicator a source feeds is a figure's indicator, and an
    aggregate table maps a column to each one. Raised at start, before any file is read,
    naming the registry file, the source and the key (exit 2)."""
    from metiers.core.source_registry import RegistryError
    from metiers.methodology import units
    from metiers.methodology.figures import INDICATORS

    known = {indicator.name for indicator in INDICATORS}
    problems = []
    for name, spec in settings.registry.items():
        # the unit names (methodology/units.py, a layer above the registry's models)
        declared = [(f"units.{indicator}", unit) for indicator, unit in spec.units.items()]
        if spec.context is not None:
            declared += [
                (f"context.series '{series.indicator}' unit", series.unit)
                for series in spec.context.series
                if series.unit
            ]
        for key, unit in declared:
            try:
                units.conversion(unit)
            except units.UnknownUnit as error:
                problems.append(f"source '{name}', key '{key}': {error}")
        unknown = [feed for feed in spec.feeds if feed not in known]
        if unknown:
            problems.append(
                f"source '{name}', key 'feeds': {unknown} not indicators of the figure "
                f"registry (known: {', '.join(sorted(known))})"
            )
        value_columns = getattr(spec.options, "value_columns", None)
        if spec.adapter == "aggregate" and value_columns is not None:
            given = {*value_columns, *getattr(spec.options, "defaults", {})}
            unmapped = [feed for feed in spec.feeds if feed not in given]
            if unmapped:
                problems.append(
                    f"source '{name}', key 'feeds': {unmapped} not mapped to a value column "
                    "by its options.columns"
                )
    if problems:
        raise RegistryError(f"{settings.sources_file}: " + "; ".join(problems))


def new_run_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def raw_files(settings: Settings) -> list[tuple[str, Path]]:
    return [(source, path) for source, paths in discover(settings).items() for path in paths]


def hash_raw_file(raw_path: Path, settings: Settings) -> str:
    """Content hash of a raw file; empty for an entry that is not a readable regular file of
    the raw folder (a link out of it, a dangling link or loop, a FIFO that would block):
    intake rejects those without opening them."""
    return sha256_of(raw_path) if entry_reason(raw_path, settings) is None else ""


def hashed_raw_files(settings: Settings) -> list[tuple[str, Path, str]]:
    """Every raw file with its source and sha256: what the rest of the run is keyed on."""
    return [(source, path, hash_raw_file(path, settings)) for source, path in raw_files(settings)]


def take_in_one(item: tuple[str, Path], settings: Settings) -> FileIntake:
    source, path = item
    return take_in(source, path, settings)


def require_valid(outcomes: list[ValidationOutcome], stage: str) -> None:
    problems = rejections(outcomes)
    if problems:
        raise DataRejected(problems, stage=stage)


def check_marts(build_path: Path, settings: Settings) -> list[ValidationOutcome]:
    """Validate the build file with the mart suites."""
    return validate_marts(build_path, settings.min_records, settings.validation_engine)


def accept_marts(outcomes: list[ValidationOutcome], build_path: Path) -> None:
    """Refuse a build whose marts failed; it is removed, so nothing half-checked remains."""
    try:
        require_valid(outcomes, stage="mart validation")
    except DataRejected:
        build_path.unlink(missing_ok=True)
        raise


def _label(item: tuple[str, Path, str]) -> str:
    return f"{item[0]}/{printable(item[1].name)}"


@contextmanager
def recorded_run(
    settings: Settings, full: bool, trigger: str, run_id: str | None = None
) -> Iterator[RunRecord]:
    """Hold the refresh lock and record the run, whatever happens, in the run log; clear
    what killed runs left behind first."""
    with refresh_lock(settings.marts_dir):
        run = RunRecord.start(run_id or new_run_id(), full, trigger)
        try:
            with run.stage("discover"):
                remove_stale_builds(settings.marts_dir)
                remove_stale_partials(settings.staging_dir)
            yield run
        except DataRejected as error:
            run.fail(error, status="rejected")
            raise
        except BaseException as error:
            run.fail(error)
            raise
        finally:
            if run.status == "running":
                run.finish("failed")
            append_run(run, settings)


def refresh_if_unchanged(settings: Settings, trigger: str = "cli") -> Publication | None:
    """The published version, with an `unchanged` run recorded, when no raw file, rule, SQL,
    setting or code changed since it was built; None when there is work to do.

    It hashes the raw files and compares keys, nothing more: no file is parsed or validated,
    no orchestrator starts, and neither GX nor Prefect is imported, so a no-op costs about
    the time to hash the raw folder. Anything unusual (a missing source, a cache entry gone)
    is left to the full refresh, which reports and records it."""
    if not settings.published_path.exists():
        return None
    release_due(settings)
    with refresh_lock(settings.marts_dir):
        run = RunRecord.start(new_run_id(), False, trigger)
        with run.stage("discover"):
            try:
                items = hashed_raw_files(settings)
            except MetiersError:
                return None
            key = build_key(items, settings)
            current = unchanged_publication(settings, key, run.run_id) or unchanged_candidate(
                settings, key, run.run_id
            )
            if current is None:
                return None
            intakes = [
                cached_intake(source, path, sha256, settings) for source, path, sha256 in items
            ]
        if any(intake is None for intake in intakes):
            return None
        run.note_inputs(intakes, settings)
        run.finish("unchanged", current.version)
        append_run(run, settings)
        return current


def take_in_file(
    source: str, raw_path: Path, sha256: str, settings: Settings, run_id: str, full: bool
) -> FileIntake:
    """One raw file's intake, reused from the JSON intake cache when the file is unchanged
    (never with `full`); `take_in` is looked up here at each call so tests can make reading
    fail."""
    return take_in_incremental(source, raw_path, sha256, settings, run_id, full, take=take_in)


def excluded_warnings(intake: Intake, settings: Settings) -> list[dict[str, str]]:
    """One run warning per rejected file of an optional source left out: the source, the
    file and its first problem."""
    return [
        {
            "source": item.source,
            "file": relative_raw_path(item.raw_path, settings),
            "code": "source_left_out",
            "message": f"source {item.source} left out: "
            + (item.problems[0].describe() if item.problems else "rejected"),
        }
        for item in intake.files
        if item.source in intake.excluded_sources and not item.accepted
    ]


def refresh_with(
    runner: StageRunner, settings: Settings, full: bool = False, trigger: str = "cli"
) -> Publication:
    """Discover and hash -> intake (one per raw file) -> quarantine and decide -> build ->
    validate marts -> publish, each stage run by `runner`; the validation report last,
    whatever happened, when something failed a rule or it was asked for.

    Unchanged raw files (same sha256, same rules) reuse their earlier intake; when nothing
    changed at all, nothing is built and the published file is left as it is. `full` reads
    and builds everything."""
    log = runner.log
    check_registry(settings)
    due = release_due(settings)
    if due is not None:
        log.info("embargo over: version %s released", due.version)
    with recorded_run(settings, full, trigger) as run:
        with run.stage("discover"):
            items = runner.run_stage("discover", hashed_raw_files, settings)
        log.info("taking in %d raw files from %s", len(items), settings.raw_dir)
        with run.stage("intake"):
            calls = [
                (source, path, sha256, settings, run.run_id, full) for source, path, sha256 in items
            ]
            files = runner.map_stage("intake", take_in_file, calls, _label)
        run.note_inputs(files, settings)
        reused = sum(1 for item in files if item.reused_by(run.run_id))
        log.info("%d file(s) read, %d unchanged and reused", len(files) - reused, reused)
        mart_outcomes: list[ValidationOutcome] = []
        unchanged = False
        try:
            with run.stage("quarantine"):
                intake = runner.run_stage("quarantine", decide, files, settings, run.run_id)
            run.warnings = excluded_warnings(intake, settings)
            for warning in run.warnings:
                log.warning("optional %s", warning["message"])
            key = build_key(items, settings)
            current = (
                None
                if full
                else unchanged_publication(settings, key, run.run_id)
                or unchanged_candidate(settings, key, run.run_id)
            )
            if current is not None:
                unchanged = True
                run.finish("unchanged", current.version)
                log.info("no input changed: version %s stays published", current.version)
                return current
            with run.stage("build"):
                build_path = runner.run_stage("build", build_marts, intake, settings, run.run_id)
                for warning in source_warnings(build_path):
                    log.warning("source %s (%s): %s", *WARNING_PARTS(warning))
                    run.warnings.append(warning)
            with run.stage("validate-marts"):
                mart_outcomes = runner.run_stage(
                    "validate-marts", check_marts, build_path, settings
                )
                accept_marts(mart_outcomes, build_path)
            with run.stage("publish"):
                publication = runner.run_stage(
                    "publish",
                    publish,
                    build_path,
                    intake,
                    mart_outcomes,
                    settings,
                    run.run_id,
                    run,
                    key,
                )
            run.finish(publication.status, publication.version)
            if publication.status == "candidate":
                log.info(
                    "candidate %s waits for a decision (%d flagged change(s)): %s",
                    publication.version,
                    publication.flagged_changes,
                    publication.path,
                )
            else:
                log.info("published version %s to %s", publication.version, publication.path)
            return publication
        finally:
            run.note_inputs(files, settings)
            if not unchanged and report_wanted(files, mart_outcomes, settings):
                with run.stage("report"):
                    report = runner.run_stage(
                        "report", write_report_or_warn, files, mart_outcomes, settings, run.run_id
                    )
                log.info("validation report: %s", report)


def run_refresh(
    settings: Settings,
    full: bool = False,
    trigger: str = "cli",
    runner: StageRunner | None = None,
) -> Publication:
    """The refresh without Prefect: every stage a plain call in this process, with the same
    retries as the flow's tasks (a `PlainRunner` unless `runner` is given)."""
    return refresh_with(runner or PlainRunner(), settings, full, trigger)


@dataclass
class ValidationReport:
    files: list[FileIntake]
    html: str | None = None


def validate_only(settings: Settings) -> ValidationReport:
    """Intake without build or publication: every file staged, validated and, when rejected,
    quarantined with its report."""
    check_registry(settings)
    run_id = new_run_id()
    files = [take_in_one(item, settings) for item in raw_files(settings)]
    # The rules between files and sources (years, keys across files, catalogue slugs).
    cross_check(files, settings)
    for item in files:
        if not item.accepted:
            item.report = str(write_report(item, settings, run_id))
    html = write_html_report(files, [], settings, run_id)
    return ValidationReport(files=files, html=str(html))
