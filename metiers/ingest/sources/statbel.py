"""Statbel files as Statbel ships them: the REFNIS code list of administrative units and the
open-data text tables (`CD_*` codes, `TX_*_FR/NL/DE/EN` texts, `MS_*` measures).

`read_refnis` output, one row per unit in file order:

- `code` (text, 5 digits, leading zeros kept: `01000`);
- `name_fr`, `name_nl` (text, as the file writes them: countries and regions in UPPER CASE);
- `language` (the French `Langue` column: F, N, D, FN; null for aggregates) and
  `language_nl` (the Dutch `Taal` column: the same letters but NF for Brussels);
- `level`: kingdom, region, province, arrondissement or municipality, from the code alone:
  first digit 0 -> `01000` kingdom, other `0x000` region; second digit 0 -> province
  (`10000` ... `90000`, and `20001` Vlaams-Brabant / `20002` Brabant wallon since the 1995
  split); `xx000` -> arrondissement; anything else -> municipality (`11002` Anvers);
- `nuts2` (text or null): the Belgian NUTS-2 code the register uses. A province has its own;
  `04000` (Brussels-Capital region) is BE10; an arrondissement or municipality takes the one
  of its province, found from the first digit of its code, except under 2 where the first two
  digits decide (21 Brussels -> BE10, 23 Halle-Vilvoorde and 24 Leuven -> BE24 Vlaams-Brabant,
  25 Nivelles -> BE31 Brabant wallon). The kingdom and the Flemish and Walloon regions have
  none;
- `name_de` (always null: the 2019 list has no German names) and `nuts1` (BE1 Brussels, BE2
  Flanders, BE3 Wallonia; null for the kingdom), so both REFNIS readers stage one shape;
- `source_row` (Int64): the line number, the header being line 1.

`read_refnis_current` reads Statbel's current distribution (`TU_COM_REFNIS.txt`, `|`,
UTF-8 with BOM, one row per version of a unit): `code`, `name_fr`, `name_nl`, `name_de`,
`level` (from `LVL_REFNIS`: 1 region, 2 province, 3 arrondissement, 4 municipality; it must
agree with the code's form), `level_code` (that number), `parent_code` (`CD_SUP_REFNIS`,
`-` as null), `valid_from`, `valid_to` (dates; the open end `31/12/9999` as null), `nuts2`,
`nuts1`, `source_row`. The file has no kingdom row.

`nuts2_regions` reduces that list to the 11 register NUTS-2 areas (see its docstring).

`read_opendata` output: every column of the file, names lower-cased; `cd_*` as text (leading
zeros kept, surrounding spaces trimmed), the measures (`ms_*`, or the `measures` patterns)
as Float64, all others as text; then `source_row` (the line number).

Every reader takes plain text, gzip-compressed text named `*.gz`, or the first sheet of an
XLSX workbook read as text (metiers/ingest/sources/formats.py).

Options (all optional; `StatbelOptions` in metiers/core/adapter_options.py):

- `encoding`: "auto" (default): UTF-8 (BOM dropped) if the bytes
  are valid UTF-8, else Latin-1. Any Python codec name forces that codec, and bytes it cannot
  decode reject the file (no silent replacement characters).
- `separator`: "auto" (default) sniffs `|`, `;` or tab on the header line; or one character.
- `decimal` (open data): "auto" (default) reads measures with a decimal comma when some cell
  holds a `,` and none holds a `.` (the other mark when `thousands` is "." or ","); "." or
  "," forces it.
- `thousands` (open data): the grouping mark of measures (`.` in `TF_*` tables: ` 64.094 `
  is 64094); digits must be grouped by three. Never guessed: `1.330` is read as 1.33
  unless it is declared.
- `zero_marks` (open data): cells meaning zero (`["-"]` in `TF_*` tables).
- `measures` (open data): glob patterns of the measure columns, lower case (`["ms_*"]` by
  default; `["aant_*", "ms_*"]` for `TF_*` tables).
- `kind` (`read` only): "auto" (default: `Code INS` -> refnis, `LVL_REFNIS` ->
  refnis_current, else opendata), "refnis", "refnis_current" or "opendata".
- `valid_on` (refnis_current): "open" (default) keeps the versions still valid, so each
  code appears once; "all" keeps every version; a date "YYYY-MM-DD" the versions valid on
  that day.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import StatbelOptions, parse_options
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources import formats
from metiers.ingest.sources.base import SAMPLE_SIZE, SOURCE_ROW, read_error
from metiers.ingest.sources.limits import check_cells, check_text_file

SUFFIXES = (".csv", ".txt")

REFNIS_HEADER = "code ins"
REFNIS_COLUMNS = ("code", "name_fr", "language", "code_nis", "name_nl", "language_nl")
SNIFFED_SEPARATORS = ("|", ";", "\t")

KINGDOM = "kingdom"
REGION = "region"
PROVINCE = "province"
ARRONDISSEMENT = "arrondissement"
MUNICIPALITY = "municipality"
LEVELS = (KINGDOM, REGION, PROVINCE, ARRONDISSEMENT, MUNICIPALITY)

# REFNIS code of each province (and of the Brussels-Capital region) -> register NUTS-2 code.
NUTS2_BY_REFNIS = {
    "04000": "BE10",
    "10000": "BE21",
    "70000": "BE22",
    "40000": "BE23",
    "20001": "BE24",
    "30000": "BE25",
    "20002": "BE31",
    "50000": "BE32",
    "60000": "BE33",
    "80000": "BE34",
    "90000": "BE35",
}
# REFNIS code of each region -> NUTS-1 code.
NUTS1_BY_REGION = {"04000": "BE1", "02000": "BE2", "03000": "BE3"}
# The current REFNIS file (TU_COM_REFNIS): its header starts so, its columns -> ours.
REFNIS_CURRENT_START = "lvl_refnis"
REFNIS_CURRENT_COLUMNS = {
    "LVL_REFNIS": "level_code",
    "CD_REFNIS": "code",
    "CD_SUP_REFNIS": "parent_code",
    "TX_REFNIS_FR": "name_fr",
    "TX_REFNIS_NL": "name_nl",
    "TX_REFNIS_DE": "name_de",
    "DT_VLDT_START": "valid_from",
    "DT_VLDT_END": "valid_to",
}
LEVEL_BY_CODE = {1: REGION, 2: PROVINCE, 3: ARRONDISSEMENT, 4: MUNICIPALITY}
OPEN_END = date(9999, 12, 31)
# Arrondissements whose code starts with 2 sit in Brussels or in one of the two Brabants.
NUTS2_BY_BRABANT_PREFIX = {"21": "BE10", "23": "BE24", "24": "BE24", "25": "BE31"}

CODE_PATTERN = re.compile(r"^[0-9]{5}$")
PROVINCE_PREFIX_FR = re.compile(r"^Province (?:de la |de |du |d')", re.IGNORECASE)
PROVINCE_PREFIX_NL = re.compile(r"^Provincie ", re.IGNORECASE)
# Words left in lower case when an UPPER-CASE name is title-cased (not at the start).
SMALL_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "et", "van", "het", "der", "en"})


def refnis_level(code: str) -> str | None:
    """Administrative level of a REFNIS code, None when the code fits no level."""
    if not CODE_PATTERN.match(code):
        return None
    if code[0] == "0":
        if code == "01000":
            return KINGDOM
        return REGION if code[2:] == "000" and code[1] in "234" else None
    if code[1] == "0":
        return PROVINCE
    if code[2:] == "000":
        return ARRONDISSEMENT
    return MUNICIPALITY


def refnis_nuts1(code: str) -> str | None:
    """Belgian NUTS-1 code of a REFNIS unit: its region's (BE1 Brussels, BE2 Flanders, BE3
    Wallonia), None for the kingdom or a code of no level."""
    if code in NUTS1_BY_REGION:
        return NUTS1_BY_REGION[code]
    nuts2 = refnis_nuts2(code)
    return nuts2[:3] if nuts2 else None


def refnis_nuts2(code: str) -> str | None:
    """Register NUTS-2 code of a REFNIS unit (see the module docstring), None if it has none."""
    level = refnis_level(code)
    if level in (KINGDOM, REGION, PROVINCE):
        return NUTS2_BY_REFNIS.get(code)
    if level is None:
        return None
    if code[0] == "2":
        return NUTS2_BY_BRABANT_PREFIX.get(code[:2])
    return NUTS2_BY_REFNIS.get(f"{code[0]}0000")


def title_case(name: str) -> str:
    """`RÉGION DE BRUXELLES-CAPITALE` -> `Région de Bruxelles-Capitale`; mixed case unchanged."""
    if name != name.upper():
        return name
    words = []
    for position, word in enumerate(name.lower().split(" ")):
        if position and word in SMALL_WORDS:
            words.append(word)
        else:
            words.append("-".join(part[:1].upper() + part[1:] for part in word.split("-")))
    return " ".join(words)


def read(
    path: Path,
    options: StatbelOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """REFNIS when the header starts with `Code INS` (or kind is "refnis"), else open data.
    The file is checked against `limits` before it is decoded whole."""
    plan = parse_options(StatbelOptions, options)
    kind = plan.kind
    if kind == "auto":
        text = _decode(path, plan, limits)
        first = text.split("\n", 1)[0].lstrip('"').strip().lower()
        if first.startswith(REFNIS_HEADER):
            kind = "refnis"
        elif first.startswith(REFNIS_CURRENT_START):
            kind = "refnis_current"
        else:
            kind = "opendata"
    if kind == "refnis":
        return read_refnis(path, plan, limits)
    if kind == "refnis_current":
        return read_refnis_current(path, plan, limits)
    return read_opendata(path, plan, limits)


def read_refnis(
    path: Path,
    options: StatbelOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """The REFNIS list (`Code INS;Entités administratives;Langue;Code NIS;...`) with each
    unit's level and register NUTS-2 code."""
    plan = parse_options(StatbelOptions, options)
    text = _decode(path, plan, limits)
    separator = _separator_for(path, plan, text, default=";")
    table = _parse(path, text, separator)
    check_cells(table, path, limits)
    header = [str(cell or "").strip() for cell in table.row(0)] if table.height else []
    if not header or header[0].lower() != REFNIS_HEADER or table.width < len(REFNIS_COLUMNS):
        raise read_error(
            path,
            "not a REFNIS list: expected the header 'Code INS;Entités administratives;Langue;"
            f"Code NIS;Administratieve eenheden;Taal', found {header[:6]}",
        )
    # Line numbers: the header is line 1.
    body = table.slice(1).with_row_index(SOURCE_ROW, offset=2)
    body = body.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    raw = table.columns
    extra = raw[len(REFNIS_COLUMNS) :]
    problems = []
    if extra:
        filled = body.filter(pl.any_horizontal(_cleaned(name).is_not_null() for name in extra))
        if filled.height:
            rule = f"empty: only {len(REFNIS_COLUMNS)} REFNIS columns (codes shown)"
            problems.append(_problem(path, filled, "columns after 'Taal'", rule, values=raw[0]))
    frame = body.select(
        *[_cleaned(name).alias(alias) for name, alias in zip(raw, REFNIS_COLUMNS, strict=False)],
        SOURCE_ROW,
    )
    codes = frame["code"].to_list()
    levels = [refnis_level(code or "") for code in codes]
    frame = frame.with_columns(
        pl.Series("level", levels, dtype=pl.String),
        pl.Series("nuts2", [refnis_nuts2(code or "") for code in codes], dtype=pl.String),
    )
    bad_codes = frame.filter(pl.col("level").is_null())
    if bad_codes.height:
        problems.append(
            _problem(path, bad_codes, "Code INS", "REFNIS code (5 digits of a known level)")
        )
    mismatched = frame.filter(pl.col("code").ne_missing(pl.col("code_nis")))
    if mismatched.height:
        problems.append(_problem(path, mismatched, "Code NIS", "same code as 'Code INS'"))
    if problems:
        raise DataRejected(problems, stage="ingest")
    return frame.select(
        "code",
        "name_fr",
        "name_nl",
        pl.lit(None, dtype=pl.String).alias("name_de"),
        "language",
        "language_nl",
        "level",
        "nuts2",
        pl.Series("nuts1", [refnis_nuts1(code or "") for code in codes], dtype=pl.String),
        SOURCE_ROW,
    )


