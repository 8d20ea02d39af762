"""Incremental refresh: what an unchanged input lets a refresh skip.

A raw file's intake (staging + validation) is keyed on its source, its path, its content
hash and the code and rules that read it, so an unchanged file is neither re-read nor
re-validated. A build is keyed on every input's key plus the SQL, suites and settings that
make the marts, so a refresh with nothing new leaves the published file alone.

The intake cache is data, never code: one JSON file per raw file beside its staged batch.
The staging folder may be shared (two raw folders, Dask workers), so an entry is read as
untrusted input: anything unreadable, ill-shaped, keyed differently or pointing outside the
staging folder is a cache miss (the file is read again), never an error. The plain refresh
and the Prefect flow use this same cache; Prefect keeps no result of its own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import glob
import hashlib
import json
import logging
import math
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from metiers import __version__
from metiers.core.config import Settings
from metiers.core.errors import DataProblem
from metiers.core.paths import FLOWS_DIR, PACKAGE_DIR, SQL_DIR
from metiers.ingest.raw_files import relative_raw_path, staging_path_for, unsafe_reason
from metiers.ingest.sources import StagedFile
from metiers.validate import suites as validation
from metiers.validate.intake import FileIntake, SourceNote, take_in
from metiers.validate.suites import ExpectationResult, ValidationOutcome

log = logging.getLogger(__name__)

# Code that decides what a raw file becomes in staging and whether it validates.
INTAKE_CODE = (
    "metiers/core/source_registry.py",
    "metiers/core/adapter_options.py",
    "metiers/ingest/sources/*.py",
    "metiers/ingest/raw_files.py",
    "metiers/validate/suites.py",
    "metiers/validate/sql_rules.py",
    # take_in: what an unexpected error becomes, and the notes made at intake
    "metiers/validate/intake.py",
)
# Code that turns staging into marts and display strings, and the flow that runs it.
BUILD_CODE = (
    "metiers/*.py",
    *(
        f"metiers/{stage}/*.py"
        for stage in ("core", "methodology", "ingest", "validate", "build", "publish", "present")
    ),
    "metiers/refresh/*.py",
    "metiers/ingest/sources/*.py",
    "metiers/flows/*.py",
)
# Where the package's own folders are, by the name they have in an installed package: inside
# it in a wheel, the flows beside it in a source checkout (metiers/__init__.py).
PACKAGE_FOLDERS = {"metiers/flows": FLOWS_DIR, "metiers": PACKAGE_DIR}
CACHE_SUFFIX = ".intake.json"
LEGACY_SUFFIX = ".intake.pkl"  # never read; removed when an entry is stored
CACHE_FORMAT = "metiers-intake/2"
# An intake record is a few kB per validation batch; anything far larger is not ours.
MAX_CACHE_BYTES = 64 * 1024 * 1024


def package_files(pattern: str) -> dict[str, Path]:
    """The package's own files matching `pattern` (`metiers/flows/*.py`), by their name in an
    installed package, wherever the package runs from: a checkout or site-packages."""
    for prefix, folder in PACKAGE_FOLDERS.items():
        if pattern.startswith(f"{prefix}/"):
            found = folder.glob(pattern.removeprefix(f"{prefix}/"))
            return {f"{prefix}/{path.relative_to(folder).as_posix()}": path for path in found}
    raise ValueError(f"{pattern}: not a path inside the package {sorted(PACKAGE_FOLDERS)}")


def _digest_files(named: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    for name in sorted(named):
        digest.update(name.encode())
        digest.update(named[name].read_bytes())
    return digest.hexdigest()


@functools.cache
def code_digest(patterns: tuple[str, ...]) -> str:
    """Digest of the package's own files matching `patterns`: a code change invalidates what
    that code produced, not only a version bump."""
    named = {}
    for pattern in patterns:
        named.update(package_files(pattern))
    return _digest_files(named)


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return f"unreadable:{path.name}"


def intake_key(source: str, raw_path: Path, sha256: str, settings: Settings) -> str:
    """Cache key of one file's intake: path and content hash, plus the source's declaration,
    the content of the suite validation actually loads (`SourceSpec.suite_name`), the values
    the suite leaves open, and the intake code. Never the data itself."""
    spec = settings.registry[source]
    suite = validation.suite_path(spec.suite_name)
    parts = [
        source,
        relative_raw_path(raw_path, settings),
        sha256,
        str(settings.staging_dir),
        repr(spec),
        # A raised limit must re-read a file it rejected.
        repr(settings.limits),
        spec.suite_name,
        _file_digest(suite),
        json.dumps(validation.source_parameters(), sort_keys=True),
        code_digest(INTAKE_CODE),
        __version__,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def build_key(items: list[tuple[str, Path, str]], settings: Settings) -> str:
    """Key of a build: every raw file's intake key (its path, content hash and the rules and
    code that read it) plus everything that turns staging into marts. Intake, the checks
    across files and the build are functions of these alone, so equal keys give the same
    marts: the published file can stay as it is, and a refresh can tell so before it reads
    or validates anything."""
    digest = hashlib.sha256()
    for source, raw_path, sha256 in sorted(items, key=lambda item: (item[0], str(item[1]))):
        digest.update(f"{source}\x1f{intake_key(source, raw_path, sha256, settings)}\n".encode())
    digest.update(f"min_records={settings.min_records}\n".encode())
    digest.update(settings.sources_file.read_bytes())
    suites = validation.suite_path("any").parent
    for folder, pattern in ((SQL_DIR, "**/*.sql"), (suites, "*.json")):
        for path in sorted(folder.glob(pattern)):
            digest.update(f"{path.relative_to(folder).as_posix()}:{_file_digest(path)}\n".encode())
    digest.update(code_digest(BUILD_CODE).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()


def _cache_path(settings: Settings, source: str, raw_path: Path, sha256: str) -> Path:
    return settings.staging_dir / source / f"{raw_path.name}.{sha256[:16]}{CACHE_SUFFIX}"


# --- values as JSON: samples and rule arguments keep their Python type -------------------


class BadEntry(ValueError):
    """A cache entry that is not what `store_intake` writes: treated as a miss."""


class _Unencodable(TypeError):
    """A value the cache cannot write faithfully: the intake is not cached (read again)."""


TAG = "$t"


def _encode_value(value: Any) -> Any:
    """JSON for a sample value or rule argument; types JSON lacks are tagged so they read
    back as the same type (and so print the same in messages)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    if isinstance(value, list):
        return [_encode_value(item) for item in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [_encode_value(item) for item in value]}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value) and TAG not in value:
            return {key: _encode_value(item) for key, item in value.items()}
        raise _Unencodable(f"dict with keys {list(value)[:3]!r}")
    if isinstance(value, dt.datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, decimal.Decimal):
        return {TAG: "decimal", "v": str(value)}
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and type(value).__module__ == "numpy":
        return _encode_value(item())
    raise _Unencodable(type(value).__name__)


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "float": lambda v: float(_typed(v, str)),
    "datetime": lambda v: dt.datetime.fromisoformat(_typed(v, str)),
    "date": lambda v: dt.date.fromisoformat(_typed(v, str)),
    "time": lambda v: dt.time.fromisoformat(_typed(v, str)),
    "decimal": lambda v: decimal.Decimal(_typed(v, str)),
}


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    if TAG not in value:
        return {key: _decode_value(item) for key, item in value.items()}
    if set(value) != {TAG, "v"}:
        raise BadEntry("tagged value with other keys")
    tag, inner = value[TAG], value["v"]
    if tag == "tuple":
        return tuple(_decode_value(item) for item in _typed(inner, list))
    if tag == "timedelta":
        days, seconds, micro = _typed(inner, list)
        return dt.timedelta(days=_int(days), seconds=_int(seconds), microseconds=_int(micro))
    if tag in _DECODERS:
        return _DECODERS[tag](inner)
    raise BadEntry(f"unknown value tag {tag!r}")


