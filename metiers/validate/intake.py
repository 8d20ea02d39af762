"""Intake of raw files and quarantine of the bad ones.

Every raw file is staged and validated on its own. A file that fails is set aside: its staged
batch is removed and a JSON report says what is wrong (file, sha256, rule, column, rows,
sample values, counts). A failing file of a required source stops publication; a failing
optional source is left out whole, and the figures it feeds say so.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import polars as pl

from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected, shorten
from metiers.core.faults import checkpoint
from metiers.core.timing import timed_stage
from metiers.ingest.raw_files import (
    entry_reason,
    ingest_file,
    printable,
    relative_raw_path,
    safe_file_name,
    unsafe_reason,
)
from metiers.ingest.sources import SourceSpec, StagedFile
from metiers.ingest.sources.base import SOURCE_ROW, sha256_of
from metiers.validate.suites import ValidationOutcome, validate_staged_file

# Why a validated file contributes no value, most telling first: a run warning names the
# first that applies (meta_sources.warning_code), with every note's words (warning).
WARNING_CODES = (
    "unit_mismatch",
    "geography_filtered_out",
    "no_code_matched",
    "period_out_of_range",
    "series_matched_nothing",
)


@dataclass(frozen=True)
class SourceNote:
    """A remark on one validated file that the run must not keep silent: it contributes
    nothing, or a declared part of it (a series) matched nothing. Notes made at intake travel
    with the file (and its cache entry) into meta_source_notes; the build adds its own."""

    source: str
    file: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "file": self.file,
            "code": self.code,
            "message": self.message,
        }


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
    # The traceback of an unexpected error that quarantined an optional source's file: the
    # report keeps it, so a bug hidden by the safety net can still be found and reported.
    exception: str | None = None
    notes: list[SourceNote] = field(default_factory=list)

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


Result = TypeVar("Result")


class UnexpectedError(Exception):
    """An optional source's file broke code that should have rejected it cleanly: the file is
    quarantined with the cause and its traceback instead of failing the whole refresh."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.cause = cause
        self.trace = "".join(traceback.format_exception(cause))


def guarded(required: bool, work: Callable[[], Result]) -> Result:
    """Run `work`; for an optional source, an unexpected exception becomes `UnexpectedError`.

    Left alone: `DataRejected` (a clean rejection), `OSError` (the intake's retry policy
    handles it) and anything not an `Exception` (interrupts). A required source's unexpected
    exception stays a bug: the refresh stops with exit 3."""
    try:
        return work()
    except (DataRejected, OSError):
        raise
    except Exception as error:
        if required:
            raise
        raise UnexpectedError(error) from error


UNEXPECTED_SUFFIX = "(unexpected error; please report it with the quarantine report)"


def unexpected_problem(label: str, what: str, error: UnexpectedError) -> DataProblem:
    """The problem an optional source's unexpected error is reported as: the file, what it
    had to be, and the exception, cut short (the report holds the traceback)."""
    cause = shorten(" ".join(str(error).split()), 300)
    return DataProblem(file=label, rule=f"{what} ({cause}) {UNEXPECTED_SUFFIX}")


