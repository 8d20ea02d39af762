"""Checks a raw file must pass before an adapter reads it: bounded work for any input.

The readers behind the adapters (polars, fastexcel/calamine) trust what a file says: they
decompress a gzip stream whole, build a column per header field, allocate the rectangle a
workbook's last cell spans. A hostile or broken file then costs gigabytes or hours, or aborts
the process, while the refresh holds its lock. Every check here reads a bounded amount at a
time, stops at the first breach, and raises `DataRejected` naming the file, the limit (its
name under `[limits]` in sources.toml and its value) and what was found, so the file is
quarantined like any other rejection.

- Text (CSV, TSV, TXT): the first bytes must not be an archive's magic (gzip, zip, ...)
  unless the source declares `compression`; the header, read with a bounded `readline`,
  holds at most `max_columns` fields; then one pass over the bytes, in windows no larger
  than the line and cell limits, so that only runs crossing a window's edge need tracking,
  checks `max_line_bytes` and `max_rows` at C speed (`bytes.count`, `find`); a line longer
  than `max_cell_bytes` is read again, cell by cell.
- Parquet: rows and columns from the file's metadata (pyarrow), nothing else read.
- XLSX: every archive member's declared size and their total against
  `max_decompressed_bytes`; then every XML member is stream-parsed (expat, in bounded
  chunks, the bytes read counted against the same limit) for the sheet's
  `<dimension ref=...>` and the largest actual cell reference, since calamine allocates the
  rectangle from A1 to the last cell; for the number of cells and shared strings, and the
  number a shared strings table declares (calamine reserves it); and for the text of any
  one element (`max_cell_bytes`).
- gzip, in a file named `*.gz` or where a source declares `compression = "gzip"`:
  decompressed in a stream to a temporary file beside the staging batch,
  `max_decompressed_bytes` enforced while reading.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import polars as pl

from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources.base import process_alive

DEFAULT_LIMITS = Limits()
# Magic bytes of compressed or archived data where text is expected; polars itself would
# decompress the gzip, zlib and zstd ones whole in memory.
ARCHIVE_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"x\x01", "zlib"),
    (b"x^", "zlib"),
    (b"x\x9c", "zlib"),
    (b"x\xda", "zlib"),
)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls: no archive to look into
# Bytes that end a cell in any dialect the adapters read: separators, quote, line breaks.
CELL_BREAKS = b',;|\t"\r\n'
SNIFFED_SEPARATORS = (",", ";", "|", "\t")
WINDOW_CAP = 1 << 20
READ_CHUNK = 1 << 20
GUNZIP_PREFIX = ".gunzip-"
CELL_REFERENCE = re.compile(r"^\$?([A-Za-z]+)\$?([0-9]+)$")
# "BZh", the block size, then a block's or the end's magic: a header named BZh... is text.
BZIP2_MAGIC = re.compile(rb"^BZh[1-9](?:1AY&SY|\x17rE8P\x90)")


def limit_breach(
    path: Path, limits: Limits, name: str, found: str, rows: list[int] | None = None
) -> DataRejected:
    """The rejection of a file past a limit: which limit, its value, what the file holds."""
    value = getattr(limits, name)
    rule = f"limits.{name} = {value} ([limits] in sources.toml): {found}"
    return DataRejected([DataProblem(file=str(path), rule=rule, rows=rows or [])], stage="ingest")


def _unreadable(path: Path, rule: str) -> DataRejected:
    return DataRejected([DataProblem(file=str(path), rule=rule)], stage="ingest")


# -- text --------------------------------------------------------------------------------


def archive_kind(head: bytes) -> str | None:
    """The kind of compressed or archived data `head` starts with, None for anything else."""
    for magic, kind in ARCHIVE_MAGIC:
        if head.startswith(magic):
            return kind
    return "bzip2" if BZIP2_MAGIC.match(head) else None


def check_text_file(path: Path, limits: Limits | None = None, separator: str | None = None) -> None:
    """A text file a reader may parse: no archive magic, a bounded header, bounded lines,
    cells and rows. `separator` is the declared one (None or "auto": any usual one)."""
    limits = limits or DEFAULT_LIMITS
    with path.open("rb") as handle:
        header = handle.readline(limits.max_line_bytes + 1)
    kind = archive_kind(header[:10])
    if kind:
        raise _unreadable(
            path,
            f"plain text, not {kind}-compressed data (its first bytes are the {kind} "
            f"magic {header[:4].hex(' ')}); a source whose files are gzip declares "
            f'compression = "gzip" in its options',
        )
    columns = header_columns(header, separator)
    if columns > limits.max_columns:
        whole = header.endswith(b"\n") or len(header) <= limits.max_line_bytes
        found = (
            f"the header has {columns} columns"
            if whole
            else f"the header has at least {columns} columns in its first {len(header)} bytes"
        )
        raise limit_breach(path, limits, "max_columns", found, rows=[1])
    scan_text(path, limits, separator)


def header_columns(header: bytes, separator: str | None) -> int:
    """Fields of a header line: split by the declared separator, else by the usual one that
    splits it most (quoted separators count too: an upper bound, which is what a limit
    needs)."""
    if separator and separator not in ("auto",) and len(separator) == 1:
        candidates: Iterable[str] = (separator,)
    else:
        candidates = SNIFFED_SEPARATORS
    return 1 + max(header.count(mark.encode("utf-8")) for mark in candidates)


@dataclass
class _Run:
    """Length of the current run of bytes without a break, carried across windows."""

    length: int = 0


def scan_text(path: Path, limits: Limits | None = None, separator: str | None = None) -> int:
    """One pass over the file: every line within `max_line_bytes`, every cell within
    `max_cell_bytes`, at most `max_rows` lines under the header. Returns the line count.

    The file is read in windows no longer than either limit, so a line longer than a limit
    cannot sit inside one window: only the runs touching a window's edges are carried over,
    and each window costs a few C-speed calls. A cell lies inside a line, so only a line
    longer than `max_cell_bytes` (none in real data) is read again, cell by cell.
    """
    limits = limits or DEFAULT_LIMITS
    breaks = CELL_BREAKS
    if separator and len(separator) == 1 and separator.encode("utf-8") not in breaks:
        breaks += separator.encode("utf-8")
    window = max(1, min(limits.max_line_bytes, limits.max_cell_bytes, WINDOW_CAP))
    line = _Run()
    lines = 0  # line breaks before the current window
    offset = 0  # bytes before the current window
    line_start = 0  # where the current line starts
    looked_at = -1  # the start of the last long line read cell by cell
    with path.open("rb") as handle:
        while chunk := handle.read(window):
            longest = _edge_run(chunk, b"\n", line)
            if longest > limits.max_line_bytes:
                found = f"line {lines + 1} is longer than {limits.max_line_bytes} bytes"
                raise limit_breach(path, limits, "max_line_bytes", found, rows=[lines + 1])
            if longest > limits.max_cell_bytes and looked_at != line_start:
                looked_at = line_start
                if _has_long_cell(path, line_start, breaks, limits):
                    found = (
                        f"a cell on line {lines + 1} is longer than {limits.max_cell_bytes} bytes"
                    )
                    raise limit_breach(path, limits, "max_cell_bytes", found, rows=[lines + 1])
            newlines = chunk.count(b"\n")
            if newlines:
                line_start = offset + chunk.rfind(b"\n") + 1
            lines += newlines
            offset += len(chunk)
            # Lines under the header; a last line without a line break counts too.
            if lines - 1 > limits.max_rows:
                found = f"more than {limits.max_rows} lines under the header"
                raise limit_breach(path, limits, "max_rows", found)
    if line.length:
        lines += 1
        if lines - 1 > limits.max_rows:
            found = f"more than {limits.max_rows} lines under the header"
            raise limit_breach(path, limits, "max_rows", found)
    return lines


def _edge_run(chunk: bytes, mark: bytes, run: _Run) -> int:
    """Carry `run` through `chunk`; the length of the run touching the chunk's start (closed
    at the first mark, or still open when the chunk holds none).

    A run that starts and ends inside the chunk is shorter than the chunk, and the chunk is
    no longer than any limit: only runs crossing the chunk's edges can break one."""
    first = chunk.find(mark)
    if first < 0:
        run.length += len(chunk)
        return run.length
    closed = run.length + first
    run.length = len(chunk) - chunk.rfind(mark) - 1
    return closed