def _typed(value: Any, kind: type) -> Any:
    """`value` when it is exactly of `kind` (a bool is no int); a bad entry otherwise."""
    if type(value) is not kind:
        raise BadEntry(f"{kind.__name__} expected, got {type(value).__name__}")
    return value


def _int(value: Any, minimum: int = 0) -> int:
    if type(value) is not int or value < minimum:
        raise BadEntry(f"integer >= {minimum} expected")
    return value


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else _typed(value, kind)


def _fields(record: Any, names: set[str]) -> dict:
    """The fields of one JSON object, exactly `names`: none missing, none unknown."""
    if type(record) is not dict or set(record) != names:
        raise BadEntry(f"object with fields {sorted(names)} expected")
    return record


def _int_list(value: Any) -> list[int]:
    return [_int(item, minimum=-(2**63)) for item in _typed(value, list)]


# --- the intake as JSON ------------------------------------------------------------------

_STAGED = {"source", "raw_path", "sha256", "size_bytes", "staging_path", "rows"}
_RESULT = {
    "target",
    "suite",
    "expectation",
    "column",
    "success",
    "unexpected_count",
    "sample",
    "rows",
    "kwargs",
}
_OUTCOME = {"target", "suite", "results", "batches", "gx_results"}
_PROBLEM = {"file", "rule", "column", "sample", "rows", "count"}
_INTAKE = {
    "source",
    "sha256",
    "size_bytes",
    "staged",
    "validation",
    "stage",
    "problems",
    "ingested_run",
    "ingested_at",
    "exception",
    "notes",
}