def read_refnis_current(
    path: Path,
    options: StatbelOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """Statbel's current REFNIS distribution (`TU_COM_REFNIS.txt`: `LVL_REFNIS|CD_REFNIS|
    CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START|DT_VLDT_END`), one row
    per version of a unit, kept as `valid_on` says (by default the open-ended versions, so a
    code appears once)."""
    plan = parse_options(StatbelOptions, options)
    text = _decode(path, plan, limits)
    separator = _separator_for(path, plan, text, default="|")
    table = _parse(path, text, separator)
    check_cells(table, path, limits)
    header = [str(cell or "").strip().upper() for cell in table.row(0)] if table.height else []
    missing = [name for name in REFNIS_CURRENT_COLUMNS if name not in header]
    if missing:
        raise DataRejected(
            [
                DataProblem(file=str(path), column=name, rule="required column", sample=header)
                for name in missing
            ],
            stage="ingest",
        )
    body = table.slice(1).with_row_index(SOURCE_ROW, offset=2)
    body = body.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
    column = {name: table.columns[header.index(name)] for name in REFNIS_CURRENT_COLUMNS}
    frame = body.select(
        *[_cleaned(column[name]).alias(alias) for name, alias in REFNIS_CURRENT_COLUMNS.items()],
        SOURCE_ROW,
    )
    frame = frame.with_columns(
        pl.col("level_code").cast(pl.Int32, strict=False),
        pl.when(pl.col("parent_code") == "-")
        .then(None)
        .otherwise("parent_code")
        .alias("parent_code"),
        *[
            pl.col(name).str.to_date("%d/%m/%Y", strict=False).alias(f"__{name}")
            for name in ("valid_from", "valid_to")
        ],
    )
    codes = frame["code"].to_list()
    frame = frame.with_columns(
        pl.col("level_code").replace_strict(LEVEL_BY_CODE, default=None).alias("level"),
        pl.Series("__form", [refnis_level(code or "") for code in codes], dtype=pl.String),
        pl.Series("nuts2", [refnis_nuts2(code or "") for code in codes], dtype=pl.String),
        pl.Series("nuts1", [refnis_nuts1(code or "") for code in codes], dtype=pl.String),
    )
    problems = []
    checks = (
        (pl.col("level").is_null(), "LVL_REFNIS", "level 1 to 4", "level_code"),
        (
            pl.col("level").ne_missing(pl.col("__form")),
            "CD_REFNIS",
            "5-digit code of the level LVL_REFNIS gives",
            "code",
        ),
        (pl.col("__valid_from").is_null(), "DT_VLDT_START", "date dd/mm/yyyy", "valid_from"),
        (pl.col("__valid_to").is_null(), "DT_VLDT_END", "date dd/mm/yyyy", "valid_to"),
    )
    for failed, name, rule, shown in checks:
        bad = frame.filter(failed)
        if bad.height:
            problems.append(_problem(path, bad, name, rule, values=shown))
    if problems:
        raise DataRejected(problems, stage="ingest")
    frame = frame.with_columns(
        pl.col("__valid_from").alias("valid_from"),
        pl.when(pl.col("__valid_to") == OPEN_END)
        .then(None)
        .otherwise("__valid_to")
        .alias("valid_to"),
    )
    if plan.valid_on == "open":
        frame = frame.filter(pl.col("valid_to").is_null())
    elif plan.valid_on != "all":
        day = date.fromisoformat(plan.valid_on)
        frame = frame.filter(
            (pl.col("valid_from") <= day)
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= day))
        )
    return frame.select(
        "code",
        "name_fr",
        "name_nl",
        "name_de",
        "level",
        "level_code",
        "parent_code",
        "valid_from",
        "valid_to",
        "nuts2",
        "nuts1",
        SOURCE_ROW,
    )