def _has_long_cell(path: Path, start: int, breaks: bytes, limits: Limits) -> bool:
    """Whether the line starting at byte `start` holds a run of more than `max_cell_bytes`
    bytes without a separator, quote or line break (read up to `max_line_bytes`)."""
    to_newline = bytes.maketrans(breaks, b"\n" * len(breaks))
    window = max(1, min(limits.max_cell_bytes, WINDOW_CAP))
    cell = _Run()
    read = 0
    with path.open("rb") as handle:
        handle.seek(start)
        while read <= limits.max_line_bytes and (chunk := handle.read(window)):
            read += len(chunk)
            end = chunk.find(b"\n")
            if end >= 0:
                chunk = chunk[:end]
            if _edge_run(chunk.translate(to_newline), b"\n", cell) > limits.max_cell_bytes:
                return True
            if end >= 0:
                return False
    return False


def check_cells(frame: pl.DataFrame, path: Path, limits: Limits | None = None) -> None:
    """No text cell of a parsed frame longer than `max_cell_bytes`: for readers whose quoted
    cells may span lines (ESCO's lists), which the byte pass sees line by line."""
    limits = limits or DEFAULT_LIMITS
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts or frame.is_empty():
        return
    longest = frame.select(pl.max_horizontal(pl.col(texts).str.len_bytes().max())).item()
    if longest is not None and longest > limits.max_cell_bytes:
        raise limit_breach(path, limits, "max_cell_bytes", f"a cell of {longest} bytes")


