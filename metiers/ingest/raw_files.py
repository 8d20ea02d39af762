"""Ingest: find every raw file of every declared source and write its typed staging Parquet."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path

from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.timing import timed_stage
from metiers.ingest.sources import StagedFile, stage_file
from metiers.ingest.sources.base import sha256_of


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


# Characters a glob reader (polars, DuckDB's read_parquet) would expand: a raw file's name
# holding one could read other files than itself.
GLOB_CHARACTERS = frozenset("*?[]{}")
# What a staging or report file name keeps of a raw name; everything else becomes "_".
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
SAFE_NAME_LENGTH = 100


def _is_control(char: str) -> bool:
    """C0 and C1 controls and DEL (category Cc), and the surrogates Python uses for bytes that
    are not UTF-8 (category Cs): none belongs in a file name shown to people."""
    return unicodedata.category(char) in ("Cc", "Cs")


def printable(text: str) -> str:
    """`text` with its control characters escaped (`\\n`, `\\x1b`, `\\udcff`), so a message or a
    JSON report naming a hostile file stays on one line and encodes as UTF-8. Names of files
    that are read never hold any, so for them this is the name itself."""
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if _is_control(char)
        else char
        for char in text
    )


def name_reason(name: str) -> str | None:
    """Why a raw file's name must not be read: it holds '..', a control character, bytes
    that are not UTF-8, or a glob character; None when the name is fine."""
    if ".." in name:
        return "file name without '..'"
    controls = [char for char in name if unicodedata.category(char) == "Cc"]
    if controls:
        shown = ", ".join(printable(char) for char in dict.fromkeys(controls))
        return f"file name without control characters (it holds {shown})"
    if any(unicodedata.category(char) == "Cs" for char in name):
        return "file name in UTF-8 (it holds bytes that are not UTF-8)"
    globbing = [char for char in name if char in GLOB_CHARACTERS]
    if globbing:
        shown = " ".join(dict.fromkeys(globbing))
        return f"file name without glob characters * ? [ ] {{ }} (it holds {shown})"
    return None


def entry_reason(path: Path, settings: Settings) -> str | None:
    """Why a raw entry cannot be read as a regular file of the raw folder: a link out of it,
    a dangling link, a link loop, a FIFO or device (never opened: a FIFO blocks), or a file
    we may not read; None when it is a readable regular file inside the raw folder.

    Only metadata is looked at, so this is safe to ask of anything a pattern matched."""
    # realpath does not raise on a loop (Path.resolve does, on Python 3.11).
    if not Path(os.path.realpath(path)).is_relative_to(settings.raw_dir):
        return "file lies inside the raw folder (no link pointing out of it)"
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"link target exists (link target missing: it points to {_link_target(path)})"
        return "file exists (it went away while the refresh ran)"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "link resolves to a file (link loop: following it never reaches a file)"
        return f"readable file ({error.strerror or error})"
    if not stat.S_ISREG(info.st_mode):
        return f"regular file (not a regular file: a {_kind(info.st_mode)}, never opened)"
    if not os.access(path, os.R_OK):
        return "readable file (permission denied)"
    return None


def _link_target(path: Path) -> str:
    try:
        return repr(printable(os.readlink(path)))
    except OSError:
        return "nowhere"


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: "FIFO (named pipe)",
        stat.S_ISSOCK: "socket",
        stat.S_ISCHR: "character device",
        stat.S_ISBLK: "block device",
        stat.S_ISDIR: "directory",
    }
    return next((kind for test, kind in kinds.items() if test(mode)), "special file")


def unsafe_reason(path: Path, settings: Settings) -> str | None:
    """Why a raw path must not be read (`name_reason`, then `entry_reason`); None when it is
    safe. A name is judged before the entry, so a hostile name is never even opened."""
    return name_reason(path.name) or entry_reason(path, settings)


def safe_file_name(name: str) -> str:
    """A name that no glob reader expands and that any file system and terminal take: `name`
    when it is already made of `A-Z a-z 0-9 . _ -` (and short), else those characters kept,
    the others replaced by '_', plus a digest of the original name so that two raw names
    never share a staging batch or a report."""
    safe = SAFE_NAME.sub("_", name)
    if safe == name and len(name) <= SAFE_NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe[:SAFE_NAME_LENGTH]}-{digest}"


def staging_path_for(settings: Settings, source: str, raw_path: Path, sha256: str) -> Path:
    """Named by content hash: two raw folders sharing a staging folder never overwrite each
    other's batches, and an unchanged file maps to the same batch. The raw name is made safe
    (`safe_file_name`): DuckDB's read_parquet expands `*`, `?` and `[` in the paths it gets."""
    return settings.staging_dir / source / f"{safe_file_name(raw_path.name)}.{sha256[:16]}.parquet"


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
    # Batches of earlier versions of the same raw file are superseded; matched exactly, so
    # that `a.csv` never takes `a.csv.csv`'s batch with it.
    earlier = re.compile(re.escape(safe_file_name(raw_path.name)) + r"\.[0-9a-f]{16}\.parquet")
    for older in out_path.parent.iterdir():
        if older != out_path and earlier.fullmatch(older.name):
            older.unlink(missing_ok=True)
    return staged


def relative_raw_path(raw_path: str | Path, settings: Settings) -> str:
    """How messages, reports and the marts name a raw file: its path in the raw folder, with
    control characters escaped (`printable`)."""
    path = Path(raw_path)
    try:
        return printable(path.relative_to(settings.raw_dir).as_posix())
    except ValueError:
        return printable(str(path))
