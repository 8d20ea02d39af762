"""Period labels as publishers write them, read into a kind and a span of years.

A published table is dated by a year (`2024`), a multi-year range (`2017-2019`, DARES's
three-year averages), a quarter (`2024-Q1`) or a month (`2024-03`). Every staged row keeps
the label as published and gains `period_kind`, `period_start` and `period_end` (whole
years), so lag rules and "latest period" compare numbers, never texts (`"Q1" > "2024"` as
text). `year` stays on staged rows and equals `period_end`.

Works on plain strings; it knows nothing of DuckDB or polars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["year", "range", "quarter", "month"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("year", "range", "quarter", "month")
# The rule an unreadable label breaks, as a rejection states it.
PERIOD_RULE = "period: a year (2024), a range (2017-2019), a quarter (2024-Q1) or a month (2024-03)"
# Among periods ending the same year the coarser one wins "latest period": a whole year
# describes that year better than one of its quarters.
KIND_RANK: dict[str, int] = {"year": 3, "range": 2, "quarter": 1, "month": 0}

_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("year", re.compile(rf"^{_YEAR}$")),
    # 2017-2019, 2017/2019, 2017–2019 (en dash), spaces allowed around the mark
    ("range", re.compile(rf"^{_YEAR}\s*[-/–]\s*(?P<end>(?:19|20)\d\d)$")),
    # 2024-Q1, 2024Q1, 2024 Q1, 2024-q1
    ("quarter", re.compile(rf"^{_YEAR}[-\s]?[Qq](?P<part>[1-4])$")),
    # 2024-03, 2024M03, 2024-M03
    ("month", re.compile(rf"^{_YEAR}(?:-|-?M)(?P<part>0[1-9]|1[0-2])$")),
)


@dataclass(frozen=True)
class Period:
    """A parsed label: its kind and the first and last year it covers."""

    label: str
    kind: PeriodKind
    start: int
    end: int

    @property
    def sort_key(self) -> tuple[int, int]:
        """Later periods sort higher; at the same end year, year > range > quarter > month."""
        return (self.end, KIND_RANK[self.kind])


def parse_period(label: object) -> Period | None:
    """The period a label names, or None when it is not one of the known forms.

    A whole number (a year column read as a number) is read as that year."""
    if label is None:
        return None
    if isinstance(label, bool):
        return None
    if isinstance(label, int):
        text = str(label)
    elif isinstance(label, float):
        if not label.is_integer():
            return None
        text = str(int(label))
    else:
        text = str(label).strip()
    for kind, pattern in _PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        start = int(found["year"])
        end = int(found["end"]) if kind == "range" else start
        if end < start:
            return None
        return Period(label=text, kind=kind, start=start, end=end)
    return None


def parse_periods(labels: list[object]) -> tuple[dict[str, Period], list[str]]:
    """Each distinct label parsed once: the periods by label text, and the labels that are
    not periods (nulls are neither)."""
    periods: dict[str, Period] = {}
    bad: list[str] = []
    for label in labels:
        if label is None:
            continue
        period = parse_period(label)
        if period is None:
            bad.append(str(label))
        else:
            periods[str(label)] = period
    return periods, bad