# -- Parquet -----------------------------------------------------------------------------


def check_parquet_file(path: Path, limits: Limits | None = None) -> None:
    """Rows and columns as the file's metadata gives them, before any data is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    limits = limits or DEFAULT_LIMITS
    try:
        metadata = pq.read_metadata(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        raise _unreadable(path, f"unreadable as Parquet ({error})") from error
    if metadata.num_columns > limits.max_columns:
        found = f"the file has {metadata.num_columns} columns"
        raise limit_breach(path, limits, "max_columns", found)
    if metadata.num_rows > limits.max_rows:
        raise limit_breach(path, limits, "max_rows", f"the file has {metadata.num_rows} rows")


# -- XLSX --------------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """`A` -> 1, `Z` -> 26, `AA` -> 27, `XFD` -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def check_xlsx_file(path: Path, limits: Limits | None = None) -> None:
    """Declared sizes of the archive, then every XML member streamed for the sheet extent
    and the longest text, before fastexcel (calamine) allocates anything."""
    limits = limits or DEFAULT_LIMITS
    with path.open("rb") as handle:
        head = handle.read(len(OLE2_MAGIC))
    if head == OLE2_MAGIC:
        # A legacy .xls is no archive: only the reader can size it.
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise _unreadable(
            path, f"unreadable as an XLSX workbook (not a zip archive: {error})"
        ) from error
    with archive:
        members = archive.infolist()
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > limits.max_decompressed_bytes:
                found = f"archive member {member.filename} expands to {member.file_size} bytes"
                raise limit_breach(path, limits, "max_decompressed_bytes", found)
        if total > limits.max_decompressed_bytes:
            found = f"the archive's members expand to {total} bytes"
            raise limit_breach(path, limits, "max_decompressed_bytes", found)
        budget = _Budget(limits.max_decompressed_bytes)
        for member in members:
            if member.filename.lower().endswith(".xml"):
                _scan_xml_member(archive, member, path, limits, budget)


@dataclass
class _Budget:
    """Decompressed bytes still allowed, shared by every member read."""

    left: int


class _Stop(Exception):
    """Raised inside an expat handler to end the parse with a rejection."""

    def __init__(self, rejection: DataRejected) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


@dataclass
class _SheetExtent:
    """Where the parse is in a sheet, and the furthest cell met."""

    row: int = 0
    column: int = 0
    last_row: int = 0
    last_column: int = 0
    text: int = 0
    # Cells and shared strings met: calamine keeps each one, repeated references included.
    items: int = 0


