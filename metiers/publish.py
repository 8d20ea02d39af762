"""Publish: stamp the validated build file and swap it in with one atomic rename.

Readers that opened the previous file keep reading it until they reconnect; new readers get
the new one whole. The previous version is kept under history/.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from metiers import __version__
from metiers.build import record_validation
from metiers.config import STORAGE_COMPATIBILITY_VERSION, Settings
from metiers.errors import RefreshLocked
from metiers.faults import checkpoint
from metiers.quarantine import Intake
from metiers.validate import ValidationOutcome

LOCK_NAME = ".refresh.lock"


@dataclass(frozen=True)
class Publication:
    version: str
    path: str
    published_at: str
    reference_year: int | None
    run_id: str = ""
    excluded_sources: list[str] = field(default_factory=list)


@contextlib.contextmanager
def refresh_lock(marts_dir: Path) -> Iterator[None]:
    """One refresh per marts folder at a time; a second one is refused with a clear message."""
    marts_dir.mkdir(parents=True, exist_ok=True)
    lock_path = marts_dir / LOCK_NAME
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RefreshLocked(
                f"another refresh is running on {marts_dir} (process {holder}); "
                "wait for it to finish, then run again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def version_for(intake: Intake, at: datetime) -> str:
    """UTC time of the build plus a digest of every input file's hash."""
    digest = hashlib.sha256()
    for item in sorted(intake.files, key=lambda entry: entry.raw_path):
        digest.update(f"{item.raw_path}:{item.sha256}\n".encode())
    return f"{at.strftime('%Y%m%dT%H%M%SZ')}-{digest.hexdigest()[:8]}"


def published_version(path: Path) -> str | None:
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            row = connection.execute("SELECT version FROM meta_publication").fetchone()
            return row[0] if row else None
    except duckdb.Error:
        return None


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _keep_history(settings: Settings) -> None:
    """Hard-link the current published file into history/ before it is replaced."""
    current = settings.published_path
    if not current.exists():
        return
    settings.history_dir.mkdir(parents=True, exist_ok=True)
    version = published_version(current) or datetime.fromtimestamp(
        current.stat().st_mtime, UTC
    ).strftime("%Y%m%dT%H%M%SZ")
    target = settings.history_dir / f"metiers-{version}.duckdb"
    if not target.exists():
        try:
            os.link(current, target)
        except OSError:
            import shutil

            shutil.copy2(current, target)
    versions = sorted(settings.history_dir.glob("metiers-*.duckdb"))
    for old in versions[: max(0, len(versions) - settings.history_keep)]:
        old.unlink(missing_ok=True)


def publish(
    build_path: Path,
    intake: Intake,
    mart_outcomes: list[ValidationOutcome],
    settings: Settings,
    run_id: str,
) -> Publication:
    """Stamp the build file with its version, then atomically replace the published file."""
    at = datetime.now(UTC)
    version = version_for(intake, at)
    with duckdb.connect(str(build_path)) as connection:
        record_validation(connection, mart_outcomes, stage="mart")
        reference_year = connection.execute(
            "SELECT max(reference_year) FROM metier_figures"
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO meta_publication VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                version,
                run_id,
                at,
                reference_year,
                settings.min_records,
                __version__,
                duckdb.__version__,
                STORAGE_COMPATIBILITY_VERSION,
                list(intake.excluded_sources),
                version_for(intake, at).split("-", 1)[1],
            ],
        )
        connection.execute("CHECKPOINT")
    with build_path.open("rb") as handle:
        os.fsync(handle.fileno())
    _keep_history(settings)
    checkpoint("publication")
    os.replace(build_path, settings.published_path)
    _fsync_directory(settings.marts_dir)
    return Publication(
        version=version,
        path=str(settings.published_path),
        published_at=at.isoformat(),
        reference_year=reference_year,
        run_id=run_id,
        excluded_sources=list(intake.excluded_sources),
    )
