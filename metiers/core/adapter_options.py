"""What each adapter may be told, as one pydantic model per adapter: the one definition of
every option, its type, its default and its rules.

The registry (`sources.toml`, metiers/core/source_registry.py) checks every source's `options`
table against its adapter's model when it is read, so a mistake stops the command before
any file is read, naming the registry file, the source, the key and the bad value. An
adapter called directly with a plain mapping checks it against the same model
(`parse_options`). Unknown keys and wrong types are refused, never ignored or coerced:
`separator = 1` is an error, not ",".

Every adapter takes `compression` and the text dialect: `encoding` (a Python codec name),
`separator` (one character, "tab", or "auto": sniffed from the header line) and, where
numbers are read from text, `decimal`.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from metiers.core.errors import UsageError, shorten

# Position of each record in its raw file (CSV line, sheet row, Parquet row), kept in staging
# so that a validation failure can point at the rows to fix; no declared column may take it.
SOURCE_ROW = "source_row"
# Aggregate columns naming a table's period: read as text (`2017-2019`, `2024-Q1`), never as
# numbers, and parsed at staging (metiers/methodology/periods.py).
PERIOD_COLUMNS = ("year", "period")

# A TOML value type as a person reads it in a message.
TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}
BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


class StrictTable(BaseModel):
    """A TOML table: only the declared keys, each of its declared type (no coercion from text,
    no bool for a number), frozen once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        data = cls.prepare(data)
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                raise ValueError(
                    f"unknown key(s) {', '.join(repr(shorten(str(key))) for key in unknown)}; "
                    f"known: {', '.join(cls.model_fields)}"
                )
        return data

    @classmethod
    def prepare(cls, data: Any) -> Any:
        """The table as written, reshaped before it is checked (e.g. a shorthand)."""
        return data


# -- value types -------------------------------------------------------------------------


def _codec(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"unknown encoding {value!r}: expected a Python codec name such as 'utf-8' or 'latin-1'"
        ) from None
    return value


def _codec_or_auto(value: str) -> str:
    return value if value.lower() == "auto" else _codec(value)


def _separator(value: str) -> str:
    chosen = "\t" if value.lower() in ("tab", "\\t") else value
    if chosen != "auto" and (len(chosen) != 1 or chosen in '"\r\n'):
        raise ValueError(
            "expected one character (not a quote or a line break), 'tab' or 'auto', "
            f"got {shorten(value)!r}"
        )
    return chosen