def _problem_json(problem: DataProblem) -> dict:
    return {
        "file": problem.file,
        "rule": problem.rule,
        "column": problem.column,
        "sample": _encode_value(list(problem.sample)),
        "rows": [int(row) for row in problem.rows],
        "count": problem.count,
    }


def _outcome_json(outcome: ValidationOutcome) -> dict:
    return {
        "target": outcome.target,
        "suite": outcome.suite,
        "batches": outcome.batches,
        "results": [
            {
                "target": result.target,
                "suite": result.suite,
                "expectation": result.expectation,
                "column": result.column,
                "success": bool(result.success),
                "unexpected_count": int(result.unexpected_count),
                "sample": _encode_value(list(result.sample)),
                "rows": [int(row) for row in result.rows],
                "kwargs": _encode_value(dict(result.kwargs)),
            }
            for result in outcome.results
        ],
        # GX's own JSON form of its results: the run's Data Docs show reused files too.
        "gx_results": list(outcome.gx_results),
    }


def intake_json(intake: FileIntake) -> dict:
    """What the cache keeps of an intake (its raw path and report are the run's own)."""
    staged = intake.staged
    return {
        "source": intake.source,
        "sha256": intake.sha256,
        "size_bytes": intake.size_bytes,
        "staged": None
        if staged is None
        else {
            "source": staged.source,
            "raw_path": staged.raw_path,
            "sha256": staged.sha256,
            "size_bytes": staged.size_bytes,
            "staging_path": str(staged.staging_path),
            "rows": staged.rows,
        },
        "validation": None if intake.validation is None else _outcome_json(intake.validation),
        "stage": intake.stage,
        "problems": [_problem_json(problem) for problem in intake.problems],
        "ingested_run": intake.ingested_run,
        "ingested_at": intake.ingested_at,
        "exception": intake.exception,
        "notes": [note.as_dict() for note in intake.notes],
    }


def _problem_from(record: Any) -> DataProblem:
    fields = _fields(record, _PROBLEM)
    count = fields["count"]
    return DataProblem(
        file=_typed(fields["file"], str),
        rule=_typed(fields["rule"], str),
        column=_optional(fields["column"], str),
        sample=_decode_value(_typed(fields["sample"], list)),
        rows=_int_list(fields["rows"]),
        count=None if count is None else _int(count),
    )


def _note_from(record: Any) -> SourceNote:
    fields = _fields(record, {"source", "file", "code", "message"})
    return SourceNote(**{name: _typed(value, str) for name, value in fields.items()})


def _result_from(record: Any) -> ExpectationResult:
    fields = _fields(record, _RESULT)
    return ExpectationResult(
        target=_typed(fields["target"], str),
        suite=_typed(fields["suite"], str),
        expectation=_typed(fields["expectation"], str),
        column=_optional(fields["column"], str),
        success=_typed(fields["success"], bool),
        unexpected_count=_int(fields["unexpected_count"]),
        sample=_decode_value(_typed(fields["sample"], list)),
        rows=_int_list(fields["rows"]),
        kwargs=_decode_value(_typed(fields["kwargs"], dict)),
    )


def _gx_result_from(record: Any) -> dict:
    """A result in GX's JSON form, checked for its shape only: it stays data until a report
    loads it with GX's own schema (which skips one it cannot read)."""
    document = _typed(record, dict)
    _typed(document.get("success"), bool)
    _typed(document.get("results"), list)
    return document


def _outcome_from(record: Any) -> ValidationOutcome:
    fields = _fields(record, _OUTCOME)
    return ValidationOutcome(
        target=_typed(fields["target"], str),
        suite=_typed(fields["suite"], str),
        results=[_result_from(item) for item in _typed(fields["results"], list)],
        batches=_int(fields["batches"], minimum=1),
        gx_results=[_gx_result_from(item) for item in _typed(fields["gx_results"], list)],
    )


def _staged_from(
    record: Any, source: str, raw_path: Path, sha256: str, settings: Settings
) -> StagedFile:
    """The staged batch an entry names, only when it is the very file this raw file's intake
    writes: the same name in this staging folder, not a link out of it."""
    fields = _fields(record, _STAGED)
    expected = staging_path_for(settings, source, raw_path, sha256)
    staging_path = _typed(fields["staging_path"], str)
    if Path(staging_path) != expected:
        raise BadEntry("staged batch is not this file's batch in this staging folder")
    if not expected.resolve().is_relative_to(settings.staging_dir.resolve()):
        raise BadEntry("staged batch resolves outside the staging folder")
    if (_typed(fields["source"], str), _typed(fields["sha256"], str)) != (source, sha256):
        raise BadEntry("staged batch of another file")
    return StagedFile(
        source=source,
        raw_path=_typed(fields["raw_path"], str),
        sha256=sha256,
        size_bytes=_int(fields["size_bytes"]),
        staging_path=staging_path,
        rows=_int(fields["rows"]),
    )


