"""Every source the pipeline reads, declared once in `sources.toml`.

A new source in a known format is a new entry in that file (or in a file passed with
`--sources`), not code: its adapter, files, columns and types, the indicators it feeds, its
precedence, citation, licence and cadence.

The file is checked against pydantic models, one per table (the top level, each source,
each adapter's options in metiers/core/adapter_options.py, `[limits]`, `[changes]`,
`[reconciliation]`): an unknown key or a value of the wrong type stops the command with a
message naming the registry file, the source, the key and the bad value. Nothing here runs
at import time; the file is read when a command asks for it, and read again when it changed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import polars as pl
from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from metiers.core.adapter_options import (
    OPTIONS_BY_ADAPTER,
    AdapterOptions,
    StrictTable,
    TabularOptions,
    key_path,
    parse_options,
    problem,
)
from metiers.core.errors import UsageError
from metiers.core.limits import Limits
from metiers.core.paths import DEFAULT_SOURCES_FILE, EXPECTATIONS_DIR

TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "float": pl.Float64(),
    "boolean": pl.Boolean(),
    "datetime": pl.Datetime("us"),
    "list_text": pl.List(pl.String()),
}
ADAPTERS = tuple(OPTIONS_BY_ADAPTER)
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
    "crosswalk",
)
# What a source of role aggregate may be keyed by, besides the id of a crosswalk source.
CLASSIFICATIONS = ("esco", "isco08")
# The text dialect may be declared on the source itself; it is one of its adapter's options.
DIALECT_KEYS = ("encoding", "separator", "decimal")


class RegistryError(UsageError, ValueError):
    """The source registry file is missing, not TOML, or not well formed (exit 2)."""


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
    feeds: tuple[str, ...] = field(default_factory=tuple)
    precedence: int = 100
    citation: str = ""
    licence: str = ""
    url: str = ""
    cadence_days: int | None = None
    # The adapter's options, text dialect included (metiers/core/adapter_options.py).
    options: AdapterOptions = field(default_factory=TabularOptions, hash=False, compare=False)
    # Role `context` only: the series to derive from a statistical table.
    context: ContextDeclaration | None = field(default=None, hash=False, compare=False)
    # The citation in each card language (`fr`, `nl`, `en`) where declared; `citation` is the
    # fallback for a language not declared.
    citations: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    # Role `aggregate`: the classification of its occupation codes (esco, isco08, or the id
    # of a crosswalk source), and how many years before the reference year a period may end.
    classification: str = "esco"
    max_lag_years: int = 2
    # indicator -> declared unit; geography; hours per week for hourly wages.
    units: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    geography: GeographyDeclaration | None = field(default=None, hash=False, compare=False)
    hours_per_week: float = 38.0

    def __post_init__(self) -> None:
        if not isinstance(self.options, AdapterOptions):
            # Built in code with a plain mapping: checked by the adapter's model all the same.
            model = OPTIONS_BY_ADAPTER.get(self.adapter, TabularOptions)
            object.__setattr__(self, "options", parse_options(model, self.options))

    @property
    def suite_name(self) -> str:
        """The declared suite, else the source's own (expectations/<id>.json), else its role's."""
        if self.suite:
            return self.suite
        if (EXPECTATIONS_DIR / f"{self.name}.json").exists():
            return self.name
        return self.role or self.name

    def citation_in(self, lang: str) -> str:
        """How to cite the source in `lang`: its declared citation there, else `citation`."""
        return self.citations.get(lang) or self.citation

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {column.name: column.dtype for column in self.columns}

    def files(self, raw_dir: Path) -> list[Path]:
        """The source's raw files, sorted, found by its patterns under raw_dir/<folder>/.

        This is the one place that lists raw files: readers take each path as a path, never
        as a pattern. Every entry matching a pattern is listed except directories, so a
        dangling link, a link loop or a FIFO is rejected by intake with a reason rather than
        skipped in silence (`metiers.ingest.raw_files.unsafe_reason`)."""
        folder = raw_dir / (self.folder or self.name)
        found: set[Path] = set()
        for pattern in self.patterns:
            # is_dir follows links and is False for a dangling link or a loop.
            found.update(path for path in folder.glob(pattern) if not path.is_dir())
        return sorted(found)


# -- the file's shape: one model per table -------------------------------------------------


def _role(value: str) -> str:
    if value not in ROLES:
        raise ValueError(
            f"expected one of {', '.join(ROLES)}, got {value!r} (a source without `role` "
            "takes its id as its role)"
        )
    return value


def _pattern(value: str) -> str:
    if not value.strip():
        raise ValueError("expected a file name pattern, got an empty text")
    return value


class ColumnDeclaration(StrictTable):
    """`name = "type"`, or `name = { type = ..., required = false, default = ... }`."""

    type: Literal[tuple(TYPES)]  # one of the names of TYPES
    required: bool = True
    default: str | int | float | bool | None = None

    @classmethod
    def prepare(cls, data: Any) -> Any:
        return {"type": data} if isinstance(data, str) else data


# A dimension filter's value: one code, a list of codes, or a text with `*`/`?` globs.
FilterValue = str | int | float | list[str | int | float]


class SeriesDeclaration(StrictTable):
    """One context series: a filtered value, or the ratio of two filtered values. Filter
    values may be lists or globs (`"OC*"`); `exclude` drops matching rows first."""

    indicator: Annotated[str, Field(min_length=1)]
    unit: str | None = None
    filter: dict[str, FilterValue] | None = None
    numerator: dict[str, FilterValue] | None = None
    denominator: dict[str, FilterValue] | None = None
    exclude: dict[str, FilterValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form(self) -> SeriesDeclaration:
        ratio = self.numerator is not None and self.denominator is not None
        half_ratio = (self.numerator is None) != (self.denominator is None)
        if half_ratio or (self.filter is not None) == ratio:
            raise ValueError(
                f"series {self.indicator!r} needs either a filter, or a numerator and a denominator"
            )
        return self


class ContextDeclaration(StrictTable):
    """Role `context`: which dimension holds the ISCO code (its codes prefixed), which geo,
    and the series to derive."""

    isco_dimension: str = "isco08"
    isco_prefix: str = "OC"
    geo: FilterValue | None = None
    series: list[SeriesDeclaration] = Field(min_length=1)
    # Rows dropped before any series is taken: {isco08 = ["TOTAL", "NRP"]}; a row is dropped
    # when it matches every dimension listed.
    exclude: dict[str, FilterValue] = Field(default_factory=dict)


class GeographyDeclaration(StrictTable):
    """Where a table's values are: one country (ISO 3166 alpha-2, "BE" by default), or a
    column of the table holding country or NUTS codes."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "BE"
    column: Annotated[str, Field(min_length=1)] | None = None