def _point_only(why: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value != ".":
            raise ValueError(f"expected '.', got {shorten(value)!r}: {why}")
        return value

    return check


def _lowered(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _language(value: str) -> str:
    lang = value.strip().lower()
    parts = lang.split("-")
    if not (1 <= len(parts) <= 2 and all(len(part) == 2 and part.isalpha() for part in parts)):
        raise ValueError(f"expected a language code such as 'fr' or 'en-us', got {value!r}")
    return lang


Encoding = Annotated[str, AfterValidator(_codec)]
EncodingOrAuto = Annotated[str, AfterValidator(_codec_or_auto)]
Separator = Annotated[str, AfterValidator(_separator)]
Compression = Annotated[Literal["none", "gzip"], BeforeValidator(_lowered)]
Scalar = str | int | float | bool


def codec_of(encoding: str) -> str:
    """The Python codec of a declared encoding; UTF-8 reads with or without a BOM."""
    if encoding.lower() == "auto":
        return "auto"
    codec = codecs.lookup(encoding).name
    return "utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec


# -- one model per adapter ------------------------------------------------------------------


class AdapterOptions(StrictTable):
    """What every adapter takes."""

    adapter: ClassVar[str] = ""
    # "gzip": the source's files may be gzip streams, decompressed to a bounded temporary
    # copy before the adapter reads (metiers/ingest/sources/limits.py); without it, a file starting
    # with gzip, zip or other archive bytes is rejected.
    compression: Compression = "none"
    encoding: Encoding = "utf-8"
    separator: Separator = "auto"

    @property
    def codec(self) -> str:
        return codec_of(self.encoding)

    @property
    def renames(self) -> dict[str, str]:
        """Raw column name (trimmed, lower case) -> the name the registry declares."""
        return {}


class TabularOptions(AdapterOptions):
    """CSV, TSV and TXT (metiers/ingest/sources/delimited.py), Parquet and XLSX. Numbers are read
    with a decimal point: a table with decimal commas is read by the `aggregate` adapter."""

    adapter: ClassVar[str] = "tabular"
    decimal: Annotated[str, AfterValidator(_point_only("use adapter 'aggregate' for ','"))] = "."
    # The file's own column names -> the declared ones (`"Année" = "year"`), matched
    # ignoring case and surrounding spaces.
    columns: dict[str, str] = Field(default_factory=dict)

    @property
    def renames(self) -> dict[str, str]:
        return {raw.strip().lower(): ours for raw, ours in self.columns.items()}


class EscoOptions(AdapterOptions):
    """ESCO's CSV exports (metiers/ingest/sources/esco.py): `separator` "auto" means ","."""

    adapter: ClassVar[str] = "esco"
    # The language of the file, when its name does not end in `_fr`, `_nl`, ...
    lang: Annotated[str, AfterValidator(_language)] | None = None


class EurostatOptions(AdapterOptions):
    """Eurostat bulk TSV and SDMX-CSV (metiers/ingest/sources/eurostat.py): the TSV is always
    tab-separated; SDMX-CSV honours a declared separator."""

    adapter: ClassVar[str] = "eurostat"
    decimal: Annotated[str, AfterValidator(_point_only("Eurostat writes no decimal comma"))] = "."
    # XLSX: the sheet holding the SDMX-CSV or TSV layout (its name); the first by default.
    sheet: str | None = None


class StatbelOptions(AdapterOptions):
    """Statbel's REFNIS list and open-data text (metiers/ingest/sources/statbel.py). `encoding`
    "auto": UTF-8 when the bytes are UTF-8, else Latin-1; `decimal` "auto": a comma when some
    measure holds a `,` and none a `.`; `kind` "auto": REFNIS when the header starts with
    `Code INS`."""

    adapter: ClassVar[str] = "statbel"
    encoding: EncodingOrAuto = "auto"
    decimal: Literal["auto", ".", ","] = "auto"
    kind: Literal["auto", "refnis", "refnis_current", "opendata"] = "auto"
    # Open data: grouping mark removed from measures ("." in TF_* tables: ` 64.094 `); a
    # number using it must group digits by three. None: no grouping mark (never guessed).
    thousands: str | None = None
    # Open data: cells meaning zero (TF_* tables write `-` for none).
    zero_marks: list[str] = Field(default_factory=list)
    # Open data: glob patterns of the measure columns (lower case), `ms_*` by default.
    measures: list[str] = Field(default_factory=lambda: ["ms_*"])
    # REFNIS current (TU_COM_REFNIS): "open" keeps the versions still valid (end date
    # 31/12/9999), "all" every version, or a date "YYYY-MM-DD" the versions valid that day.
    valid_on: str = "open"

    @field_validator("thousands")
    @classmethod
    def _one_mark(cls, mark: str | None) -> str | None:
        if mark is not None and (len(mark) != 1 or mark.isdigit() or mark in "+-"):
            raise ValueError(f"expected one character that is not a digit or a sign, got {mark!r}")
        return mark

    @field_validator("valid_on")
    @classmethod
    def _valid_on(cls, value: str) -> str:
        if value in ("open", "all"):
            return value
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"expected 'open', 'all' or a date such as '2024-01-01', got {value!r}"
            ) from None
        return value

    @field_validator("zero_marks")
    @classmethod
    def _trimmed_marks(cls, marks: list[str]) -> list[str]:
        # Cells are compared trimmed (` -     ` is `-`), so the marks are too.
        return [mark.strip() for mark in marks]

    @model_validator(mode="after")
    def _marks_apart(self) -> StatbelOptions:
        if self.thousands is not None and self.thousands == self.decimal:
            raise ValueError(f"thousands {self.thousands!r} clashes with decimal {self.decimal!r}")
        if any(not mark.strip() for mark in self.zero_marks):
            raise ValueError("an empty zero mark cannot be told from an empty cell")
        return self


class HierarchyOptions(StrictTable):
    """How a hierarchical table adds up (`aggregate.check_hierarchy`): the rows of each level
    of `column` other than `total` sum, column by column of `sum`, to the total row, within
    `tolerance` relative to it."""

    column: str
    total: str = "total"
    sum: list[str] = Field(min_length=1)
    tolerance: float = Field(default=1e-4, ge=0)


class AggregateOptions(AdapterOptions):
    """Published aggregate tables (metiers/ingest/sources/aggregate.py describes each option)."""

    adapter: ClassVar[str] = "aggregate"
    decimal: Literal[".", ","] = "."
    # Grouping mark removed from numbers; None: "," with a decimal point, "." with a decimal
    # comma; "" for none.
    thousands: str | None = None
    columns: dict[str, str] = Field(min_length=1)
    keys: list[str] = Field(default_factory=list)
    booleans: list[str] = Field(default_factory=list)
    markers: dict[str, str] = Field(default_factory=dict)
    top_codes: dict[str, float] = Field(default_factory=dict)
    filter: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)
    hierarchy: HierarchyOptions | None = None
    defaults: dict[str, Scalar] = Field(default_factory=dict)
    # XLSX: the sheet to read (its name); the first by default.
    sheet: str | None = None

    @field_validator("markers")
    @classmethod
    def _no_empty_marker(cls, markers: dict[str, str]) -> dict[str, str]:
        stripped = {marker.strip(): meaning for marker, meaning in markers.items()}
        if "" in stripped:
            raise ValueError("an empty marker cannot be told from an empty cell")
        return stripped

    @model_validator(mode="after")
    def _consistent(self) -> AggregateOptions:
        if self.grouping == self.decimal or any(char.isdigit() for char in self.grouping):
            raise ValueError(f"thousands {self.grouping!r} clashes with decimal {self.decimal!r}")
        canonical = list(self.columns.values())
        raw = [name.strip().lower() for name in self.columns]
        doubles = sorted({name for name in canonical if canonical.count(name) > 1})
        doubles += sorted({name for name in raw if raw.count(name) > 1})
        if doubles:
            raise ValueError(f"columns names {doubles} more than once")
        for option, names in (("keys", self.keys), ("booleans", self.booleans)):
            unmapped = sorted(set(names) - set(canonical))
            if unmapped:
                raise ValueError(f"{option} names unmapped columns {unmapped}")
        both = sorted(set(self.keys) & set(self.booleans))
        if both:
            raise ValueError(f"columns {both} are both keys and booleans")
        capped = sorted(set(self.top_codes) - set(self.value_columns))
        if capped:
            raise ValueError(f"top_codes names columns that are not value columns: {capped}")
        for name in self.filter:
            if name not in canonical:
                raise ValueError(f"filter on unmapped column {name!r} (mapped: {canonical})")
        self._filter_values()
        read = {*canonical, SOURCE_ROW, *(f"{name}_flag" for name in self.value_columns)}
        clashes = sorted(set(self.defaults) & read)
        if clashes:
            raise ValueError(f"defaults {clashes} clash with read columns")
        if self.hierarchy is not None:
            if self.hierarchy.column not in canonical:
                raise ValueError(f"hierarchy.column {self.hierarchy.column!r} is not mapped")
            summed = sorted(set(self.hierarchy.sum) - set(self.value_columns))
            if summed:
                raise ValueError(
                    f"hierarchy.sum names columns that are not value columns: {summed}"
                )
        return self

    @property
    def renames(self) -> dict[str, str]:
        return {raw.strip().lower(): ours for raw, ours in self.columns.items()}

    @property
    def grouping(self) -> str:
        """The thousands mark in effect ("" for none)."""
        if self.thousands is None:
            return "," if self.decimal == "." else "."
        return self.thousands

    @property
    def key_columns(self) -> list[str]:
        """Text identifiers, in the order of `columns`; a period column is one too."""
        return [
            name for name in self.columns.values() if name in self.keys or name in PERIOD_COLUMNS
        ]

    @property
    def boolean_columns(self) -> list[str]:
        return [name for name in self.columns.values() if name in self.booleans]

    @property
    def value_columns(self) -> list[str]:
        """Every other mapped column: a number with its flag."""
        return [
            name
            for name in self.columns.values()
            if name not in self.keys and name not in self.booleans and name not in PERIOD_COLUMNS
        ]

    @property
    def allowed(self) -> dict[str, list[Scalar]]:
        """`filter` with each value of its column's kind: text for keys, true/false for
        booleans, numbers for values."""
        return self._filter_values()

    def _filter_values(self) -> dict[str, list[Scalar]]:
        allowed: dict[str, list[Scalar]] = {}
        for name, declared in self.filter.items():
            values = declared if isinstance(declared, list) else [declared]
            if name in self.keys or name in PERIOD_COLUMNS:
                allowed[name] = [str(value) for value in values]
                continue
            boolean = name in self.booleans
            wrong = [
                value
                for value in values
                if (not isinstance(value, bool)) == boolean
                or (not boolean and not isinstance(value, int | float))
            ]
            if wrong:
                kind = "true or false" if boolean else "numbers"
                raise ValueError(f"filter on {name!r} takes {kind}, got {wrong}")
            allowed[name] = list(values)
        return allowed


