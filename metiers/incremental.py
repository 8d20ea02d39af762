"""Incremental refresh: what an unchanged input lets a refresh skip.

A raw file's intake (staging + validation) is keyed on its source, its path, its content
hash and the code and rules that read it, so an unchanged file is neither re-read nor
re-validated. A build is keyed on every input's key plus the SQL, suites and settings that
make the marts, so a refresh with nothing new leaves the published file alone.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import pickle
from pathlib import Path

from metiers import __version__
from metiers.config import EXPECTATIONS_DIR, PROJECT_ROOT, SQL_DIR, Settings
from metiers.ingest import relative_raw_path, unsafe_reason
from metiers.quarantine import FileIntake, take_in

# Code that decides what a raw file becomes in staging and whether it validates.
INTAKE_CODE = (
    "metiers/sources/*.py",
    "metiers/ingest.py",
    "metiers/validate.py",
    "metiers/validate_sql.py",
)
# Code that turns staging into marts and display strings.
BUILD_CODE = ("metiers/*.py", "metiers/sources/*.py")
CACHE_SUFFIX = ".intake.pkl"


def _digest_files(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_digest(patterns: tuple[str, ...]) -> str:
    """Digest of the project's own files matching `patterns`: a code change invalidates what
    that code produced, not only a version bump."""
    return _digest_files([path for pattern in patterns for path in PROJECT_ROOT.glob(pattern)])


def intake_key(source: str, raw_path: Path, sha256: str, settings: Settings) -> str:
    """Cache key of one file's intake: path and content hash, plus the source's declaration,
    its suite and the intake code. Never the data itself."""
    spec = settings.registry[source]
    suite = EXPECTATIONS_DIR / f"{spec.suite}.json"
    parts = [
        source,
        relative_raw_path(raw_path, settings),
        sha256,
        str(settings.staging_dir),
        repr(spec),
        # A raised limit must re-read a file it rejected.
        repr(settings.limits),
        hashlib.sha256(suite.read_bytes()).hexdigest() if suite.exists() else "no-suite",
        code_digest(INTAKE_CODE),
        __version__,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def build_key(files: list[FileIntake], excluded: list[str], settings: Settings) -> str:
    """Key of a build: what was read (and whether it was used) plus everything that turns it
    into marts. Equal keys give the same marts, so the published file can stay as it is."""
    digest = hashlib.sha256()
    for item in sorted(files, key=lambda entry: (entry.source, entry.raw_path)):
        used = "accepted" if item.accepted else "rejected"
        line = f"{item.source}\x1f{relative_raw_path(item.raw_path, settings)}\x1f{item.sha256}"
        digest.update(f"{line}\x1f{used}\n".encode())
    digest.update(f"excluded={sorted(excluded)}\n".encode())
    digest.update(f"min_records={settings.min_records}\n".encode())
    digest.update(settings.sources_file.read_bytes())
    models = [*SQL_DIR.rglob("*.sql"), *EXPECTATIONS_DIR.glob("*.json")]
    digest.update(_digest_files(models).encode())
    digest.update(code_digest(BUILD_CODE).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()


def _cache_path(settings: Settings, source: str, raw_path: Path, sha256: str) -> Path:
    return settings.staging_dir / source / f"{raw_path.name}.{sha256[:16]}{CACHE_SUFFIX}"


def cached_intake(
    source: str, raw_path: Path, sha256: str, settings: Settings
) -> FileIntake | None:
    """The stored intake of this exact file, when it still holds: same key, and its staged
    batch still on disk when it was accepted."""
    path = _cache_path(settings, source, raw_path, sha256)
    try:
        with path.open("rb") as handle:
            key, intake = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None
    if key != intake_key(source, raw_path, sha256, settings) or not isinstance(intake, FileIntake):
        return None
    if not still_usable(intake):
        return None
    intake.raw_path = str(raw_path)
    return intake


def still_usable(intake: FileIntake) -> bool:
    """A stored intake can stand in for a new one while its staged batch is on disk (a
    rejection needs none)."""
    return not intake.accepted or bool(intake.staged and Path(intake.staged.staging_path).exists())


def store_intake(intake: FileIntake, settings: Settings) -> None:
    """Keep an intake for the next refresh; older entries for the same raw file go."""
    raw_path = Path(intake.raw_path)
    path = _cache_path(settings, intake.source, raw_path, intake.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        key = intake_key(intake.source, raw_path, intake.sha256, settings)
        pickle.dump((key, intake), handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)
    for older in path.parent.glob(f"{glob.escape(raw_path.name)}.*{CACHE_SUFFIX}"):
        if older != path:
            older.unlink(missing_ok=True)


def take_in_incremental(
    source: str, raw_path: Path, sha256: str, settings: Settings, run_id: str, full: bool
) -> FileIntake:
    """Reuse an unchanged file's intake; stage and validate it otherwise (always with
    `full`)."""
    if not full and not unsafe_reason(raw_path, settings):
        reused = cached_intake(source, raw_path, sha256, settings)
        if reused is not None:
            return reused
    intake = take_in(source, raw_path, settings, sha256=sha256, run_id=run_id)
    store_intake(intake, settings)
    return intake
