"""Which format a raw file of a table-reading adapter is in, and its content as the adapter
reads it: plain text, gzip-compressed text, or an XLSX sheet.

The `aggregate`, `eurostat` and `statbel` adapters accept:

- text (`.csv`, `.tsv`, `.txt`, ...): read as it is, after `check_text_file`;
- gzip-compressed text, named `*.gz` (`.csv.gz`, `.tsv.gz`, `.txt.gz`, Eurostat's bulk
  format): decompressed to a temporary copy through `gunzip_bounded`, so
  `max_decompressed_bytes` holds, whatever the source's `compression` says. Gzip bytes in a
  file whose name does not end in `.gz` still need `compression = "gzip"`;
- XLSX (`.xlsx`, `.xlsm`): checked by `check_xlsx_file` (declared sizes and the sheet's
  extent) before fastexcel reads one sheet as text, from cell A1, so row numbers are the
  sheet's rows.

Anything else a publisher may hand over (Excel 97-2003 `.xls`, OpenDocument `.ods`, zip,
7z, Parquet, ...) is refused with a message naming the format and what to do instead.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import fastexcel
import polars as pl

from metiers.core.errors import DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources.base import SOURCE_ROW, read_error
from metiers.ingest.sources.limits import OLE2_MAGIC, check_xlsx_file, gunzip_bounded

TEXT = "text"
GZIP = "gzip"
XLSX = "xlsx"

GZIP_SUFFIX = ".gz"
XLSX_SUFFIXES = (".xlsx", ".xlsm")
XLS_ADVICE = "Excel 97-2003 .xls is not supported: save it as .xlsx or .csv"
# Formats refused by name, with what to do instead.
UNSUPPORTED = {
    ".xls": XLS_ADVICE,
    ".ods": "an OpenDocument spreadsheet (.ods) is not supported: save it as .xlsx or .csv",
    ".zip": "a zip archive is not supported: extract the table (.csv, .tsv, .txt or .xlsx)",
    ".7z": "a 7z archive is not supported: extract the table (.csv, .tsv, .txt or .xlsx)",
    ".rar": "a rar archive is not supported: extract the table (.csv, .tsv, .txt or .xlsx)",
    ".bz2": "bzip2 compression is not supported: decompress it, or recompress it with gzip",
    ".xz": "xz compression is not supported: decompress it, or recompress it with gzip",
    ".zst": "zstd compression is not supported: decompress it, or recompress it with gzip",
    ".parquet": "Parquet is not read by this adapter: export the table as .csv or .xlsx",
}
ZIP_MAGIC = b"PK\x03\x04"


def file_format(path: Path) -> str:
    """TEXT, GZIP or XLSX from the file's name and first bytes; any other format is
    rejected, naming it and what to do."""
    name = path.name.lower()
    if name.endswith(GZIP_SUFFIX):
        return GZIP
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(len(OLE2_MAGIC))
    if head == OLE2_MAGIC:
        raise read_error(path, XLS_ADVICE + " (the file holds an Excel 97-2003 workbook)")
    if suffix in XLSX_SUFFIXES:
        return XLSX
    if suffix in UNSUPPORTED:
        raise read_error(path, UNSUPPORTED[suffix])
    if head.startswith(ZIP_MAGIC) and _is_workbook(path):
        raise read_error(
            path,
            f"the file is an XLSX workbook but its name ends in {suffix or 'nothing'!r}: "
            "rename it to .xlsx",
        )
    return TEXT


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def renamed(rejected: DataRejected, read: Path, raw: Path) -> DataRejected:
    """The same rejection naming the raw file instead of the copy that was read."""
    for problem in rejected.problems:
        problem.file = problem.file.replace(str(read), str(raw))
        problem.rule = problem.rule.replace(str(read), str(raw))
    return DataRejected(rejected.problems, stage=rejected.stage, reports=rejected.reports)


@contextmanager
def gunzipped(path: Path, limits: Limits | None = None) -> Iterator[Path]:
    """A `*.gz` file decompressed (bounded) to a temporary copy without the `.gz`, so the
    adapter sees `x.tsv`; a rejection raised while the copy is in use names `path`."""
    with tempfile.TemporaryDirectory(prefix="metiers-gunzip-") as folder:
        inner = Path(folder) / path.name[: -len(GZIP_SUFFIX)]
        gunzip_bounded(path, inner, limits)
        try:
            yield inner
        except DataRejected as rejected:
            raise renamed(rejected, inner, path) from rejected


def read_sheet(path: Path, limits: Limits | None = None, sheet: str | None = None) -> pl.DataFrame:
    """One sheet (the first, or the one named `sheet`) as text cells `column_1` ... from
    cell A1, with `source_row` the sheet's row number. The workbook is sized by
    `check_xlsx_file` first: calamine allocates the rectangle up to the last cell, and a
    Rust abort cannot be caught."""
    check_xlsx_file(path, limits)
    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as error:  # fastexcel raises its own exception types per failure
        raise read_error(path, f"unreadable as an XLSX workbook ({error})") from error
    if sheet is not None and sheet not in workbook.sheet_names:
        raise read_error(
            path, f"no sheet named {sheet!r} (option 'sheet'); sheets: {workbook.sheet_names}"
        )
    try:
        # skip_rows=0: without it fastexcel starts at the first used row, not at row 1.
        frame = workbook.load_sheet(
            0 if sheet is None else sheet, header_row=None, dtypes="string", skip_rows=0
        ).to_polars()
    except Exception as error:
        raise read_error(path, f"unreadable as an XLSX workbook ({error})") from error
    frame.columns = [f"column_{position + 1}" for position in range(frame.width)]
    return frame.with_row_index(SOURCE_ROW, offset=1).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )


def sheet_text(sheet: pl.DataFrame, separator: str, quote: bool = True) -> str:
    """The sheet's rows as delimited text, one line per sheet row (so line = sheet row when
    the sheet starts at row 1); trailing empty rows and columns are dropped. Cells are quoted
    where needed, unless `quote` is False (Eurostat's TSV has no quoting)."""
    cells = sheet.drop(SOURCE_ROW, strict=False)
    rows = [["" if cell is None else cell for cell in row] for row in cells.iter_rows()]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    width = max(
        (max((i + 1 for i, cell in enumerate(row) if cell.strip()), default=0) for row in rows),
        default=0,
    )
    if not quote:
        return "".join(separator.join(row[:width]) + "\n" for row in rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(row[:width] for row in rows)
    return buffer.getvalue()