# The columns a crosswalk file is mapped to (CrosswalkOptions.columns).
CROSSWALK_COLUMNS = ("source_code", "target_code", "target_uri", "weight", "relation")


class CrosswalkOptions(AdapterOptions):
    """Occupation crosswalks (metiers/ingest/sources/crosswalk.py): a file mapping the codes
    of another classification (SOC, ROME, Competent, FAP) to ESCO concepts or ISCO-08 groups.

    - `columns`: the file's column names -> source_code, target_code, target_uri, weight,
      relation; source_code and the target (target_uri for "esco_uri", else target_code)
      are required; weight when `weights = "column"`.
    - `target`: "esco_uri" (joined to ESCO on the concept URI, which survives releases),
      "esco_code" or "isco08".
    - `weights`: "equal" (a source code's value is split equally among its targets) or
      "column" (the declared weight column).
    - `relations`: the mapping relations kept (e.g. ["skos:exactMatch"]); empty: all.
    - `header`: "auto" (the first line naming two mapped columns, after any metadata
      block) or the header's line number.
    """

    adapter: ClassVar[str] = "crosswalk"
    separator: Separator = ","
    columns: dict[str, str] = Field(min_length=1)
    target: Literal["esco_uri", "esco_code", "isco08"] = "esco_uri"
    weights: Literal["equal", "column"] = "equal"
    relations: list[str] = Field(default_factory=list)
    header: Literal["auto"] | Annotated[int, Field(ge=1)] = "auto"

    @model_validator(mode="after")
    def _maps_what_it_needs(self) -> CrosswalkOptions:
        mapped = list(self.columns.values())
        unknown = sorted(set(mapped) - set(CROSSWALK_COLUMNS))
        if unknown:
            raise ValueError(
                f"columns maps to {unknown}; expected some of {', '.join(CROSSWALK_COLUMNS)}"
            )
        doubles = sorted({name for name in mapped if mapped.count(name) > 1})
        if doubles:
            raise ValueError(f"columns names {doubles} more than once")
        target = "target_uri" if self.target == "esco_uri" else "target_code"
        needed = ["source_code", target] + (["weight"] if self.weights == "column" else [])
        missing = [name for name in needed if name not in mapped]
        if missing:
            raise ValueError(
                f"columns must map {missing} (target {self.target!r}, weights {self.weights!r})"
            )
        if self.relations and "relation" not in mapped:
            raise ValueError("relations filters on a column mapped to 'relation': map one")
        return self

    @property
    def renames(self) -> dict[str, str]:
        return {raw.strip().lower(): ours for raw, ours in self.columns.items()}


