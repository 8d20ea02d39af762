"""The shape every adapter shares: read -> typed polars frame -> staging Parquet.

Adapters only know how to open their format and hand over text or typed columns; casting to
the declared schema, and reporting what cannot be cast, happens here once for all formats.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from metiers.core.adapter_options import SOURCE_ROW
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.source_registry import Column, SourceSpec
from metiers.core.timing import timed_stage

TRUE_WORDS = {"true", "1", "yes", "y", "oui", "ja", "vrai", "waar"}
FALSE_WORDS = {"false", "0", "no", "n", "non", "nee", "faux", "onwaar"}
SAMPLE_SIZE = 5
NOT_FINITE = r"(?i)^[+-]?(?:nan|inf|infinity)$"
FINITE_RULE = "finite number (no NaN or infinity)"
FLAT_RULE = "flat column (no struct/list/map)"


@dataclass
class RawTable:
    """A raw file opened lazily; `first_row` numbers records when the adapter did not."""

    frame: pl.LazyFrame
    first_row: int = 1
    numbered: bool = False

    def with_source_row(self) -> pl.LazyFrame:
        if self.numbered:
            return self.frame
        return self.frame.with_row_index(SOURCE_ROW, offset=self.first_row)


@dataclass(frozen=True)
class StagedFile:
    """What ingest hands to the next stages: paths and hashes, never data."""

    source: str
    raw_path: str
    sha256: str
    size_bytes: int
    staging_path: str
    rows: int


def decode_text(path: Path, codec: str, encoding: str) -> str:
    """A whole text file decoded with the declared codec (polars decodes only UTF-8 lazily);
    an empty file or bytes the codec cannot read are rejected, naming the byte."""
    data = path.read_bytes()
    if not data:
        raise read_error(path, "file is empty")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        raise read_error(
            path, f"unreadable as {encoding} (byte {error.start}: {error.reason})"
        ) from error
    return text.removeprefix("\ufeff")


def type_name(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "whole number"
    if dtype.is_float():
        return "number"
    if isinstance(dtype, pl.Boolean):
        return "true/false"
    return "text"


def read_error(path: Path, rule: str) -> DataRejected:
    return DataRejected([DataProblem(file=str(path), rule=rule)], stage="ingest")


@timed_stage("hash")
def sha256_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def _cast_expression(column: Column, current: pl.DataType, strict: bool) -> pl.Expr:
    expr = pl.col(column.name)
    if current == column.dtype:
        return expr
    if isinstance(column.dtype, pl.Boolean) and current == pl.String:
        lowered = expr.str.strip_chars().str.to_lowercase()
        words = {word: True for word in TRUE_WORDS} | {word: False for word in FALSE_WORDS}
        words[""] = None
        if strict:
            return lowered.replace_strict(words, return_dtype=pl.Boolean)
        return lowered.replace_strict(words, default=None, return_dtype=pl.Boolean)
    if isinstance(current, pl.Boolean) and not isinstance(column.dtype, pl.Boolean):
        # True is not an age: refuse rather than read it as 1.
        if strict:
            return expr.cast(pl.String).cast(column.dtype, strict=True)
        return pl.lit(None, dtype=column.dtype)
    if current.is_float() and column.dtype.is_integer():
        # polars truncates 40.7 to 40 without complaint: keep only whole values.
        expr = pl.when(expr == expr.round(0)).then(expr).otherwise(None)
    if current == pl.String:
        expr = expr.str.strip_chars()
        if column.dtype.is_numeric():
            expr = pl.when(expr == "").then(None).otherwise(expr)
        if column.dtype.is_float():
            # "NaN" and "inf" would cast to numbers that every range rule lets through
            # (pandas counts NaN as missing): make them fail the cast like any other text.
            expr = (
                pl.when(expr.str.contains(NOT_FINITE)).then(pl.lit("not a number")).otherwise(expr)
            )
    return expr.cast(column.dtype, strict=strict)


def conform(raw: RawTable, spec: SourceSpec, path: Path, strict: bool = True) -> pl.LazyFrame:
    """Cast the raw columns to the source's schema; extra columns are kept as they came.

    With `strict`, a value the type cannot hold raises when the frame is collected; the
    caller then runs `find_cast_failures` to say which values, so the happy path is one pass.
    """
    frame = normalise_names(raw.with_source_row(), spec)
    if not spec.columns:
        # Adapters of structured formats hand over typed frames of their own shape.
        return frame
    present = frame.collect_schema()
    nested = nested_column_failures(present, spec, path)
    if nested:
        raise DataRejected(nested, stage="ingest")
    missing = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing:
        found = [name for name in present.names() if name != SOURCE_ROW]
        raise DataRejected(
            [
                DataProblem(file=str(path), column=name, rule="required column", sample=found)
                for name in missing
            ],
            stage="ingest",
        )
    casts = []
    for column in spec.columns:
        if column.name in present:
            casts.append(_cast_expression(column, present[column.name], strict).alias(column.name))
        else:
            casts.append(pl.lit(column.default, dtype=column.dtype).alias(column.name))
    declared = {column.name for column in spec.columns}
    extras = [pl.col(name) for name in present.names() if name not in declared]
    return frame.select([*casts, *extras])


def normalise_names(frame: pl.LazyFrame, spec: SourceSpec) -> pl.LazyFrame:
    """Header names as declared: spaces and a BOM trimmed, declared names matched
    regardless of case (`Cohort_Year` is `cohort_year`)."""
    declared = {column.name.lower(): column.name for column in spec.columns}
    # A source may name its columns its own way: options.columns maps them (raw -> ours).
    mapped = spec.options.renames
    renames = {}
    for name in frame.collect_schema().names():
        cleaned = name.strip().lstrip("\ufeff").strip()
        cleaned = mapped.get(cleaned.lower(), cleaned)
        cleaned = declared.get(cleaned.lower(), cleaned)
        if cleaned != name:
            renames[name] = cleaned
    return frame.rename(renames) if renames else frame


def lossy_columns(raw: RawTable, spec: SourceSpec) -> list[str]:
    """Typed columns whose cast can lose information without raising (40.7 -> 40)."""
    present = normalise_names(raw.with_source_row(), spec).collect_schema()
    return [
        column.name
        for column in spec.columns
        if column.name in present and present[column.name].is_float() and column.dtype.is_integer()
    ]


def _is_flat(dtype: pl.DataType) -> bool:
    return not (dtype.is_nested() or isinstance(dtype, pl.Object))


def _accepts(declared: pl.DataType, found: pl.DataType) -> bool:
    """A nested column is only taken where the registry declares one (`list_text`), and
    then only as a list of plain values: casting a struct or a map to text would stage
    '{1,"x"}' as if it were data."""
    if isinstance(declared, pl.List) and isinstance(found, pl.List | pl.Array):
        return _is_flat(found.inner)
    return False


def nested_column_failures(present: pl.Schema, spec: SourceSpec, path: Path) -> list[DataProblem]:
    """Struct, list, array or map columns of a raw file (Parquet carries them) that the
    registry does not declare as lists; declared or not, none of them is cast to text."""
    declared = spec.schema
    problems = []
    for name, dtype in present.items():
        if _is_flat(dtype) or (name in declared and _accepts(declared[name], dtype)):
            continue
        problems.append(
            DataProblem(
                file=str(path),
                column=name,
                rule=f"{FLAT_RULE}; found {dtype}",
            )
        )
    return problems


def non_finite_failures(raw: RawTable, spec: SourceSpec, path: Path) -> list[DataProblem]:
    """NaN or infinite values in number columns after the cast: floats that came typed
    (Parquet), where no cast sees them and GX's pandas engine counts NaN as missing; text
    too large for a float ('1e309' casts to infinity, which every range rule lets through);
    and the number columns of adapters that hand over typed frames."""
    frame = normalise_names(raw.with_source_row(), spec)
    present = frame.collect_schema()
    checks: dict[str, pl.Expr] = {}
    for column in spec.columns:
        if column.name not in present or not column.dtype.is_float():
            continue
        found, value = present[column.name], pl.col(column.name)
        if found.is_float():
            checks[column.name] = value.is_nan() | value.is_infinite()
        elif found == pl.String:
            checks[column.name] = _cast_expression(column, found, strict=False).is_infinite()
    if not spec.columns:
        checks = {
            name: pl.col(name).is_infinite() for name, dtype in present.items() if dtype.is_float()
        }
    problems = []
    for name, is_bad in checks.items():
        shown = [SOURCE_ROW, name] if SOURCE_ROW in present else [name]
        bad = frame.filter(is_bad.fill_null(False)).select(shown)
        count = bad.select(pl.len()).collect().item()
        if not count:
            continue
        sample = bad.head(SAMPLE_SIZE).collect()
        problems.append(
            DataProblem(
                file=str(path),
                column=name,
                rule=FINITE_RULE,
                sample=sample[name].to_list(),
                rows=sample[SOURCE_ROW].to_list() if SOURCE_ROW in sample.columns else [],
                count=count,
            )
        )
    return problems


def find_cast_failures(
    raw: RawTable, spec: SourceSpec, path: Path, only: list[str] | None = None
) -> list[DataProblem]:
    """Values present in the raw file that the declared type cannot hold."""
    frame = normalise_names(raw.with_source_row(), spec)
    present = frame.collect_schema()
    problems = []
    for column in spec.columns:
        if column.name not in present or present[column.name] == column.dtype:
            continue
        if only is not None and column.name not in only:
            continue
        original = pl.col(column.name)
        if present[column.name] == pl.String:
            original = original.str.strip_chars()
            original = pl.when(original == "").then(None).otherwise(original)
        failed = (
            original.is_not_null()
            & _cast_expression(column, present[column.name], strict=False).is_null()
        )
        bad = frame.filter(failed).select(SOURCE_ROW, column.name)
        count = bad.select(pl.len()).collect().item()
        if count:
            sample = bad.head(SAMPLE_SIZE).collect()
            problems.append(
                DataProblem(
                    file=str(path),
                    column=column.name,
                    rule=f"type: {type_name(column.dtype)}",
                    sample=sample[column.name].to_list(),
                    rows=sample[SOURCE_ROW].to_list(),
                    count=count,
                )
            )
    return problems


def write_parquet_atomically(frame: pl.LazyFrame, out_path: Path) -> None:
    """Stream the frame into a private folder `.<name>.<pid>.partial/`, then rename the file
    into place: no reader sees half a batch.

    When the sink fails, polars raises before its writer thread is done, and that thread may
    still (re)create its file by path after we removed it (seen under load). So the folder is
    removed, not just the file: a late create then finds no folder and fails, and nothing
    survives the failed write."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.partial")
    partial.mkdir(exist_ok=True)
    try:
        frame.sink_parquet(partial / out_path.name)
        os.replace(partial / out_path.name, out_path)
    finally:
        remove_partial(partial)


def remove_partial(partial: Path) -> None:
    """Remove a staging folder of `write_parquet_atomically` (or a `.partial` file of older
    versions). A writer thread may create its file in the folder while it is being removed;
    removal is retried until the folder itself is gone."""
    while True:
        try:
            if partial.is_dir():
                shutil.rmtree(partial)
            else:
                partial.unlink()
            return
        except FileNotFoundError:
            return
        except OSError as error:
            if error.errno != errno.ENOTEMPTY:
                raise


def parquet_rows(path: Path) -> int:
    return pl.scan_parquet(path, glob=False).select(pl.len()).collect().item()


def process_alive(pid: int) -> bool:
    """Whether a process still runs: leftovers named after a live writer are not stale."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
