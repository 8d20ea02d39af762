"""What one raw file may hold: numbers only, so every stage can import them cheaply."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one raw file may hold, checked before it is read (metiers/ingest/sources/limits.py).

    A hostile or broken file (a header of a million columns, a gzip bomb, a workbook cell
    at XFD1048576) is rejected naming the limit, instead of exhausting memory, disk or time
    while the refresh holds its lock. The defaults are far above any real source; raise one
    under `[limits]` in sources.toml (docs/operations.md, "Limits"), where each must be a
    whole number of at least 1 (metiers/core/source_registry.py, `LimitsTable`).
    """

    # Columns of a text header or a Parquet schema (a Eurostat TSV has one per period).
    max_columns: int = 2_000
    # Bytes of one physical line of a text file.
    max_line_bytes: int = 1_048_576
    # Bytes of one cell: a run of text without separator, quote or line break; an XLSX
    # cell's text.
    max_cell_bytes: int = 65_536
    # Lines under the header of a text file, rows of a Parquet file or of a sheet.
    max_rows: int = 100_000_000
    # Bytes a declared gzip file expands to, and the uncompressed size of an XLSX archive.
    max_decompressed_bytes: int = 2_147_483_648
    # The rectangle from A1 to a sheet's last cell: what the XLSX reader allocates.
    max_sheet_rows: int = 1_048_576
    max_sheet_columns: int = 16_384
    max_sheet_cells: int = 10_000_000