OPTIONS_BY_ADAPTER: dict[str, type[AdapterOptions]] = {
    "tabular": TabularOptions,
    "esco_occupations": EscoOptions,
    "esco_isco_groups": EscoOptions,
    "eurostat": EurostatOptions,
    "statbel": StatbelOptions,
    "aggregate": AggregateOptions,
    "crosswalk": CrosswalkOptions,
}

Model = TypeVar("Model", bound=AdapterOptions)


def parse_options(model: type[Model], options: Mapping[str, Any] | Model | None) -> Model:
    """Options as the adapter's model: a model passes as it is (the registry checked it), a
    mapping is checked, and a mistake is a usage error naming the key and the value."""
    if isinstance(options, model):
        return options
    try:
        return model.model_validate(dict(options or {}))
    except ValidationError as error:
        lines = [
            f"{model.adapter} options: {key_path(item['loc'])}{problem(item)}"
            for item in error.errors(include_url=False)
        ]
        raise UsageError("\n".join(lines)) from None


# -- messages ------------------------------------------------------------------------------


def key_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """`options.columns.Code: ` for a location, `series (item 2): ` for a list's item, ""
    for the table itself."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f" (item {part + 1})"
        else:
            text += f".{part}" if text else str(part)
    return f"{text}: " if text else ""


def problem(item: Mapping[str, Any]) -> str:
    """What is wrong with one value, and the value, in words."""
    kind = item["type"]
    context = item.get("ctx") or {}
    value = item.get("input")
    shown = shorten(repr(value))
    if kind in ("value_error", "assertion_error"):
        return str(context.get("error", item["msg"]))
    if kind == "missing":
        return "required, and missing"
    if kind in TYPE_WORDS:
        return f"expected {TYPE_WORDS[kind]}, got {shown}"
    if kind == "literal_error":
        return f"expected {context['expected']}, got {shown}"
    if kind in BOUNDS:
        return f"expected a number {BOUNDS[kind]} {next(iter(context.values()))}, got {shown}"
    if kind in ("too_short", "string_too_short"):
        return f"expected at least {context.get('min_length', 1)} item(s), got {shown}"
    return f"{item['msg']}, got {shown}"
