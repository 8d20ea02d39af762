"""Ingest: find every raw file of every declared source and write its typed staging Parquet."""

from __future__ import annotations

import glob
from pathlib import Path

from metiers.config import Settings
from metiers.errors import DataProblem, DataRejected
from metiers.sources import StagedFile, stage_file
from metiers.sources.base import sha256_of


def discover(settings: Settings) -> dict[str, list[Path]]:
    """Raw files per source. A required source without files, or a file that resolves outside
    the raw folder (a link, a '..' name), is an error rather than a silent gap."""
    problems = []
    found: dict[str, list[Path]] = {}
    if not settings.raw_dir.is_dir():
        raise DataRejected(
            [DataProblem(file=str(settings.raw_dir), rule="raw folder exists")], stage="ingest"
        )
    raw_root = settings.raw_dir.resolve()
    for name, spec in settings.registry.items():
        files = []
        for path in spec.files(settings.raw_dir):
            if not path.resolve().is_relative_to(raw_root) or ".." in path.name:
                problems.append(DataProblem(file=str(path), rule="file lies inside the raw folder"))
                continue
            files.append(path)
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


def staging_path_for(settings: Settings, source: str, raw_path: Path, sha256: str) -> Path:
    """Named by content hash: two raw folders sharing a staging folder never overwrite each
    other's batches, and an unchanged file maps to the same batch."""
    return settings.staging_dir / source / f"{raw_path.name}.{sha256[:16]}.parquet"


def ingest_file(source: str, raw_path: Path, settings: Settings) -> StagedFile:
    """Stage one raw file; the raw file itself is only read."""
    spec = settings.registry[source]
    sha256 = sha256_of(raw_path)
    out_path = staging_path_for(settings, source, raw_path, sha256)
    staged = stage_file(raw_path, spec, out_path, sha256=sha256)
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