def intake_from_json(
    record: Any, source: str, raw_path: Path, sha256: str, settings: Settings
) -> FileIntake:
    """An intake read back from the cache, checked field by field; BadEntry otherwise."""
    fields = _fields(record, _INTAKE)
    if (_typed(fields["source"], str), _typed(fields["sha256"], str)) != (source, sha256):
        raise BadEntry("entry of another file")
    staged = fields["staged"]
    validation = fields["validation"]
    intake = FileIntake(
        source=source,
        raw_path=str(raw_path),
        sha256=sha256,
        size_bytes=_int(fields["size_bytes"]),
        staged=None if staged is None else _staged_from(staged, source, raw_path, sha256, settings),
        validation=None if validation is None else _outcome_from(validation),
        stage=_typed(fields["stage"], str),
        problems=[_problem_from(item) for item in _typed(fields["problems"], list)],
        ingested_run=_typed(fields["ingested_run"], str),
        ingested_at=_typed(fields["ingested_at"], str),
        exception=_optional(fields["exception"], str),
        notes=[_note_from(item) for item in _typed(fields["notes"], list)],
    )
    if intake.accepted and not (intake.staged and intake.validation and intake.validation.success):
        raise BadEntry("an accepted intake without its staged batch and passed validation")
    return intake


def _read_entry(path: Path) -> bytes | None:
    """The bytes of a cache entry: a regular file (no link, no FIFO) of bounded size."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return data if len(data) <= MAX_CACHE_BYTES else None


def cached_intake(
    source: str, raw_path: Path, sha256: str, settings: Settings
) -> FileIntake | None:
    """The stored intake of this exact file, when it still holds: same key, well formed,
    and its staged batch still on disk when it was accepted. None (a miss) otherwise."""
    path = _cache_path(settings, source, raw_path, sha256)
    data = _read_entry(path)
    if data is None:
        return None
    try:
        entry = _fields(json.loads(data.decode("utf-8")), {"format", "key", "intake"})
        if entry["format"] != CACHE_FORMAT:
            return None
        if entry["key"] != intake_key(source, raw_path, sha256, settings):
            return None
        intake = intake_from_json(entry["intake"], source, raw_path, sha256, settings)
    except Exception as error:  # untrusted bytes: whatever fails is a miss
        # Bad UTF-8 or JSON, a wrong shape (BadEntry), a bad date or decimal, deep nesting.
        log.info("intake cache %s is not usable (%s): reading the file again", path, error)
        return None
    if not still_usable(intake):
        return None
    return intake


def still_usable(intake: FileIntake) -> bool:
    """A stored intake can stand in for a new one while its staged batch is on disk (a
    rejection needs none)."""
    return not intake.accepted or bool(intake.staged and Path(intake.staged.staging_path).is_file())


def store_intake(intake: FileIntake, settings: Settings) -> None:
    """Keep an intake for the next refresh; older entries for the same raw file go. An intake
    whose values JSON cannot hold faithfully is simply not kept (read again next time)."""
    raw_path = Path(intake.raw_path)
    path = _cache_path(settings, intake.source, raw_path, intake.sha256)
    try:
        entry = {
            "format": CACHE_FORMAT,
            "key": intake_key(intake.source, raw_path, intake.sha256, settings),
            "intake": intake_json(intake),
        }
        text = json.dumps(entry, ensure_ascii=False, allow_nan=False)
    except Exception as error:  # a value JSON cannot hold: the intake is just not cached
        log.info("intake of %s not cached: %s", raw_path, error)
        text = None
    # Named like the staging writers' partials, so a killed writer's is cleared at next start.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
        for suffix in (CACHE_SUFFIX, LEGACY_SUFFIX):
            for older in path.parent.glob(f"{glob.escape(raw_path.name)}.*{suffix}"):
                if older != path:
                    older.unlink(missing_ok=True)
    except OSError as error:
        # A cache is an optimisation: the intake itself is done and stays valid.
        log.warning("could not keep the intake of %s in %s: %s", raw_path, path.parent, error)
    finally:
        partial.unlink(missing_ok=True)


def take_in_incremental(
    source: str,
    raw_path: Path,
    sha256: str,
    settings: Settings,
    run_id: str,
    full: bool,
    take: Callable[..., FileIntake] = take_in,
) -> FileIntake:
    """Reuse an unchanged file's intake; stage and validate it otherwise (always with
    `full`), with `take` (metiers.validate.intake.take_in; the flow passes its own reference)."""
    if not full and not unsafe_reason(raw_path, settings):
        reused = cached_intake(source, raw_path, sha256, settings)
        if reused is not None:
            return reused
    intake = take(source, raw_path, settings, sha256=sha256, run_id=run_id)
    store_intake(intake, settings)
    return intake