def nuts2_regions(refnis: pl.DataFrame) -> pl.DataFrame:
    """One row per register NUTS-2 code (BE10, BE21 ... BE35: 11 with a full REFNIS list).

    Columns: `nuts2`, `code` (the REFNIS code the names come from), `name_fr` and `name_nl`
    (short names: `Province d'Anvers` -> `Anvers`, `Provincie Antwerpen` -> `Antwerpen`;
    the file's case otherwise kept, e.g. `Brabant Flamand`; the Brussels region, in UPPER CASE
    in the file, title-cased: `Région de Bruxelles-Capitale`, `Brussels Hoofdstedelijk
    Gewest`), `label_fr` and `label_nl` (the names exactly as in the file). Sorted by `nuts2`.
    """
    units = refnis.filter(
        pl.col("code").is_in(list(NUTS2_BY_REFNIS)) & pl.col("level").is_in([REGION, PROVINCE])
    )
    rows = []
    for code, label_fr, label_nl in units.select("code", "name_fr", "name_nl").iter_rows():
        rows.append(
            {
                "nuts2": NUTS2_BY_REFNIS[code],
                "code": code,
                "name_fr": title_case(PROVINCE_PREFIX_FR.sub("", label_fr or "")),
                "name_nl": title_case(PROVINCE_PREFIX_NL.sub("", label_nl or "")),
                "label_fr": label_fr,
                "label_nl": label_nl,
            }
        )
    schema = dict.fromkeys(
        ("nuts2", "code", "name_fr", "name_nl", "label_fr", "label_nl"), pl.String
    )
    return pl.DataFrame(rows, schema=schema, orient="row").sort("nuts2")