class CitationTable(StrictTable):
    """`citations = { fr = ..., nl = ..., en = ... }`: how to cite the source in each card
    language; a language left out falls back to `citation`."""

    fr: str = ""
    nl: str = ""
    en: str = ""


class SourceDeclaration(StrictTable):
    """What every `[sources.<id>]` table may hold; each adapter adds its `options`."""

    description: str = ""
    role: Annotated[str, AfterValidator(_role)]
    folder: str = ""
    patterns: list[Annotated[str, AfterValidator(_pattern)]] = Field(min_length=1)
    required: bool = False
    suite: str = ""
    key: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    precedence: int = 100
    citation: str = ""
    licence: str = ""
    url: str = ""
    cadence_days: int | None = Field(default=None, ge=1)
    columns: dict[str, ColumnDeclaration] = Field(default_factory=dict)
    context: ContextDeclaration | None = None
    citations: CitationTable | None = None
    classification: Annotated[str, Field(min_length=1)] = "esco"
    max_lag_years: int = Field(default=2, ge=0)
    # indicator -> unit its values are published in (metiers/methodology/units.py)
    units: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)
    geography: GeographyDeclaration = GeographyDeclaration()
    # converts hourly wages to monthly ones
    hours_per_week: float = Field(default=38.0, gt=0, le=168)

    @classmethod
    def prepare(cls, data: Any) -> Any:
        """The text dialect declared on the source joins its options: one definition each."""
        if not isinstance(data, dict) or not any(key in data for key in DIALECT_KEYS):
            return data
        entry = {key: value for key, value in data.items() if key not in DIALECT_KEYS}
        options = data.get("options", {})
        if not isinstance(options, dict):
            return data  # the options model reports it
        options = dict(options)
        for key in DIALECT_KEYS:
            if key not in data:
                continue
            if key in options and options[key] != data[key]:
                raise ValueError(
                    f"{key} is declared twice, {data[key]!r} on the source and "
                    f"{options[key]!r} in its options: keep one"
                )
            options[key] = data[key]
        entry["options"] = options
        return entry

    @model_validator(mode="after")
    def _context_for_role_context(self) -> SourceDeclaration:
        if self.role == "context" and self.context is None:
            raise ValueError("role context needs [[sources.<id>.context.series]] tables")
        if self.role != "context" and self.context is not None:
            raise ValueError(f"context is read for role context only, not role {self.role!r}")
        return self


def _source_model(adapter: str, options: type[AdapterOptions]) -> type[SourceDeclaration]:
    """The source table of one adapter: the common keys, and that adapter's options."""
    required = any(item.is_required() for item in options.model_fields.values())
    return create_model(
        f"{adapter.title().replace('_', '')}Source",
        __base__=SourceDeclaration,
        adapter=(Literal[adapter], adapter),
        options=(options, ... if required else options()),
    )