def _scan_xml_member(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    path: Path,
    limits: Limits,
    budget: _Budget,
) -> None:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    extent = _SheetExtent()
    where = member.filename

    def stop(name: str, found: str) -> _Stop:
        return _Stop(limit_breach(path, limits, name, f"{where}: {found}"))

    def check_extent(rows: int, columns: int, what: str) -> None:
        if rows > limits.max_sheet_rows:
            raise stop("max_sheet_rows", f"{what} reaches row {rows}")
        if columns > limits.max_sheet_columns:
            raise stop("max_sheet_columns", f"{what} reaches column {columns}")
        if rows * columns > limits.max_sheet_cells:
            raise stop(
                "max_sheet_cells",
                f"{what} makes the sheet span A1:{_reference(rows, columns)}, "
                f"{rows * columns} cells",
            )
        if rows - 1 > limits.max_rows:
            raise stop("max_rows", f"{what} reaches row {rows}")

    def start(tag: str, attributes: dict[str, str]) -> None:
        extent.text = 0
        local = tag.rpartition(":")[2]
        if local in ("c", "si"):
            extent.items += 1
            if extent.items > limits.max_sheet_cells:
                raise stop("max_sheet_cells", f"more than {limits.max_sheet_cells} <{local}> items")
        if local == "row":
            given = attributes.get("r")
            extent.row = int(given) if given and given.isdigit() else extent.row + 1
            extent.column = 0
        elif local == "c":
            reference = attributes.get("r")
            if reference:
                row, column = _parse_reference(reference, path, where)
                extent.row, extent.column = row, column
            else:
                extent.column += 1
                row, column = max(extent.row, 1), extent.column
            if row > extent.last_row or column > extent.last_column:
                extent.last_row = max(extent.last_row, row)
                extent.last_column = max(extent.last_column, column)
                check_extent(
                    extent.last_row, extent.last_column, f"a cell at {_reference(row, column)}"
                )
        elif local == "dimension":
            declared = attributes.get("ref", "")
            end = declared.rpartition(":")[2]
            if end:
                row, column = _parse_reference(end, path, where)
                check_extent(row, column, f"the declared dimension {declared}")
        elif local == "sst":
            # calamine reserves room for the declared number of shared strings up front.
            for name in ("uniqueCount", "count"):
                declared = attributes.get(name, "")
                if declared.isdigit() and int(declared) > limits.max_sheet_cells:
                    raise stop("max_sheet_cells", f"{name}={declared} shared strings declared")

    def end(_tag: str) -> None:
        extent.text = 0

    def text(data: str) -> None:
        extent.text += len(data.encode("utf-8"))
        if extent.text > limits.max_cell_bytes:
            raise stop("max_cell_bytes", f"a text of more than {limits.max_cell_bytes} bytes")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(READ_CHUNK):
                budget.left -= len(chunk)
                if budget.left < 0:
                    raise stop(
                        "max_decompressed_bytes",
                        "expands to more than its archive declares",
                    )
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop as stopped:
        raise stopped.rejection from None
    except expat.ExpatError as error:
        raise _unreadable(
            path, f"unreadable as an XLSX workbook ({where} is not well-formed XML: {error})"
        ) from error
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
    ) as error:
        raise _unreadable(
            path, f"unreadable as an XLSX workbook ({where} cannot be decompressed: {error})"
        ) from error


def _parse_reference(reference: str, path: Path, where: str) -> tuple[int, int]:
    match = CELL_REFERENCE.match(reference.strip())
    if not match:
        raise _Stop(
            _unreadable(
                path,
                f"unreadable as an XLSX workbook ({where}: cell reference {reference[:40]!r} "
                "is not of the form A1)",
            )
        )
    return int(match.group(2)), column_number(match.group(1))


def _reference(row: int, column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return f"{letters}{row}"


# -- declared compression ----------------------------------------------------------------


@contextmanager
def readable_copy(
    path: Path, compression: str, work_dir: Path, limits: Limits | None = None
) -> Iterator[Path]:
    """The path an adapter should read: the raw file itself, or, for a file named `*.gz` or
    a gzip file of a source declaring `compression = "gzip"` (its options' `compression`),
    its content decompressed beside the staging batch (removed afterwards), never more than
    `max_decompressed_bytes` of it. A `*.gz` name that holds no gzip stream is rejected."""
    limits = limits or DEFAULT_LIMITS
    named_gzip = path.name.lower().endswith(".gz")
    if compression != "gzip" and not named_gzip:
        yield path
        return
    with path.open("rb") as handle:
        if handle.read(2) != b"\x1f\x8b" and not named_gzip:
            yield path  # a plain file of a gzip source: read as it is
            return
    work_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_gunzips(work_dir)
    folder = work_dir / f"{GUNZIP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    # The inner name keeps what adapters read from a name (suffix, ESCO language).
    inner = folder / (path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name)
    try:
        gunzip_bounded(path, inner, limits)
        yield inner
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def gunzip_bounded(source: Path, target: Path, limits: Limits | None = None) -> int:
    """Decompress `source` into `target` a chunk at a time, refusing beyond the limit."""
    limits = limits or DEFAULT_LIMITS
    written = 0
    try:
        with gzip.open(source, "rb") as stream, target.open("wb") as out:
            while chunk := stream.read(READ_CHUNK):
                written += len(chunk)
                if written > limits.max_decompressed_bytes:
                    raise limit_breach(
                        source,
                        limits,
                        "max_decompressed_bytes",
                        f"the gzip stream expands to more than {limits.max_decompressed_bytes} "
                        "bytes",
                    )
                out.write(chunk)
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise _unreadable(source, f"unreadable as gzip ({error})") from error
    return written


def remove_stale_gunzips(work_dir: Path) -> None:
    """Decompressed copies left by refreshes that died (their process is gone)."""
    for folder in work_dir.glob(f"{GUNZIP_PREFIX}*"):
        pid = folder.name[len(GUNZIP_PREFIX) :].partition("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
