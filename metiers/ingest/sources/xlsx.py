"""Excel workbooks as employment services publish them: title rows above the header are normal."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import polars as pl

from metiers.core.limits import Limits
from metiers.ingest.sources.base import SOURCE_ROW, RawTable, read_error
from metiers.ingest.sources.limits import check_xlsx_file

SUFFIXES = (".xlsx", ".xlsm", ".xls")
HEADER_SEARCH_ROWS = 30


def find_header_row(sheet: pl.DataFrame, expected: set[str]) -> int:
    """Index of the first row holding at least half of the expected column names."""
    needed = max(1, len(expected) // 2)
    for index, row in enumerate(sheet.head(HEADER_SEARCH_ROWS).iter_rows()):
        cells = {str(cell).strip().lower() for cell in row if cell is not None}
        if len(cells & expected) >= needed:
            return index
    return -1


def read(
    path: Path, expected_columns: set[str] | None = None, limits: Limits | None = None
) -> RawTable:
    """First sheet as text; the header row is the first that names the expected columns.

    calamine allocates the rectangle from A1 to the sheet's last cell, and a Rust abort
    cannot be caught: the workbook is sized against `limits` before fastexcel opens it."""
    check_xlsx_file(path, limits)

    try:
        workbook = fastexcel.read_excel(str(path))
        sheet = workbook.load_sheet(0, header_row=None, dtypes="string", skip_rows=0).to_polars()
    except Exception as error:  # fastexcel raises its own exception types per failure
        raise read_error(path, f"unreadable as an XLSX workbook ({error})") from error
    header_index = find_header_row(sheet, {name.lower() for name in expected_columns or set()})
    if header_index < 0:
        raise read_error(
            path,
            f"no header row naming the expected columns in the first {HEADER_SEARCH_ROWS} rows",
        )
    names = [
        str(cell).strip() if cell is not None else f"column_{position}"
        for position, cell in enumerate(sheet.row(header_index))
    ]
    body = sheet.slice(header_index + 1)
    body.columns = names
    # Sheet rows are 1-based and the first data row sits just below the header.
    body = body.with_row_index(SOURCE_ROW, offset=header_index + 2)
    # Drop fully empty rows (spacing lines, trailing blank rows of the sheet).
    body = body.filter(~pl.all_horizontal(pl.exclude(SOURCE_ROW).is_null()))
    return RawTable(frame=body.lazy(), numbered=True)
