"""Every source the pipeline reads, declared once in `sources.toml`.

A new source in a known format is a new entry in that file (or in a file passed with
`--sources`), not code: its adapter, files, columns and types, the indicators it feeds, its
precedence, citation, licence and cadence.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from metiers.config import DEFAULT_SOURCES_FILE, EXPECTATIONS_DIR

TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "datetime": pl.Datetime("us"),
    "list_text": pl.List(pl.String()),
}
ADAPTERS = (
    "tabular",
    "esco_occupations",
    "esco_isco_groups",
    "eurostat",
    "statbel",
    "aggregate",
)
ROLES = (
    "catalogue",
    "register",
    "insertion",
    "facts",
    "esco_occupations",
    "esco_isco_groups",
    "context",
    "regions",
    "aggregate",
)


class RegistryError(ValueError):
    """The source registry file is not well formed."""


@dataclass(frozen=True)
class Column:
    """A column as the pipeline needs it; `default` fills an optional column that is absent."""

    name: str
    dtype: pl.DataType
    required: bool = True
    default: object = None


@dataclass(frozen=True)
class SourceSpec:
    """What to read for one source, how, and what the build does with it."""

    name: str
    description: str
    patterns: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    suite: str = ""
    # Columns whose combined values identify a row: validation batches keep them together.
    key: tuple[str, ...] = field(default_factory=tuple)
    adapter: str = "tabular"
    role: str = ""
    folder: str = ""
    encoding: str = "utf-8"
    separator: str = "auto"
    decimal: str = "."
    feeds: tuple[str, ...] = field(default_factory=tuple)
    precedence: int = 100
    citation: str = ""
    licence: str = ""
    url: str = ""
    cadence_days: int | None = None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Role `context`: which dimension holds the ISCO code, which geo, and the series to
    # derive (a filtered value, or a ratio of two filtered values).
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def suite_name(self) -> str:
        """The declared suite, else the source's own (expectations/<id>.json), else its role's."""
        if self.suite:
            return self.suite
        if (EXPECTATIONS_DIR / f"{self.name}.json").exists():
            return self.name
        return self.role or self.name

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {column.name: column.dtype for column in self.columns}

    @property
    def adapter_options(self) -> dict[str, Any]:
        """Options handed to the adapter: the declared ones, plus the text dialect."""
        return {
            "encoding": self.encoding,
            "separator": self.separator,
            "decimal": self.decimal,
            **self.options,
        }

    def files(self, raw_dir: Path) -> list[Path]:
        """The source's raw files, sorted, found by its patterns under raw_dir/<folder>/.

        This is the one place that lists raw files: readers take each path as a path, never
        as a pattern. Every entry matching a pattern is listed except directories, so a
        dangling link, a link loop or a FIFO is rejected by intake with a reason rather than
        skipped in silence (`metiers.ingest.unsafe_reason`)."""
        folder = raw_dir / (self.folder or self.name)
        found: set[Path] = set()
        for pattern in self.patterns:
            # is_dir follows links and is False for a dangling link or a loop.
            found.update(path for path in folder.glob(pattern) if not path.is_dir())
        return sorted(found)


def _column(name: str, declared: Any, source: str) -> Column:
    if isinstance(declared, str):
        declared = {"type": declared}
    if not isinstance(declared, dict) or declared.get("type") not in TYPES:
        raise RegistryError(
            f"source '{source}', column '{name}': type must be one of {', '.join(TYPES)}"
        )
    return Column(
        name=name,
        dtype=TYPES[declared["type"]],
        required=bool(declared.get("required", True)),
        default=declared.get("default"),
    )


def parse_registry(document: dict, origin: str = "sources.toml") -> dict[str, SourceSpec]:
    """Source specs from a parsed registry document; any mistake names the source and key."""
    sources = document.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise RegistryError(f"{origin}: no [sources.<id>] table")
    specs = {}
    for name, entry in sources.items():
        where = f"{origin}: source '{name}'"
        adapter = entry.get("adapter", "tabular")
        if adapter not in ADAPTERS:
            raise RegistryError(f"{where}: adapter must be one of {', '.join(ADAPTERS)}")
        role = entry.get("role", name)
        if role not in ROLES:
            raise RegistryError(f"{where}: role must be one of {', '.join(ROLES)}")
        patterns = entry.get("patterns")
        if not patterns or not all(isinstance(pattern, str) for pattern in patterns):
            raise RegistryError(f"{where}: patterns must be a list of file name patterns")
        context = entry.get("context", {})
        if role == "context" and not context.get("series"):
            raise RegistryError(f"{where}: role context needs [[sources.{name}.context.series]]")
        for series in context.get("series", []):
            has_ratio = "numerator" in series and "denominator" in series
            if not series.get("indicator") or not ("filter" in series or has_ratio):
                raise RegistryError(
                    f"{where}: each context series needs an indicator and a filter "
                    "or a numerator and a denominator"
                )
        unknown = set(entry) - {
            "description", "adapter", "role", "folder", "patterns", "encoding", "separator",
            "decimal", "required", "suite", "key", "feeds", "precedence", "citation",
            "licence", "url", "cadence_days", "columns", "options", "context",
        }  # fmt: skip
        if unknown:
            raise RegistryError(f"{where}: unknown keys {sorted(unknown)}")
        specs[name] = SourceSpec(
            name=name,
            description=entry.get("description", ""),
            patterns=tuple(patterns),
            columns=tuple(
                _column(column, declared, name)
                for column, declared in entry.get("columns", {}).items()
            ),
            required=bool(entry.get("required", False)),
            suite=entry.get("suite", ""),
            key=tuple(entry.get("key", ())),
            adapter=adapter,
            role=role,
            folder=entry.get("folder", ""),
            encoding=entry.get("encoding", "utf-8"),
            separator=entry.get("separator", "auto"),
            decimal=entry.get("decimal", "."),
            feeds=tuple(entry.get("feeds", ())),
            precedence=int(entry.get("precedence", 100)),
            citation=entry.get("citation", ""),
            licence=entry.get("licence", ""),
            url=entry.get("url", ""),
            cadence_days=entry.get("cadence_days"),
            options=dict(entry.get("options", {})),
            context=dict(context),
        )
    return specs


@cache
def load_registry(path: Path = DEFAULT_SOURCES_FILE) -> dict[str, SourceSpec]:
    try:
        with Path(path).open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise RegistryError(f"source registry {path} not found") from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"source registry {path} is not valid TOML: {error}") from None
    return parse_registry(document, origin=str(path))


def load_reconciliation(path: Path = DEFAULT_SOURCES_FILE) -> dict[str, dict]:
    """Tolerances per indicator, from the registry's [reconciliation] table."""
    with Path(path).open("rb") as handle:
        document = tomllib.load(handle)
    return document.get("reconciliation", {}).get("tolerance", {})


def load_change_threshold(path: Path = DEFAULT_SOURCES_FILE) -> float:
    """Relative change above which a published figure is flagged ([changes] table)."""
    with Path(path).open("rb") as handle:
        document = tomllib.load(handle)
    return float(document.get("changes", {}).get("relative_threshold", 0.20))


SOURCES: dict[str, SourceSpec] = load_registry()


def get_source(name: str, registry: dict[str, SourceSpec] | None = None) -> SourceSpec:
    registry = registry if registry is not None else SOURCES
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(registry)
        raise KeyError(f"unknown source '{name}' (known: {known})") from None
