"""Publish: stamp the validated build file, and swap a released version in with one atomic
rename (which version, and when, is metiers.publish.release's decision).

Readers that opened the previous file keep reading it until they reconnect; new readers get
the new one whole. Publication is all or nothing: every version is copied into history/ (a
separate, read-only file, never a hard link to the live one) BEFORE it goes live, so a failure
there publishes nothing; the copy waits as `.metiers-<version>.duckdb.pending` and takes its
name once the version is live, so history never lists a version that was not. After the swap
nothing can turn the run into "failed".
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from metiers import __version__
from metiers.build.marts import record_validation
from metiers.core.config import STORAGE_COMPATIBILITY_VERSION, Settings
from metiers.core.errors import RefreshLocked, UsageError
from metiers.core.faults import checkpoint
from metiers.core.source_registry import load_change_threshold
from metiers.publish.changes import record_changes
from metiers.publish.runs import RunRecord, read_runs, runs_table_rows
from metiers.validate.intake import Intake
from metiers.validate.suites import ValidationOutcome

LOCK_NAME = ".refresh.lock"
HISTORY_MODE = 0o444  # history is immutable: read-only copies
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    version: str
    path: str
    published_at: str
    reference_year: int | None
    run_id: str = ""
    excluded_sources: list[str] = field(default_factory=list)
    flagged_changes: int = 0
    # What was wrong with the files of the sources left out, in words, with their reports.
    rejected: list[str] = field(default_factory=list)
    # published: a new version released to readers; candidate: a new version waiting for a
    # release decision (see metiers.publish.release); unchanged: no input changed.
    status: str = "published"
    # The candidate's release policy said it needs a decision (waiting) or not.
    needs_decision: bool = False


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


def inputs_digest(intake: Intake) -> str:
    """A short digest of every input file's path and hash."""
    digest = hashlib.sha256()
    for item in sorted(intake.files, key=lambda entry: entry.raw_path):
        digest.update(f"{item.raw_path}:{item.sha256}\n".encode())
    return digest.hexdigest()[:8]


def version_for(intake: Intake, at: datetime) -> str:
    """UTC time of the build plus the digest of the inputs."""
    return f"{at.strftime('%Y%m%dT%H%M%SZ')}-{inputs_digest(intake)}"


def published_version(path: Path) -> str | None:
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            rows = connection.execute("SELECT version FROM meta_publication").fetchall()
            return rows[0][0] if rows else None
    except duckdb.Error:
        return None


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def history_path(settings: Settings, version: str) -> Path:
    return settings.history_dir / f"metiers-{version}.duckdb"


def history_files(settings: Settings) -> list[Path]:
    """The kept versions' files; versions start with their UTC time, so name order is
    publication order."""
    if not settings.history_dir.is_dir():
        return []
    return sorted(settings.history_dir.glob("metiers-*.duckdb"))


