"""The options several commands share, defined once: folders and files (checked before any
work, so an operator's slip is a usage error, exit 2), the language, and the output formats.

Output formats: one enum per set of values a `--format` accepts, named after that set, and one
`--format` option alias per meaning (the help a user reads for it)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

# Commands that write into their folders (the others only read the published file).
WRITING_COMMANDS = {"refresh", "validate", "rollback", "schedule"}


class Lang(StrEnum):
    fr = "fr"
    nl = "nl"
    en = "en"


class TextOrJson(StrEnum):
    """A card, a listing or a report for people (text) or for programs (json)."""

    text = "text"
    json = "json"


class TableOrJson(StrEnum):
    """Rows aligned in columns for people (table) or for programs (json)."""

    table = "table"
    json = "json"


class TableCsvOrJson(StrEnum):
    """Rows aligned in columns (table), for a spreadsheet (csv) or for programs (json)."""

    table = "table"
    csv = "csv"
    json = "json"


class JsonCsvOrParquet(StrEnum):
    """Files for programs (json), spreadsheets (csv) or analysts' tools (parquet)."""

    json = "json"
    csv = "csv"
    parquet = "parquet"


def format_option(help_text: str) -> Any:
    """The `--format` option: the same flag for every command, with its own help."""
    return typer.Option("--format", help=help_text)


CardFormat = Annotated[TextOrJson, format_option("text draws the card; json gives every figure.")]
ListingFormat = Annotated[TextOrJson, format_option("text or json.")]
ServerReportFormat = Annotated[TextOrJson, format_option("text, or json for scripts.")]
TableFormat = Annotated[TableOrJson, format_option("table or json.")]
ChangesFormat = Annotated[TableCsvOrJson, format_option("table, csv (UTF-8 with BOM) or json.")]
QueryFormat = Annotated[TableCsvOrJson, format_option("table, csv or json.")]
ExportFormat = Annotated[
    JsonCsvOrParquet,
    format_option(
        "json: one file per métier plus index.json; csv: cards.csv; parquet: one file per "
        "mart table."
    ),
]


def folder_problem(path: Path, writable: bool) -> str | None:
    """Why `path` cannot serve as a folder (it is a file, lies under a file, or cannot be
    read, written or created); None when it can. Checked before any work, so an operator's
    slip is a usage error (exit 2), not an internal one."""
    path = Path(os.path.abspath(path))
    if path.is_symlink() and not path.exists():
        return f"{path} is a link to nothing"
    if path.exists():
        if not path.is_dir():
            return f"{path} is a file, not a folder"
        if not os.access(path, os.R_OK | os.X_OK):
            return f"{path} cannot be read (permission denied)"
        if writable and not os.access(path, os.W_OK):
            return f"{path} cannot be written (permission denied or read-only file system)"
        return None
    for parent in path.parents:
        if parent.is_symlink() and not parent.exists():
            return f"{path} cannot be created: {parent} is a link to nothing"
        if not parent.exists():
            continue
        if not parent.is_dir():
            return f"{path} cannot be a folder: {parent} is a file"
        if writable and not os.access(parent, os.W_OK | os.X_OK):
            return f"{path} cannot be created: {parent} cannot be written"
        return None
    return None


def output_file_problem(path: Path) -> str | None:
    """Why a file cannot be written at `path`; None when it can."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} cannot be written (permission denied)"
    return folder_problem(path.parent, writable=True)


def folder_callback(ctx: typer.Context, value: Path | None) -> Path | None:
    """A folder the command writes into when it is one of WRITING_COMMANDS, else reads."""
    if value is not None and not ctx.resilient_parsing:
        problem = folder_problem(value, writable=ctx.info_name in WRITING_COMMANDS)
        if problem:
            raise typer.BadParameter(problem)
    return value


def output_folder_callback(ctx: typer.Context, value: Path) -> Path:
    if not ctx.resilient_parsing:
        problem = folder_problem(value, writable=True)
        if problem:
            raise typer.BadParameter(problem)
    return value


def raw_folder_callback(ctx: typer.Context, value: Path | None) -> Path | None:
    if value is not None and not ctx.resilient_parsing:
        problem = folder_problem(value, writable=False)
        if problem:
            raise typer.BadParameter(problem)
    return value


def output_file_callback(ctx: typer.Context, value: Path | None) -> Path | None:
    if value is not None and not ctx.resilient_parsing:
        problem = output_file_problem(value)
        if problem:
            raise typer.BadParameter(problem)
    return value


def registry_callback(ctx: typer.Context, value: Path) -> Path:
    """The registry is read once here, so a missing or malformed one is a usage error."""
    if ctx.resilient_parsing:
        return value
    from metiers.core.source_registry import RegistryError, load_registry

    try:
        load_registry(value.resolve())
    except (RegistryError, OSError) as error:
        raise typer.BadParameter(str(error)) from None
    return value


MartsDir = Annotated[
    Path,
    typer.Option(
        "--marts-dir",
        help="Folder of the published metiers.duckdb.",
        file_okay=False,
        callback=folder_callback,
    ),
]
RawDir = Annotated[
    Path,
    typer.Option(
        "--raw-dir",
        help="Raw sources, one folder per source.",
        file_okay=False,
        callback=raw_folder_callback,
    ),
]
SourcesFile = Annotated[
    Path,
    typer.Option(
        "--sources", help="Source registry (TOML).", dir_okay=False, callback=registry_callback
    ),
]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of titles and strings.")]
CandidateOption = Annotated[
    bool,
    typer.Option(
        "--candidate",
        help="Read the candidate waiting for a release decision (MARTS_DIR/candidate) "
        "instead of the released version readers see.",
    ),
]