def _quarantine_unexpected(
    intake: FileIntake, label: str, what: str, error: UnexpectedError
) -> None:
    intake.stage = "ingest"
    intake.problems = [unexpected_problem(label, what, error)]
    intake.exception = error.trace


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
        # Never opened: the bytes behind a link out of the raw folder are not ours to read,
        # and a FIFO would block. A regular file inside the raw folder is hashed, for the
        # report. Its path is kept printable: it goes into messages, JSON and the marts.
        if sha256 is None:
            sha256 = sha256_of(raw_path) if entry_reason(raw_path, settings) is None else ""
        return FileIntake(
            source=source,
            raw_path=printable(str(raw_path)),
            sha256=sha256,
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
    spec = settings.registry[source]
    label = relative_raw_path(raw_path, settings)
    checkpoint("ingest")
    try:
        intake.staged = guarded(
            spec.required,
            lambda: ingest_file(source, raw_path, settings, sha256=intake.sha256),
        )
    except DataRejected as rejected:
        intake.stage, intake.problems = "ingest", rejected.problems
        return intake
    except UnexpectedError as error:
        _quarantine_unexpected(intake, label, f"readable by adapter {spec.adapter}", error)
        return intake
    checkpoint("validation")
    staged = intake.staged
    try:
        intake.validation = guarded(
            spec.required,
            lambda: validate_staged_file(
                staged,
                spec,
                settings.validation_batch_rows,
                target=label,
                engine=settings.validation_engine,
                sql_min_rows=settings.sql_validation_min_rows,
                memory_limit=settings.duckdb_memory_limit,
            ),
        )
    except UnexpectedError as error:
        _quarantine_unexpected(intake, label, f"validated by suite {spec.suite_name}", error)
        intake.stage = "validation"
        Path(staged.staging_path).unlink(missing_ok=True)
        return intake
    if not intake.validation.success:
        intake.problems = intake.validation.problems
        # A rejected batch must never be read by a build.
        Path(intake.staged.staging_path).unlink(missing_ok=True)
    else:
        intake.notes = series_notes(spec, staged.staging_path, label)
    return intake


def series_notes(spec: SourceSpec, staging_path: str, label: str) -> list[SourceNote]:
    """A declared context series that matched no row of the file vanishes from the staged
    table: say so (`series_matched_nothing`), naming the series and its filter."""
    if spec.role != "context" or spec.context is None:
        return []
    scan = pl.scan_parquet(staging_path, glob=False)
    if "indicator" not in scan.collect_schema().names():
        return []
    found = set(scan.select(pl.col("indicator").unique()).collect()["indicator"].to_list())
    notes = []
    for series in spec.context.series:
        if series.indicator in found:
            continue
        wanted = series.filter or {"numerator": series.numerator, "denominator": series.denominator}
        if spec.context.geo:
            wanted = {"geo": spec.context.geo, **wanted}
        notes.append(
            SourceNote(
                source=spec.name,
                file=label,
                code="series_matched_nothing",
                message=f"series '{series.indicator}' matched no row of {label} ({wanted})",
            )
        )
    return notes


def write_report(intake: FileIntake, settings: Settings, run_id: str) -> Path:
    """The quarantine report of a rejected file, as JSON under the quarantine folder."""
    folder = settings.quarantine_dir / run_id / intake.source
    folder.mkdir(parents=True, exist_ok=True)
    # A raw name may hold anything a file system takes; the report's own name is made safe.
    path = folder / f"{safe_file_name(Path(intake.raw_path).name)}.json"
    spec = settings.registry[intake.source]
    report = {
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(),
        "source": intake.source,
        "required_source": spec.required,
        "file": relative_raw_path(intake.raw_path, settings),
        "raw_path": printable(intake.raw_path),
        "sha256": intake.sha256,
        "size_bytes": intake.size_bytes,
        "stage": intake.stage,
        "problems": [problem.as_dict() for problem in intake.problems],
        "problem_count": len(intake.problems),
        "bad_values": sum(problem.count or 0 for problem in intake.problems),
    }
    if intake.exception:
        report["exception"] = intake.exception
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
    return set(
        pl.scan_parquet(paths, glob=False).select(column).unique().collect()[column].to_list()
    )


def _reject_unknown(
    item: FileIntake, settings: Settings, column: str, known: set, rule: str
) -> None:
    """Reject an accepted file whose `column` holds values outside `known`."""
    assert item.staged is not None
    frame = pl.scan_parquet(item.staged.staging_path, glob=False)
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


# The register's period column, and a year in a file name: a 4-digit 19xx or 20xx token that
# is not part of a longer number (`register_2024.csv`, not `extract_20240115.csv`).
YEAR_COLUMN = "year"
YEAR_IN_NAME = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
SAMPLE_SIZE = 5
FILE_INDEX = "__file_index"


def years_in_name(name: str) -> list[int]:
    """The distinct years a file name gives, in the order they appear."""
    return list(dict.fromkeys(int(token) for token in YEAR_IN_NAME.findall(name)))


def _scan(item: FileIntake) -> pl.LazyFrame:
    assert item.staged is not None
    return pl.scan_parquet(item.staged.staging_path, glob=False)


def _rows(frame: pl.LazyFrame) -> pl.Expr:
    """The raw row numbers of a staged frame (null where an adapter gave none)."""
    if SOURCE_ROW in frame.collect_schema().names():
        return pl.col(SOURCE_ROW).cast(pl.Int64)
    return pl.lit(None, dtype=pl.Int64).alias(SOURCE_ROW)


def _register_year(item: FileIntake, settings: Settings) -> tuple[int | None, DataProblem | None]:
    """The year a register file stands for, or why it stands for none: a name that gives a
    year must hold only that year; a name that gives none must hold one single year; a name
    that gives two years is ambiguous."""
    label = relative_raw_path(item.raw_path, settings)
    scan = _scan(item)
    if YEAR_COLUMN not in scan.collect_schema().names():
        return None, DataProblem(file=label, column=YEAR_COLUMN, rule="required column")
    named = years_in_name(Path(item.raw_path).name)
    if len(named) > 1:
        shown = ", ".join(str(year) for year in named)
        return None, DataProblem(
            file=label, rule=f"file name gives one year at most (it gives {shown})"
        )
    year = pl.col(YEAR_COLUMN)
    held = scan.select(year.drop_nulls().unique().sort()).collect()[YEAR_COLUMN].to_list()
    if named:
        expected = named[0]
        rule = f"year is the year of the file name ({expected}): one file per year"
    elif len(held) <= 1:
        return (held[0] if held else None), None
    else:
        expected = held[0]
        rule = (
            "one year per file: the name gives no year, so the file holds one year only "
            f"(it holds {', '.join(str(value) for value in held[:SAMPLE_SIZE])})"
        )
    wrong = scan.filter(year.is_not_null() & (year != expected)).select(_rows(scan), year)
    count = wrong.select(pl.len()).collect().item()
    if not count:
        return expected, None
    sample = wrong.head(SAMPLE_SIZE).collect()
    return None, DataProblem(
        file=label,
        column=YEAR_COLUMN,
        rule=rule,
        sample=wrong.select(year)
        .unique(maintain_order=True)
        .head(SAMPLE_SIZE)
        .collect()[YEAR_COLUMN]
        .to_list(),
        rows=[row for row in sample[SOURCE_ROW].to_list() if row is not None],
        count=count,
    )


def _key_clashes(
    items: list[FileIntake], key: tuple[str, ...], settings: Settings
) -> dict[int, DataProblem]:
    """Per file (by position in `items`), the key values it shares with another file."""
    problems: dict[int, DataProblem] = {}
    labels = [relative_raw_path(item.raw_path, settings) for item in items]
    scans = []
    for index, item in enumerate(items):
        scan = _scan(item)
        missing = [name for name in key if name not in scan.collect_schema().names()]
        if missing:
            problems[index] = DataProblem(
                file=labels[index], column=",".join(missing), rule="required column (key)"
            )
            continue
        index_column = pl.lit(index, dtype=pl.Int32).alias(FILE_INDEX)
        scans.append(scan.select(*key, _rows(scan), index_column))
    if len(scans) < 2:
        return problems
    stacked = pl.concat(scans, how="vertical_relaxed").drop_nulls(list(key))
    shared = (
        stacked.group_by(key)
        .agg(pl.col(FILE_INDEX).n_unique().alias("files"))
        .filter(pl.col("files") > 1)
        .select(key)
    )
    clashing = stacked.join(shared, on=list(key), how="semi", nulls_equal=False).collect()
    if clashing.is_empty():
        return problems
    pairs = clashing.select(*key, FILE_INDEX).unique()
    partners = (
        pairs.join(pairs, on=list(key), suffix="_other")
        .filter(pl.col(FILE_INDEX) != pl.col(f"{FILE_INDEX}_other"))
        .select(FILE_INDEX, f"{FILE_INDEX}_other")
        .unique()
    )
    for (index,), rows in clashing.group_by(FILE_INDEX, maintain_order=True):
        others = sorted(
            labels[other]
            for other in partners.filter(pl.col(FILE_INDEX) == index)[f"{FILE_INDEX}_other"]
        )
        ordered = rows.sort(SOURCE_ROW, nulls_last=True)
        problems[index] = DataProblem(
            file=labels[index],
            column=",".join(key),
            rule=f"key unique across files (the same key is also in {', '.join(others)})",
            sample=ordered.select(key).unique(maintain_order=True).head(SAMPLE_SIZE).to_dicts(),
            rows=[row for row in ordered[SOURCE_ROW].head(SAMPLE_SIZE) if row is not None],
            count=rows.height,
        )
    return problems


def _at(item: FileIntake) -> tuple[str, str]:
    return item.source, item.raw_path


def _reject(item: FileIntake, problems: list[DataProblem]) -> None:
    """Reject an accepted file after the fact; its staged batch must never be read."""
    item.stage = "cross-check"
    item.problems = problems
    if item.staged is not None:
        Path(item.staged.staging_path).unlink(missing_ok=True)


def check_across_files(files: list[FileIntake], settings: Settings) -> None:
    """Rules between the files of one source, once each file is staged and validated on its
    own: every register file holds the year its name gives (or, when it gives none, one
    single year), there is one register file per year, and a source's declared key is
    unique across all its files, not only within each. The files involved are rejected,
    each naming the others."""
    accepted = [item for item in files if item.accepted and item.staged]
    found: dict[tuple[str, str], list[DataProblem]] = {}
    register = [item for item in accepted if settings.registry[item.source].role == "register"]
    by_year: dict[int, list[FileIntake]] = {}
    misplaced: set[tuple[str, str]] = set()
    for item in register:
        year, problem = _register_year(item, settings)
        if problem is not None:
            found.setdefault(_at(item), []).append(problem)
            misplaced.add(_at(item))
        elif year is not None:
            by_year.setdefault(year, []).append(item)
    for year, items in sorted(by_year.items()):
        if len(items) < 2:
            continue
        labels = [relative_raw_path(item.raw_path, settings) for item in items]
        for item, label in zip(items, labels, strict=True):
            others = ", ".join(other for other in labels if other != label)
            found.setdefault(_at(item), []).append(
                DataProblem(
                    file=label,
                    column=YEAR_COLUMN,
                    rule=f"one file per register year ({year} is also in {others})",
                    sample=[year],
                )
            )
    # Files that may share key values. Register files of different years cannot (the key
    # holds the year), so only files of one year are compared: no pass over a whole
    # register for nothing.
    groups: list[tuple[tuple[str, ...], list[FileIntake]]] = []
    for source, spec in settings.registry.items():
        if not spec.key:
            continue
        if spec.role == "register" and YEAR_COLUMN in spec.key:
            groups += [
                (spec.key, [item for item in items if item.source == source])
                for items in by_year.values()
            ]
        else:
            mine = [i for i in accepted if i.source == source and _at(i) not in misplaced]
            groups.append((spec.key, mine))
    for key, items in groups:
        if len(items) < 2:
            continue
        required = settings.registry[items[0].source].required
        try:
            clashes = guarded(required, lambda: _key_clashes(items, key, settings))  # noqa: B023
        except UnexpectedError as error:
            # An optional source whose files cannot even be compared is left out, each file
            # naming the cause, rather than failing the refresh.
            for item in items:
                label = relative_raw_path(item.raw_path, settings)
                problem = unexpected_problem(label, "key unique across files", error)
                found.setdefault(_at(item), []).append(problem)
                item.exception = error.trace
            continue
        for index, problem in clashes.items():
            found.setdefault(_at(items[index]), []).append(problem)
    for item in accepted:
        if _at(item) in found:
            _reject(item, found[_at(item)])


def cross_check(files: list[FileIntake], settings: Settings) -> None:
    """Rules between sources: facts name catalogue slugs; with ESCO present, catalogue codes
    are ESCO codes; and the rules between files of one source (`check_across_files`). The
    offending file is rejected like any other."""
    check_across_files(files, settings)
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