def _adapter_of(entry: Any) -> Any:
    if isinstance(entry, dict):
        return entry.get("adapter", "tabular")
    return getattr(entry, "adapter", None)


# A source's model is chosen by its adapter, so its options are checked by that adapter's
# model alone (a discriminated union).
Source = Annotated[
    Union[  # noqa: UP007 - built from the adapters' table
        tuple(
            Annotated[_source_model(adapter, options), Tag(adapter)]
            for adapter, options in OPTIONS_BY_ADAPTER.items()
        )
    ],
    Discriminator(_adapter_of),
]
# `[limits]`: one key per field of `Limits` (metiers/core/limits.py), a whole number of at
# least 1.
LimitsTable = create_model(
    "LimitsTable",
    __base__=StrictTable,
    **{item.name: (int, Field(default=item.default, ge=1)) for item in fields(Limits)},
)


class ChangesTable(StrictTable):
    """`[changes]`: a published figure moving by more than this share is flagged."""

    relative_threshold: float = Field(default=0.20, gt=0)


class ReleaseTable(StrictTable):
    """`[release]`: when a validated candidate needs a person's decision before readers see
    it. `flagged` (the default): only when it has a flagged change (see figure_changes);
    `always`: every candidate; `never`: none (development and tests). The first release of
    an empty history never waits. `approval_timeout_minutes`: how long a scheduled run waits
    in Prefect for a decision; after it the candidate waits for `metiers release`, never
    released by default."""

    approval: Literal["flagged", "always", "never"] = "flagged"
    approval_timeout_minutes: int = Field(default=24 * 60, ge=1)


class Tolerance(StrictTable):
    """Two candidates of a figure further apart than this are a conflict."""

    relative: float | None = Field(default=None, ge=0)
    absolute: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _declares_one(self) -> Tolerance:
        if self.relative is None and self.absolute is None:
            raise ValueError("a tolerance needs relative or absolute")
        return self


class ReconciliationTable(StrictTable):
    """`[reconciliation]`: tolerances per indicator (`default` for the others)."""

    tolerance: dict[str, Tolerance] = Field(default_factory=dict)


class RegistryFile(StrictTable):
    """The whole file. `[disclosure]` is checked by metiers/methodology/disclosure.py, its one
    reader."""

    sources: dict[str, Source] = Field(min_length=1)
    limits: LimitsTable = LimitsTable()
    changes: ChangesTable = ChangesTable()
    reconciliation: ReconciliationTable = ReconciliationTable()
    disclosure: dict[str, Any] = Field(default_factory=dict)
    release: ReleaseTable = ReleaseTable()

    @field_validator("sources", mode="before")
    @classmethod
    def _role_defaults_to_id(cls, sources: Any) -> Any:
        if not isinstance(sources, dict):
            return sources
        return {
            name: {"role": name, **entry} if isinstance(entry, dict) else entry
            for name, entry in sources.items()
        }

    @model_validator(mode="after")
    def _classification_is_known(self) -> RegistryFile:
        crosswalks = sorted(
            name for name, source in self.sources.items() if source.role == "crosswalk"
        )
        for name, source in self.sources.items():
            if source.classification in CLASSIFICATIONS or source.classification in crosswalks:
                continue
            raise ValueError(
                f"source {name!r}: classification: expected {', '.join(CLASSIFICATIONS)} or "
                f"the id of a crosswalk source ({', '.join(crosswalks) or 'none declared'}), "
                f"got {source.classification!r}"
            )
        return self


# -- reading it ----------------------------------------------------------------------------


def _where(loc: tuple[int | str, ...], document: dict) -> str:
    """A location as the file's author wrote it: `source 'x': options.sep: `, `[limits]: `."""
    if not loc:
        return ""
    if loc[0] != "sources" or len(loc) < 2:
        rest = key_path(loc[1:])
        return f"[{loc[0]}] {rest}" if rest else f"[{loc[0]}]: "
    name, rest = loc[1], list(loc[2:])
    if rest and rest[0] in ADAPTERS:
        rest = rest[1:]  # the union's tag, not a key
    entry = document.get("sources", {}).get(name, {})
    if len(rest) == 2 and rest[0] == "options" and rest[1] in DIALECT_KEYS:
        declared = entry.get("options", {}) if isinstance(entry, dict) else {}
        if isinstance(declared, dict) and rest[1] not in declared:
            rest = rest[1:]  # declared on the source itself
    return f"source {name!r}: {key_path(rest)}"