def read_opendata(
    path: Path,
    options: StatbelOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """A Statbel open-data table: `cd_*` text, `tx_*` text, `ms_*` Float64, others text."""
    plan = parse_options(StatbelOptions, options)
    text = _decode(path, plan, limits)
    separator = _separator_for(path, plan, text)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    names = next(csv.reader([header_line], delimiter=separator))
    table = _parse(path, text, separator)
    check_cells(table, path, limits)
    if table.width != len(names) or table.height == 0:
        raise read_error(path, f"header of {len(names)} columns does not match the table")
    body = table.slice(1)
    lowered = [name.strip().lower() for name in names]
    keep = []
    originals = {}
    for position, name in enumerate(lowered):
        column = body.columns[position]
        if not name:
            # Trailing separators: nameless columns without content are dropped.
            if body[column].drop_nulls().str.strip_chars().eq("").all():
                continue
            name = f"column_{position + 1}"
        keep.append((column, name))
        originals[name] = names[position].strip()
    doubles = sorted({name for _, name in keep if [n for _, n in keep].count(name) > 1})
    if doubles:
        raise read_error(path, f"columns named twice (ignoring case): {doubles}")
    frame = body.select(pl.col(column).alias(name) for column, name in keep)
    # Line numbers: the header is line 1.
    frame = frame.with_row_index(SOURCE_ROW, offset=2).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )

    measures = [
        name
        for _, name in keep
        if any(fnmatchcase(name, pattern.lower()) for pattern in plan.measures)
    ]
    decimal = plan.decimal
    if decimal == "auto" and plan.thousands in (".", ","):
        decimal = "," if plan.thousands == "." else "."
    elif decimal == "auto":
        # A decimal comma when some measure holds a `,` and none a `.`. A single dot is never
        # taken for a thousands mark (`1.330`): a table that groups digits declares it.
        has_comma = _any_contains(frame, measures, ",")
        has_point = _any_contains(frame, measures, ".")
        decimal = "," if has_comma and not has_point else "."
    pattern = _number_pattern(decimal, plan.thousands)

    problems = []
    converted = []
    for _, name in keep:
        if name in measures:
            cell = _cleaned(name)
            number = pl.when(cell.str.contains(pattern)).then(cell)
            if plan.thousands:
                number = number.str.replace_all(plan.thousands, "", literal=True)
            number = number.str.replace(decimal, ".", literal=True).cast(pl.Float64)
            if plan.zero_marks:
                number = pl.when(cell.is_in(plan.zero_marks)).then(0.0).otherwise(number)
            converted.append(number.alias(name))
            bad = frame.filter(
                cell.is_not_null() & ~cell.is_in(plan.zero_marks) & ~cell.str.contains(pattern)
            )
            if bad.height:
                rule = f"type: number (decimal mark {decimal!r}"
                rule += f", thousands {plan.thousands!r}" if plan.thousands else ""
                rule += f", zero marks {plan.zero_marks}" if plan.zero_marks else ""
                problems.append(_problem(path, bad, originals[name], rule + ")", values=name))
        elif name.startswith("cd_"):
            converted.append(_cleaned(name).alias(name))
        else:
            converted.append(pl.col(name))
    if problems:
        raise DataRejected(problems, stage="ingest")
    return frame.select(*converted, SOURCE_ROW)


