"""ESCO classification exports (occupations, ISCO-08 groups) as the Commission ships them.

The files are RFC-4180 CSV whose multi-valued fields (`altLabels`, `hiddenLabels`, `inScheme`,
`naceCode`) hold one value per line *inside* a quoted field, so a record spans several physical
lines. Every field is read as text: ISCO codes keep their leading zeros (`0110`) and ESCO codes
stay dotted strings (`2654.1.7`).

Quirks handled here (see data/external/README.md in the shared folder):
- a release can list a `conceptUri` twice, the rows differing only in `modifiedDate`: the row
  with the latest date is kept (on a tie, the last one in the file);
- French preferred labels are `masculin/féminin` pairs, and a `/` can also sit inside
  «guillemets», so the pair is split only on a `/` outside any quotes or brackets;
- `modifiedDate` is ISO 8601 in UTC with 0 to 3 decimals (`2016-07-05T15:45:57Z`,
  `2024-01-16T13:49:12.7Z`, `2024-01-25T11:28:50.295Z`); it is kept as a naive UTC datetime;
- v1.2.1 added a `naceCode` column that v1.2.0 files lack (`has_nace`);
- a file cut in the middle of a quoted field is rejected, never read as fewer records.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from metiers.core.adapter_options import EscoOptions, parse_options
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.limits import Limits
from metiers.ingest.sources.base import SOURCE_ROW, read_error
from metiers.ingest.sources.limits import check_cells, check_text_file

SUFFIXES = (".csv",)

OCCUPATION_REQUIRED = ("conceptUri", "iscoGroup", "preferredLabel", "code")
ISCO_GROUP_REQUIRED = ("conceptUri", "code", "preferredLabel")
# Optional columns read when present; an absent one gives empty labels or nulls.
OCCUPATION_OPTIONAL = ("altLabels", "hiddenLabels", "status", "modifiedDate", "naceCode")
ISCO_GROUP_OPTIONAL = ("altLabels",)

OCCUPATION_SCHEMA: dict[str, pl.DataType] = {
    "concept_uri": pl.String(),
    "code": pl.String(),
    "isco_group": pl.String(),
    "preferred_label": pl.String(),
    "label_masculine": pl.String(),
    "label_feminine": pl.String(),
    "alt_labels": pl.List(pl.String()),
    "hidden_labels": pl.List(pl.String()),
    "status": pl.String(),
    "modified_date": pl.Datetime("us"),
    "lang": pl.String(),
    "has_nace": pl.Boolean(),
    SOURCE_ROW: pl.UInt32(),
}
ISCO_GROUP_SCHEMA: dict[str, pl.DataType] = {
    "concept_uri": pl.String(),
    "code": pl.String(),
    "level": pl.Int32(),
    "preferred_label": pl.String(),
    "alt_labels": pl.List(pl.String()),
    "lang": pl.String(),
    SOURCE_ROW: pl.UInt32(),
}
DIFFERENCE_COLUMNS = ("concept_uri", "code", "lang", "isco_group")

ISCO_UNIT_PATTERN = r"^\d{4}$"
ISCO_GROUP_PATTERN = r"^\d{1,4}$"
ESCO_CODE_PATTERN = r"^\d{4}(\.\d+)*$"
# `occupations_fr.csv`, `ISCOGroups_nl.csv`, `esco_v1.2.1_occupations_fr.csv`, `..._en-us.csv`.
LANGUAGE_PATTERN = re.compile(r"_([a-z]{2}(?:-[a-z]{2})?)$", re.IGNORECASE)
# ISO 8601 forms, most specific first; a zone is converted to UTC, none means UTC already.
DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f")
ZONED_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
DATE_FORMAT = "%Y-%m-%d"
UTF8_BOM = b"\xef\xbb\xbf"
# Brackets that protect a `/` from being read as the masculine/feminine separator.
BRACKETS = {"«": "»", "(": ")", "[": "]", "{": "}", "“": "”", "‹": "›"}
SAMPLE_SIZE = 5


def language_of(path: Path) -> str | None:
    """The language code an ESCO export carries at the end of its name (`..._fr.csv` -> fr)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        return None
    match = LANGUAGE_PATTERN.search(path.stem)
    return match.group(1).lower() if match else None


