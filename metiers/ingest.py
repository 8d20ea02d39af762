"""Ingest: find every raw file of every declared source and write its typed staging Parquet."""

from __future__ import annotations

import glob
from pathlib import Path

from metiers.config import Settings
from metiers.errors import DataProblem, DataRejected
from metiers.sources import StagedFile, stage_file
from metiers.sources.base import sha256_of
from metiers.timing import timed_stage


def discover(settings: Settings) -> dict[str, list[Path]]:
    """Raw files per source; a required source without files is an error, not a silent gap.

    Files that are not safe to read (see `unsafe_reason`) are listed too: intake rejects them
    with a report instead of reading them."""
    problems = []
    found: dict[str, list[Path]] = {}
    if not settings.raw_dir.is_dir():
        raise DataRejected(
            [DataProblem(file=str(settings.raw_dir), rule="raw folder exists")], stage="ingest"
        )
    for name, spec in settings.registry.items():
        files = spec.files(settings.raw_dir)
        if spec.required and not files:
            patterns = ", ".join(spec.patterns)
            problems.append(
                DataProblem(
                    file=str(settings.raw_dir / (spec.folder or name)),
                    rule=f"required source '{name}' has a file matching {patterns}",
                )
            )
        found[name] = files
    if problems:
        raise DataRejected(problems, stage="ingest")
    return found


def unsafe_reason(path: Path, settings: Settings) -> str | None:
    """Why a raw path must not be read: it resolves outside the raw folder (a link pointing
    elsewhere) or its name holds '..'; None when it is safe."""
    if ".." in path.name:
        return "file name without '..'"
    if not path.resolve().is_relative_to(settings.raw_dir.resolve()):
        return "file lies inside the raw folder (no link pointing out of it)"
    return None


def staging_path_for(settings: Settings, source: str, raw_path: Path, sha256: str) -> Path:
    """Named by content hash: two raw folders sharing a staging folder never overwrite each
    other's batches, and an unchanged file maps to the same batch."""
    return settings.staging_dir / source / f"{raw_path.name}.{sha256[:16]}.parquet"


@timed_stage("ingest")
def ingest_file(
    source: str, raw_path: Path, settings: Settings, sha256: str | None = None
) -> StagedFile:
    """Stage one raw file; the raw file itself is only read. Pass `sha256` when the caller
    has hashed the file already, so large files are not read twice for it."""
    spec = settings.registry[source]
    sha256 = sha256 or sha256_of(raw_path)
    out_path = staging_path_for(settings, source, raw_path, sha256)
    staged = stage_file(raw_path, spec, out_path, sha256=sha256, limits=settings.limits)
    # Batches of earlier versions of the same raw file are superseded.
    for older in out_path.parent.glob(f"{glob.escape(raw_path.name)}.*.parquet"):
        if older != out_path:
            older.unlink(missing_ok=True)
    return staged


def relative_raw_path(raw_path: str | Path, settings: Settings) -> str:
    path = Path(raw_path)
    try:
        return path.relative_to(settings.raw_dir).as_posix()
    except ValueError:
        return str(path)