def _copy_read_only(source: Path, target: Path) -> None:
    """A separate, synced, read-only copy of `source` at `target`, whole or not at all. A copy,
    never a hard link: whoever opens one read-write cannot change the other."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(source, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.chmod(HISTORY_MODE)
        os.replace(partial, target)
        _fsync_directory(target.parent)
    finally:
        partial.unlink(missing_ok=True)


def _pending_path(target: Path) -> Path:
    """Where a version's history copy waits for its swap: hidden from `history_files`, so a
    version that never went live (a run killed before its swap) is never listed."""
    return target.with_name(f".{target.name}.pending")


def _promote(pending: Path, target: Path) -> None:
    os.replace(pending, target)
    _fsync_directory(target.parent)


def _discard(path: Path) -> None:
    """Remove a file of a publication that failed; a failure to do so must not hide why."""
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove %s: %s", path, error)


def _keep_current_in_history(settings: Settings) -> None:
    """The published file, if it is not in history yet (a file published before history
    existed, or a run killed between its swap and naming its copy), so the version being
    replaced can be rolled back to. Clears what killed runs left in history/ (we hold the
    lock): half-made copies, and copies of versions that never went live."""
    path = settings.published_path
    for leftover in settings.history_dir.glob(".*.partial"):
        leftover.unlink(missing_ok=True)
    if path.exists():
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        version = published_version(path) or modified.strftime("%Y%m%dT%H%M%SZ")
        target = history_path(settings, version)
        if not target.exists():
            if _pending_path(target).is_file():
                _promote(_pending_path(target), target)  # whole: it was synced before its swap
            else:
                _copy_read_only(path, target)
    for leftover in settings.history_dir.glob(".*.pending"):
        leftover.unlink(missing_ok=True)


def _prune_history(settings: Settings) -> None:
    """Keep the newest `history_keep` versions. Best effort: once a version is live, failing
    to tidy history must not fail the run."""
    try:
        versions = history_files(settings)
        for old in versions[: max(0, len(versions) - settings.history_keep)]:
            old.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not prune old versions in %s: %s", settings.history_dir, error)


def swap_in(new_file: Path, settings: Settings) -> None:
    """Atomically make `new_file` the published file; readers see the old or the new, whole."""
    with new_file.open("rb") as handle:
        os.fsync(handle.fileno())
    checkpoint("publication")
    os.replace(new_file, settings.published_path)
    _fsync_directory(settings.marts_dir)


def unchanged_publication(settings: Settings, key: str, run_id: str) -> Publication | None:
    """The published version when it was built from exactly these inputs and rules (same
    build key); None when a build is needed."""
    if not settings.published_path.exists():
        return None
    try:
        with duckdb.connect(str(settings.published_path), read_only=True) as connection:
            rows = connection.execute(
                "SELECT version, published_at, reference_year, excluded_sources, build_key "
                "FROM meta_publication"
            ).fetchall()
    except duckdb.Error:
        return None  # unreadable, or written before build keys existed: rebuild
    if not rows or rows[0][4] != key:
        return None
    version, published_at, reference_year, excluded, _ = rows[0]
    return Publication(
        version=version,
        path=str(settings.published_path),
        published_at=published_at.isoformat(),
        reference_year=reference_year,
        run_id=run_id,
        excluded_sources=list(excluded or []),
        status="unchanged",
    )


def _record_runs(
    connection: duckdb.DuckDBPyConnection, settings: Settings, run: RunRecord | None
) -> None:
    """meta_runs: the run log so far plus this run, as it publishes."""
    runs = read_runs(settings)
    if run is not None:
        snapshot = RunRecord(**{**run.as_dict(), "inputs": list(run.inputs)})
        snapshot.finish("published", run.version)
        runs.append(snapshot.as_dict())
    rows = runs_table_rows(runs)
    if rows:
        frame = pl.DataFrame(rows, infer_schema_length=None).to_arrow()  # noqa: F841
        connection.execute("INSERT INTO meta_runs BY NAME SELECT * FROM frame")


@dataclass(frozen=True)
class Stamp:
    """What stamping a build file gave it: its version, and its changes against the version
    readers see."""

    version: str
    at: datetime
    reference_year: int | None
    flagged_changes: int


def stamp(
    build_path: Path,
    intake: Intake,
    mart_outcomes: list[ValidationOutcome],
    settings: Settings,
    run_id: str,
    run: RunRecord | None = None,
    key: str = "",
) -> Stamp:
    """Write the build file's version, validation results, run log and changes against the
    released file (figure_changes). `key` (see metiers.validate.intake_cache.build_key) lets
    the next refresh see nothing changed."""
    at = datetime.now(UTC)
    version = version_for(intake, at)
    if run is not None:
        run.version = version
    with duckdb.connect(str(build_path)) as connection:
        record_validation(connection, mart_outcomes, stage="mart")
        _record_runs(connection, settings, run)
        flagged = record_changes(
            connection, settings.published_path, load_change_threshold(settings.sources_file)
        )
        reference_year = connection.execute(
            "SELECT max(reference_year) FROM metier_figures"
        ).fetchall()[0][0]
        connection.execute(
            "INSERT INTO meta_publication VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                inputs_digest(intake),
                key,
            ],
        )
        connection.execute("CHECKPOINT")
    return Stamp(version, at, reference_year, flagged)


def go_live(path: Path, version: str, settings: Settings) -> None:
    """Make the stamped file `path` the released one: its read-only copy into history first
    (a failure there releases nothing and removes `path`), then one atomic rename. The
    caller holds the refresh lock."""
    kept = history_path(settings, version)
    pending = _pending_path(kept)
    # A version released again (a rollback) keeps its history entry exactly as it was.
    already_kept = kept.is_file()
    try:
        _keep_current_in_history(settings)
        if not already_kept:
            _copy_read_only(path, pending)
    except OSError as error:
        _discard(path)
        _discard(pending)
        raise UsageError(
            f"could not keep version {version} in {settings.history_dir}: {error}; nothing "
            f"was published ({settings.published_path} is unchanged)"
        ) from error
    try:
        swap_in(path, settings)
    except Exception as error:
        if path.exists():  # never renamed: the previous version is still the live one
            _discard(pending)
            _discard(path)
            raise
        # Renamed: the new version is live; only syncing the folder failed.
        log.warning(
            "version %s is published, but syncing %s failed: %s", version, settings.marts_dir, error
        )
    # Live from here on: nothing below may fail the run.
    try:
        if not already_kept:
            _promote(pending, kept)
    except OSError as error:
        # Its copy stays as .pending; the next publication names it before replacing it.
        log.warning("version %s is published; naming its history copy failed: %s", version, error)
    _prune_history(settings)


def rejected_files(intake: Intake) -> list[str]:
    """What was wrong with the files of the sources left out, in words, with their reports."""
    return [
        f"{problem.describe()} (report: {item.report})"
        for item in intake.files
        if not item.accepted
        for problem in item.problems
    ]


def history(settings: Settings) -> list[dict]:
    """Published versions kept under history/, newest first, with their run and inputs."""
    current = (
        published_version(settings.published_path) if settings.published_path.exists() else None
    )
    rows = []
    for path in sorted(settings.history_dir.glob("metiers-*.duckdb"), reverse=True):
        try:
            with duckdb.connect(str(path), read_only=True) as connection:
                meta = connection.sql("SELECT * FROM meta_publication").pl().to_dicts()
                files = connection.execute(
                    "SELECT count(*), count(*) FILTER (WHERE status <> 'validated') "
                    "FROM meta_sources"
                ).fetchall()[0]
        except duckdb.Error as error:
            rows.append({"version": path.stem.removeprefix("metiers-"), "error": str(error)})
            continue
        info = meta[0] if meta else {}
        rows.append(
            {
                "version": info.get("version", path.stem.removeprefix("metiers-")),
                "current": info.get("version") == current,
                "run_id": info.get("run_id"),
                "published_at": str(info.get("published_at")),
                "reference_year": info.get("reference_year"),
                "inputs_digest": info.get("inputs_digest"),
                "input_files": files[0],
                "files_not_used": files[1],
                "excluded_sources": info.get("excluded_sources") or [],
                "path": str(path),
            }
        )
    return rows


def check_mart_file(
    path: Path, version: str, named: Path, action: str = "rolled back", kind: str = "history file"
) -> None:
    """Refuse a file that is not a whole, readable mart of `version`: it opens read-only,
    its meta_publication names `version`, it has metier_figures, and every table reads to
    its last row (DuckDB checks each block it reads). `named` is the file to name in the
    error (the history entry a copy was made from)."""
    try:
        with duckdb.connect(str(path), read_only=True) as connection:
            versions = connection.execute("SELECT version FROM meta_publication").fetchall()
            tables = connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
            found = [row[0] for row in versions]
            tables = [row[0] for row in tables]
            for table in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                connection.execute(f"SELECT count(*), sum(hash(t)) FROM {quoted} AS t").fetchall()
    except duckdb.Error as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"{kind} {named} is not a readable mart ({reason}); nothing was {action}"
        ) from None
    if found != [version]:
        raise UsageError(
            f"{kind} {named} holds version {', '.join(map(str, found)) or 'none'}, "
            f"not {version}; nothing was {action}"
        )
    if "metier_figures" not in tables:
        raise UsageError(f"{kind} {named} has no metier_figures table; nothing was {action}")