def _number_pattern(decimal: str, thousands: str | None) -> str:
    """A number with `decimal` as its mark; with `thousands`, digits grouped by three
    (`64.094`, `1.234.567,5`) or not grouped at all."""
    whole = "[0-9]+"
    if thousands:
        mark = re.escape(thousands)
        whole = f"(?:[0-9]{{1,3}}(?:{mark}[0-9]{{3}})+|[0-9]+)"
    point = re.escape(decimal)
    return f"^[+-]?(?:{whole}(?:{point}[0-9]*)?|{point}[0-9]+)$"


def _separator_for(path: Path, plan: StatbelOptions, text: str, default: str | None = None) -> str:
    if plan.separator != "auto":
        return plan.separator
    header = text.split("\n", 1)[0]
    counts = {separator: header.count(separator) for separator in SNIFFED_SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])
    if counts[best]:
        return best
    if default:
        return default
    raise read_error(path, "no '|', ';' or tab in the header line: set the 'separator' option")


def _decode(path: Path, plan: StatbelOptions, limits: Limits | None = None) -> str:
    """The file's text: plain, gunzipped (`*.gz`), or an XLSX sheet written out with the
    declared separator (`|` when "auto")."""
    kind = formats.file_format(path)
    if kind == formats.GZIP:
        with formats.gunzipped(path, limits) as inner:
            return _decode(inner, plan, limits)
    if kind == formats.XLSX:
        separator = "|" if plan.separator == "auto" else plan.separator
        text = formats.sheet_text(formats.read_sheet(path, limits), separator)
        if not text.strip():
            raise read_error(path, "file holds no header")
        return text
    check_text_file(path, limits, plan.separator)
    data = path.read_bytes()
    if not data:
        raise read_error(path, "file is empty")
    if plan.codec == "auto":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    else:
        try:
            text = data.decode(plan.codec)
        except UnicodeDecodeError as error:
            raise read_error(
                path,
                f"unreadable as {plan.encoding} (byte {error.start}: {error.reason}); "
                "Statbel files are often Latin-1: set encoding to 'latin-1' or 'auto'",
            ) from error
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise read_error(path, "file holds no header")
    return text


def _parse(path: Path, text: str, separator: str) -> pl.DataFrame:
    """Every line as text fields, the header line included (row 0)."""
    try:
        return pl.read_csv(
            text.encode("utf-8"),
            separator=separator,
            has_header=False,
            infer_schema=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as error:
        raise read_error(path, f"unreadable as delimited text ({error})") from error


def _any_contains(frame: pl.DataFrame, columns: list[str], mark: str) -> bool:
    if not columns:
        return False
    found = pl.any_horizontal(
        pl.col(name).str.contains(mark, literal=True).any() for name in columns
    )
    return bool(frame.select(found).item())


def _cleaned(name: str) -> pl.Expr:
    cell = pl.col(name).str.strip_chars()
    return pl.when(cell == "").then(None).otherwise(cell)


def _problem(
    path: Path,
    bad: pl.DataFrame,
    column: str,
    rule: str,
    values: str | None = None,
) -> DataProblem:
    head = bad.head(SAMPLE_SIZE)
    if values is None:
        values = "code" if "code" in head.columns else head.columns[0]
    return DataProblem(
        file=str(path),
        column=column,
        rule=rule,
        sample=head[values].to_list(),
        rows=head[SOURCE_ROW].to_list(),
        count=bad.height,
    )
