"""Intake of raw files and quarantine of the bad ones.

Every raw file is staged and validated on its own. A file that fails is set aside: its staged
batch is removed and a JSON report says what is wrong (file, sha256, rule, column, rows,
sample values, counts). A failing file of a required source stops publication; a failing
optional source is left out whole, and the figures it feeds say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from metiers.config import Settings
from metiers.errors import DataProblem, DataRejected
from metiers.faults import checkpoint
from metiers.ingest import ingest_file, relative_raw_path, unsafe_reason
from metiers.sources import StagedFile
from metiers.sources.base import SOURCE_ROW, sha256_of
from metiers.timing import timed_stage
from metiers.validate import ValidationOutcome, validate_staged_file


@dataclass
class FileIntake:
    """What happened to one raw file: staged and validated, or rejected and why."""

    source: str
    raw_path: str
    sha256: str
    size_bytes: int
    staged: StagedFile | None = None
    validation: ValidationOutcome | None = None
    stage: str = "validation"
    problems: list[DataProblem] = field(default_factory=list)
    report: str | None = None
    # The run that read and validated the file; a later run that reuses it keeps this.
    ingested_run: str = ""
    ingested_at: str = ""

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reused_by(self, run_id: str) -> bool:
        """True when `run_id` took this intake over from an earlier run (unchanged file)."""
        return bool(self.ingested_run) and self.ingested_run != run_id


@dataclass
class Intake:
    """All files of a refresh, and the decision taken on them."""

    files: list[FileIntake]
    excluded_sources: list[str] = field(default_factory=list)

    @property
    def staged(self) -> list[StagedFile]:
        """Batches the build may use: accepted files of sources not left out."""
        return [
            item.staged
            for item in self.files
            if item.accepted and item.staged and item.source not in self.excluded_sources
        ]

    @property
    def outcomes(self) -> list[ValidationOutcome]:
        return [item.validation for item in self.files if item.validation is not None]


def take_in(
    source: str,
    raw_path: Path,
    settings: Settings,
    sha256: str | None = None,
    run_id: str = "",
) -> FileIntake:
    """Stage and validate one raw file; data problems are recorded, not raised. Pass
    `sha256` when the caller hashed the file already."""
    unsafe = unsafe_reason(raw_path, settings)
    if unsafe:
        # The bytes behind a link out of the raw folder are not ours to read, not even to hash.
        inside = raw_path.resolve().is_relative_to(settings.raw_dir.resolve())
        return FileIntake(
            source=source,
            raw_path=str(raw_path),
            sha256=sha256_of(raw_path) if inside and raw_path.is_file() else "",
            size_bytes=raw_path.lstat().st_size,
            stage="ingest",
            problems=[DataProblem(file=relative_raw_path(raw_path, settings), rule=unsafe)],
            ingested_run=run_id,
            ingested_at=datetime.now(UTC).isoformat(),
        )
    stat = raw_path.stat()
    intake = FileIntake(
        source=source,
        raw_path=str(raw_path),
        sha256=sha256 or sha256_of(raw_path),
        size_bytes=stat.st_size,
        ingested_run=run_id,
        ingested_at=datetime.now(UTC).isoformat(),
    )
    checkpoint("ingest")
    try:
        intake.staged = ingest_file(source, raw_path, settings, sha256=intake.sha256)
    except DataRejected as rejected:
        intake.stage, intake.problems = "ingest", rejected.problems
        return intake
    checkpoint("validation")
    intake.validation = validate_staged_file(
        intake.staged,
        settings.registry[source],
        settings.validation_batch_rows,
        target=relative_raw_path(raw_path, settings),
        engine=settings.validation_engine,
        sql_min_rows=settings.sql_validation_min_rows,
        memory_limit=settings.duckdb_memory_limit,
    )
    if not intake.validation.success:
        intake.problems = intake.validation.problems
        # A rejected batch must never be read by a build.
        Path(intake.staged.staging_path).unlink(missing_ok=True)
    return intake


def write_report(intake: FileIntake, settings: Settings, run_id: str) -> Path:
    """The quarantine report of a rejected file, as JSON under the quarantine folder."""
    folder = settings.quarantine_dir / run_id / intake.source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{Path(intake.raw_path).name}.json"
    spec = settings.registry[intake.source]
    report = {
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(),
        "source": intake.source,
        "required_source": spec.required,
        "file": relative_raw_path(intake.raw_path, settings),
        "raw_path": intake.raw_path,
        "sha256": intake.sha256,
        "size_bytes": intake.size_bytes,
        "stage": intake.stage,
        "problems": [problem.as_dict() for problem in intake.problems],
        "problem_count": len(intake.problems),
        "bad_values": sum(problem.count or 0 for problem in intake.problems),
    }
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _staged_column(files: list[FileIntake], settings: Settings, role: str, column: str) -> set:
    paths = [
        item.staged.staging_path
        for item in files
        if item.accepted and item.staged and settings.registry[item.source].role == role
    ]
    if not paths:
        return set()
    return set(pl.scan_parquet(paths).select(column).unique().collect()[column].to_list())


def _reject_unknown(
    item: FileIntake, settings: Settings, column: str, known: set, rule: str
) -> None:
    """Reject an accepted file whose `column` holds values outside `known`."""
    assert item.staged is not None
    frame = pl.scan_parquet(item.staged.staging_path)
    bad = frame.filter(~pl.col(column).is_in(list(known))).select(SOURCE_ROW, column).collect()
    if bad.is_empty():
        return
    item.stage = "cross-check"
    item.problems = [
        DataProblem(
            file=relative_raw_path(item.raw_path, settings),
            column=column,
            rule=rule,
            sample=bad[column].unique(maintain_order=True).head(5).to_list(),
            rows=bad[SOURCE_ROW].head(5).to_list(),
            count=bad.height,
        )
    ]
    Path(item.staged.staging_path).unlink(missing_ok=True)


def cross_check(files: list[FileIntake], settings: Settings) -> None:
    """Rules between sources: facts name catalogue slugs; with ESCO present, catalogue codes
    are ESCO codes. The offending file is rejected like any other."""
    roles = {item.source: settings.registry[item.source].role for item in files}
    slugs = _staged_column(files, settings, "catalogue", "slug")
    for item in files:
        if item.accepted and item.staged and roles[item.source] == "facts" and slugs:
            _reject_unknown(item, settings, "slug", slugs, "slug exists in the catalogue")
    esco_codes = _staged_column(files, settings, "esco_occupations", "code")
    if esco_codes:
        known = esco_codes | _staged_column(files, settings, "esco_occupations", "isco_group")
        known |= {
            code
            for code in _staged_column(files, settings, "esco_isco_groups", "code")
            if len(code) == 4
        }
        for item in files:
            if item.accepted and item.staged and roles[item.source] == "catalogue":
                _reject_unknown(
                    item,
                    settings,
                    "esco_code",
                    known,
                    "code exists in ESCO (an occupation code or an ISCO-08 unit group)",
                )


@timed_stage("quarantine")
def decide(files: list[FileIntake], settings: Settings, run_id: str) -> Intake:
    """Quarantine every rejected file; stop when a required source failed, otherwise leave
    failing optional sources out."""
    cross_check(files, settings)
    rejected = [item for item in files if not item.accepted]
    for item in rejected:
        item.report = str(write_report(item, settings, run_id))
    blocking = [item for item in rejected if settings.registry[item.source].required]
    if blocking:
        problems = [problem for item in rejected for problem in item.problems]
        raise DataRejected(
            problems,
            stage=rejected[0].stage if len({i.stage for i in rejected}) == 1 else "intake",
            reports=[item.report for item in rejected if item.report],
        )
    return Intake(files=files, excluded_sources=sorted({item.source for item in rejected}))