def split_gendered(label: str) -> tuple[str, str]:
    """(masculine, feminine) of a `masculin/féminin` label; (label, label) when not a pair.

    Only a single `/` outside «guillemets», quotes and brackets separates the two forms, so
    `formateur «a/b»/formatrice «a/b»` gives `formateur «a/b»` and `formatrice «a/b»`. Spaces
    around the forms are dropped (`pontier / pontière`). A label with no such `/`, or with
    several, is not a pair.
    """
    text = label.strip()
    closers: list[str] = []
    in_quotes = False
    cuts: list[int] = []
    for position, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif in_quotes:
            continue
        elif char in BRACKETS:
            closers.append(BRACKETS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "/" and not closers:
            cuts.append(position)
    if len(cuts) != 1:
        return text, text
    masculine, feminine = text[: cuts[0]].strip(), text[cuts[0] + 1 :].strip()
    if not masculine or not feminine:
        return text, text
    return masculine, feminine


def read_occupations(
    path: Path,
    options: EscoOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """One typed row per ESCO occupation (`conceptUri`), the latest version of duplicates."""
    path = Path(path)
    plan = parse_options(EscoOptions, options)
    lang = _language(path, plan)
    records = _read_records(path, plan, OCCUPATION_REQUIRED, OCCUPATION_OPTIONAL, limits)
    has_nace = "naceCode" in records.columns
    frame = records.select(
        _text("conceptUri").alias("concept_uri"),
        _text("code").alias("code"),
        _text("iscoGroup").alias("isco_group"),
        _text("preferredLabel").alias("preferred_label"),
        _labels(records, "altLabels").alias("alt_labels"),
        _labels(records, "hiddenLabels").alias("hidden_labels"),
        (_text("status") if "status" in records.columns else pl.lit(None, pl.String())).alias(
            "status"
        ),
        _raw_text(records, "modifiedDate").alias("modified_raw"),
        pl.lit(lang, pl.String()).alias("lang"),
        pl.lit(has_nace, pl.Boolean()).alias("has_nace"),
        pl.col(SOURCE_ROW),
    ).with_columns(_parse_datetime(pl.col("modified_raw")).alias("modified_date"))

    problems = [
        *_check(frame, path, "concept_uri", "conceptUri", "non-empty concept URI", r"\S"),
        *_check(
            frame,
            path,
            "isco_group",
            "iscoGroup",
            "4-digit ISCO-08 unit group as text (leading zero kept)",
            ISCO_UNIT_PATTERN,
        ),
        *_check(frame, path, "code", "code", "ESCO code ISCO.n.n as text", ESCO_CODE_PATTERN),
        *_check(frame, path, "preferred_label", "preferredLabel", "non-empty label", r"\S"),
        *_unparsed_dates(frame, path),
    ]
    if problems:
        raise DataRejected(problems, stage="ingest")

    # Latest modifiedDate wins; on a tie (or no date) the last record in the file wins.
    frame = (
        frame.sort(["modified_date", SOURCE_ROW], nulls_last=False)
        .unique(subset="concept_uri", keep="last", maintain_order=True)
        .sort(SOURCE_ROW)
    )
    pairs = [split_gendered(label) for label in frame["preferred_label"].to_list()]
    frame = frame.with_columns(
        pl.Series("label_masculine", [pair[0] for pair in pairs], dtype=pl.String()),
        pl.Series("label_feminine", [pair[1] for pair in pairs], dtype=pl.String()),
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in OCCUPATION_SCHEMA.items()])


def read_isco_groups(
    path: Path,
    options: EscoOptions | Mapping[str, Any] | None = None,
    limits: Limits | None = None,
) -> pl.DataFrame:
    """One typed row per ISCO-08 group of an ESCO `ISCOGroups_xx.csv`, codes kept as text."""
    path = Path(path)
    plan = parse_options(EscoOptions, options)
    lang = _language(path, plan)
    records = _read_records(path, plan, ISCO_GROUP_REQUIRED, ISCO_GROUP_OPTIONAL, limits)
    frame = records.select(
        _text("conceptUri").alias("concept_uri"),
        _text("code").alias("code"),
        _text("preferredLabel").alias("preferred_label"),
        _labels(records, "altLabels").alias("alt_labels"),
        pl.lit(lang, pl.String()).alias("lang"),
        pl.col(SOURCE_ROW),
    )
    problems = [
        *_check(frame, path, "concept_uri", "conceptUri", "non-empty concept URI", r"\S"),
        *_check(
            frame,
            path,
            "code",
            "code",
            "ISCO-08 code of 1 to 4 digits as text (leading zero kept)",
            ISCO_GROUP_PATTERN,
        ),
        *_check(frame, path, "preferred_label", "preferredLabel", "non-empty label", r"\S"),
    ]
    repeated = frame.filter(pl.col("code").is_duplicated())
    if repeated.height:
        problems.append(
            DataProblem(
                file=str(path),
                column="code",
                rule="unique ISCO-08 code",
                sample=repeated["code"].head(SAMPLE_SIZE).to_list(),
                rows=repeated[SOURCE_ROW].head(SAMPLE_SIZE).to_list(),
                count=repeated.height,
            )
        )
    if problems:
        raise DataRejected(problems, stage="ingest")
    frame = frame.with_columns(pl.col("code").str.len_chars().alias("level"))
    return frame.select([pl.col(name).cast(dtype) for name, dtype in ISCO_GROUP_SCHEMA.items()])


def isco_differences(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """URIs whose `isco_group` is not the same in every frame (languages, releases).

    One row per URI and frame value (`concept_uri`, `code`, `lang`, `isco_group`), sorted; a
    URI present in only one frame is not a difference.
    """
    schema = {name: pl.String() for name in DIFFERENCE_COLUMNS}
    if not frames:
        return pl.DataFrame(schema=schema)
    stacked = pl.concat(
        [
            frame.select([pl.col(name).cast(pl.String()) for name in DIFFERENCE_COLUMNS])
            for frame in frames
        ]
    ).unique()
    differing = (
        stacked.group_by("concept_uri")
        .agg(pl.col("isco_group").n_unique().alias("groups"))
        .filter(pl.col("groups") > 1)
    )
    return stacked.join(differing.select("concept_uri"), on="concept_uri", how="semi").sort(
        ["concept_uri", "lang", "isco_group", "code"]
    )


def _language(path: Path, plan: EscoOptions) -> str:
    lang = plan.lang or language_of(path)
    if not lang:
        raise read_error(
            path,
            "ESCO file language unknown: name the file like occupations_fr.csv "
            "or set the source option lang",
        )
    return str(lang).strip().lower()


def _read_records(
    path: Path,
    plan: EscoOptions,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    limits: Limits | None = None,
) -> pl.DataFrame:
    """Every record as text, numbered by the line it starts on (the header is line 1), header
    names as ESCO spells them.

    The file is checked against `limits` before it is read whole, and its cells after: a
    quoted field may span many lines."""
    if not path.is_file():
        raise read_error(path, "file not found")
    check_text_file(path, limits, plan.separator)
    data = path.read_bytes()
    if not data.strip():
        raise read_error(path, "file is empty")
    if plan.codec != "utf-8-sig":
        try:
            data = data.decode(plan.codec).encode("utf-8")
        except UnicodeDecodeError as error:
            raise read_error(path, f"unreadable as {plan.encoding} text ({error})") from error
    data = data.removeprefix(UTF8_BOM)
    # Quotes come in pairs in RFC-4180 ("" inside a field is two): an odd count means a
    # quoted field never closes, i.e. the file was cut short.
    if data.count(b'"') % 2:
        raise read_error(
            path,
            "a quoted field is never closed (odd number of '\"'): the file is truncated or damaged",
        )
    separator = "," if plan.separator == "auto" else plan.separator
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            separator=separator,
            quote_char='"',
            infer_schema=False,
            encoding="utf8",
            raise_if_empty=True,
        )
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise read_error(path, f"unreadable as UTF-8 ESCO CSV ({reason})") from error
    check_cells(frame, path, limits)

    canonical = {name.lower(): name for name in (*required, *optional)}
    renames = {}
    for name in frame.columns:
        cleaned = name.strip().lstrip("\ufeff").strip()
        cleaned = canonical.get(cleaned.lower(), cleaned)
        if cleaned != name:
            renames[name] = cleaned
    frame = frame.rename(renames) if renames else frame
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise DataRejected(
            [
                DataProblem(
                    file=str(path), column=name, rule="required column", sample=frame.columns
                )
                for name in missing
            ],
            stage="ingest",
        )
    return frame.with_columns(_first_lines(frame).alias(SOURCE_ROW))


def _first_lines(frame: pl.DataFrame) -> pl.Expr:
    """The line each record starts on (the header is line 1): a quoted cell spanning lines
    pushes every later record down by its line breaks."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    breaks = pl.sum_horizontal(
        pl.col(name).str.count_matches("\n", literal=True).fill_null(0) for name in texts
    )
    spans = (breaks + 1).shift(1, fill_value=0) if texts else pl.lit(1).shift(1, fill_value=0)
    return (spans.cum_sum() + 2).cast(pl.UInt32)


def _text(name: str) -> pl.Expr:
    return pl.col(name).fill_null("").str.strip_chars()


def _raw_text(records: pl.DataFrame, name: str) -> pl.Expr:
    if name not in records.columns:
        return pl.lit("", pl.String())
    return _text(name)


def _labels(records: pl.DataFrame, name: str) -> pl.Expr:
    """A newline-separated field as a list of trimmed labels; empty field -> empty list."""
    if name not in records.columns:
        return pl.lit([], pl.List(pl.String()))
    return (
        pl.col(name)
        .fill_null("")
        .str.split("\n")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def _parse_datetime(text: pl.Expr) -> pl.Expr:
    """ISO 8601 date-time as a naive UTC datetime; empty or unreadable -> null."""
    zoned = (
        text.str.to_datetime(ZONED_DATETIME_FORMAT, strict=False, time_unit="us")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )
    naive = [text.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in DATETIME_FORMATS]
    date = text.str.to_date(DATE_FORMAT, strict=False).cast(pl.Datetime("us"))
    return pl.coalesce(zoned, *naive, date)


def _check(
    frame: pl.DataFrame, path: Path, column: str, raw_name: str, rule: str, pattern: str
) -> list[DataProblem]:
    bad = frame.filter(~pl.col(column).str.contains(pattern))
    if not bad.height:
        return []
    return [
        DataProblem(
            file=str(path),
            column=raw_name,
            rule=rule,
            sample=bad[column].head(SAMPLE_SIZE).to_list(),
            rows=bad[SOURCE_ROW].head(SAMPLE_SIZE).to_list(),
            count=bad.height,
        )
    ]


def _unparsed_dates(frame: pl.DataFrame, path: Path) -> list[DataProblem]:
    bad = frame.filter((pl.col("modified_raw") != "") & pl.col("modified_date").is_null())
    if not bad.height:
        return []
    return [
        DataProblem(
            file=str(path),
            column="modifiedDate",
            rule="ISO 8601 date-time",
            sample=bad["modified_raw"].head(SAMPLE_SIZE).to_list(),
            rows=bad[SOURCE_ROW].head(SAMPLE_SIZE).to_list(),
            count=bad.height,
        )
    ]