def _message(error: ValidationError, origin: str, document: dict) -> str:
    lines = []
    for item in error.errors(include_url=False):
        if item["type"] == "union_tag_invalid":
            context = item.get("ctx") or {}
            text = f"adapter: expected one of {', '.join(ADAPTERS)}, got {context.get('tag')!r}"
        elif item["type"] == "union_tag_not_found":
            text = f"expected a table, got {item.get('input')!r}"
        else:
            text = problem(item)
        if len(item["loc"]) > 1 and item["loc"][0] == "sources":
            text = text.replace("<id>", str(item["loc"][1]))
        lines.append(f"{origin}: {_where(item['loc'], document)}{text}")
    return "\n".join(lines)


def parse_document(document: dict, origin: str = "sources.toml") -> RegistryFile:
    """The parsed TOML checked whole; any mistake names the file, the source and the key."""
    try:
        return RegistryFile.model_validate(document)
    except ValidationError as error:
        raise RegistryError(_message(error, origin, document)) from None


def _spec(name: str, source: SourceDeclaration) -> SourceSpec:
    return SourceSpec(
        name=name,
        description=source.description,
        patterns=tuple(source.patterns),
        columns=tuple(
            Column(
                name=column,
                dtype=TYPES[declared.type],
                required=declared.required,
                default=declared.default,
            )
            for column, declared in source.columns.items()
        ),
        required=source.required,
        suite=source.suite,
        key=tuple(source.key),
        adapter=source.adapter,
        role=source.role,
        folder=source.folder,
        feeds=tuple(source.feeds),
        precedence=source.precedence,
        citation=source.citation,
        licence=source.licence,
        url=source.url,
        cadence_days=source.cadence_days,
        options=source.options,
        context=source.context,
        citations={
            lang: text
            for lang, text in (source.citations.model_dump() if source.citations else {}).items()
            if text
        },
        classification=source.classification,
        max_lag_years=source.max_lag_years,
        units=dict(source.units),
        geography=source.geography,
        hours_per_week=source.hours_per_week,
    )


def parse_registry(document: dict, origin: str = "sources.toml") -> dict[str, SourceSpec]:
    """Source specs from a parsed registry document; any mistake names the source and key."""
    registry = parse_document(document, origin)
    return {name: _spec(name, source) for name, source in registry.sources.items()}


@dataclass(frozen=True)
class Registry:
    """One registry file, checked: its sources, limits, change threshold and tolerances."""

    sources: dict[str, SourceSpec]
    limits: Limits
    change_threshold: float
    tolerances: dict[str, dict[str, float]]
    release: ReleaseTable


def read_registry(path: Path = DEFAULT_SOURCES_FILE) -> Registry:
    """The registry file, read and checked once per version of it: a file edited while a
    process runs (a scheduled refresh) is read again."""
    path = Path(path).resolve()
    try:
        status = path.stat()
    except FileNotFoundError:
        raise RegistryError(f"source registry {path} not found") from None
    return _read(path, status.st_mtime_ns, status.st_size)


@cache
def _read(path: Path, _mtime_ns: int, _size: int) -> Registry:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise RegistryError(f"source registry {path} not found") from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"source registry {path} is not valid TOML: {error}") from None
    registry = parse_document(document, origin=str(path))
    return Registry(
        sources={name: _spec(name, source) for name, source in registry.sources.items()},
        limits=Limits(**registry.limits.model_dump()),
        change_threshold=registry.changes.relative_threshold,
        tolerances={
            indicator: tolerance.model_dump(exclude_none=True)
            for indicator, tolerance in registry.reconciliation.tolerance.items()
        },
        release=registry.release,
    )


def load_registry(path: Path = DEFAULT_SOURCES_FILE) -> dict[str, SourceSpec]:
    """The declared sources by id."""
    return read_registry(path).sources


def load_limits(path: Path = DEFAULT_SOURCES_FILE) -> Limits:
    """What one raw file may hold: the defaults, overridden by the registry's `[limits]`."""
    return read_registry(path).limits


def load_reconciliation(path: Path = DEFAULT_SOURCES_FILE) -> dict[str, dict[str, float]]:
    """Tolerances per indicator, from the registry's [reconciliation] table."""
    return read_registry(path).tolerances


def load_change_threshold(path: Path = DEFAULT_SOURCES_FILE) -> float:
    """Relative change above which a published figure is flagged ([changes] table)."""
    return read_registry(path).change_threshold


def load_release_policy(path: Path = DEFAULT_SOURCES_FILE) -> ReleaseTable:
    """When a candidate waits for a decision ([release] table)."""
    return read_registry(path).release


def get_source(name: str, registry: dict[str, SourceSpec] | None = None) -> SourceSpec:
    """One declared source, from `registry` or the default registry file."""
    registry = registry if registry is not None else load_registry()
    try:
        return registry[name]
    except KeyError:
        known = ", ".join(registry)
        raise KeyError(f"unknown source '{name}' (known: {known})") from None
