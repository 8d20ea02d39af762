"""Units a published value may come in, and how each is brought to the mart's units.

Each value series of a published table declares its unit (`units` in `sources.toml`, or a
context series' `unit`). At staging, values are converted to the mart's units: persons, a
share from 0 to 1, gross EUR per month, years (and growth as a fraction per year). The
value as published (`source_value`), its unit (`source_unit`) and the conversion made
(`conversion`, e.g. "percent→share ÷100") stay on the staged row for lineage.

Money in another currency, or a net wage, is never converted: it keeps its unit, its
`currency` is set, and it may only ever be context labelled with its country and currency.

A percent file already holding fractions (0.355 declared `percent`) cannot be told from a
real 0.355%: the declaration is trusted. Results are rounded to 9 decimals so that
196.9 thousand persons is 196900.0 exactly.

Works on plain values; it knows nothing of DuckDB or polars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from metiers.methodology.figures import FIGURE_OF

DEFAULT_HOURS_PER_WEEK = 38.0
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12
DECIMALS = 9

PERSONS = "persons"
SHARE = "share"
EUR_GROSS_PER_MONTH = "eur_gross_per_month"
YEARS = "years"
FRACTION_PER_YEAR = "fraction_per_year"
# The units of the mart: a converted value is in one of these.
NORMALISED = (PERSONS, SHARE, EUR_GROSS_PER_MONTH, YEARS, FRACTION_PER_YEAR)

# unit -> (normalised unit, factor, conversion text); money is handled by MONEY_PATTERN.
SIMPLE: dict[str, tuple[str, float, str | None]] = {
    PERSONS: (PERSONS, 1.0, None),
    "thousand_persons": (PERSONS, 1000.0, "thousand_persons→persons ×1000"),
    SHARE: (SHARE, 1.0, None),
    "percent": (SHARE, 0.01, "percent→share ÷100"),
    YEARS: (YEARS, 1.0, None),
    FRACTION_PER_YEAR: (FRACTION_PER_YEAR, 1.0, None),
    "percent_per_year": (FRACTION_PER_YEAR, 0.01, "percent_per_year→fraction_per_year ÷100"),
}
# The figure registry's own unit names (metiers/methodology/figures.py) -> ours.
FIGURE_UNITS = {"fraction": SHARE, "eur_per_month": EUR_GROSS_PER_MONTH}
# `<iso4217>_<gross|net>_per_<month|year|week|hour>`, e.g. eur_gross_per_year, usd_gross_per_hour
MONEY_PATTERN = re.compile(
    r"^(?P<currency>[a-z]{3})_(?P<basis>gross|net)_per_(?P<per>month|year|week|hour)$"
)
# Eurostat's `unit` dimension codes -> our unit names; a series' declared unit must agree.
EUROSTAT_UNIT_CODES = {
    "THS_PER": "thousand_persons",
    "PER": PERSONS,
    "PC": "percent",
    "PC_EMP": "percent",
    "PC_POP": "percent",
    "PC_ACT": "percent",
}


class UnknownUnit(ValueError):
    """A declared unit that is none of the known ones."""


@dataclass(frozen=True)
class Conversion:
    """How values of one declared unit become the mart's: value × factor, rounded."""

    source_unit: str
    unit: str
    factor: float
    text: str | None
    # ISO 4217 code for money, else None. Only EUR gross money is converted.
    currency: str | None = None

    def apply(self, value: float | None) -> float | None:
        if value is None:
            return None
        return round(value * self.factor, DECIMALS)

    @property
    def converted(self) -> bool:
        """True when the value lands in a mart unit (not foreign or net money)."""
        return self.unit in NORMALISED


def known_units() -> str:
    """The unit names a declaration may use, as a message lists them."""
    money = "eur_gross_per_<month|year|week|hour>, <iso4217>_<gross|net>_per_<...>"
    return ", ".join([*SIMPLE, *FIGURE_UNITS]) + ", " + money


def conversion(unit: str, hours_per_week: float = DEFAULT_HOURS_PER_WEEK) -> Conversion:
    """The conversion of a declared unit to the mart's; UnknownUnit names the known ones."""
    name = FIGURE_UNITS.get(unit, unit)
    if name in SIMPLE:
        target, factor, text = SIMPLE[name]
        return Conversion(source_unit=unit, unit=target, factor=factor, text=text)
    money = MONEY_PATTERN.match(name)
    if money is None:
        raise UnknownUnit(f"unknown unit {unit!r}; known: {known_units()}")
    currency = money["currency"].upper()
    if currency != "EUR" or money["basis"] != "gross":
        # Never converted: another currency, or a net wage, is context only.
        return Conversion(source_unit=unit, unit=name, factor=1.0, text=None, currency=currency)
    per = money["per"]
    if per == "month":
        return Conversion(unit, EUR_GROSS_PER_MONTH, 1.0, None, "EUR")
    if per == "year":
        return Conversion(
            unit, EUR_GROSS_PER_MONTH, 1 / MONTHS_PER_YEAR, f"{name}→eur_gross_per_month ÷12", "EUR"
        )
    if per == "week":
        return Conversion(
            unit,
            EUR_GROSS_PER_MONTH,
            WEEKS_PER_YEAR / MONTHS_PER_YEAR,
            f"{name}→eur_gross_per_month ×52/12",
            "EUR",
        )
    return Conversion(
        unit,
        EUR_GROSS_PER_MONTH,
        hours_per_week * WEEKS_PER_YEAR / MONTHS_PER_YEAR,
        f"{name}→eur_gross_per_month ×{hours_per_week:g}h×52/12",
        "EUR",
    )


def default_unit(indicator: str) -> str | None:
    """The unit an indicator is taken in when its source declares none: its figure's own
    (headcount in persons, shares as 0-1, wages in gross EUR per month)."""
    figure = FIGURE_OF.get(indicator)
    if figure is None or figure.unit is None:
        return None
    return FIGURE_UNITS.get(figure.unit, figure.unit)


def eurostat_unit(code: str) -> str | None:
    """Our name for a Eurostat `unit` code (THS_PER -> thousand_persons), None if unknown."""
    return EUROSTAT_UNIT_CODES.get(code.strip().upper())
