"""The card's figures, each declared once.

A figure (`headcount`, `salary_senior`, ...) is made of one or more indicators (the value
columns of `metier_figures`: `salary_senior_median`, `salary_senior_p90`). Its declaration
says which source computes it, how it is estimated (which decides its disclosure and
reliability rules), its unit, its display strings and where the card places it, its
validation bounds and the comments analysts read. Everything that lists figures is derived
from here: `meta_figure_registry` (which the SQL joins and pivots on), the columns of
`metier_figures` and `metier_cards` and their comments, `meta_disclosure`'s indicators, the
per-figure rules of the mart suite, the card (text, JSON, API), the CSV export and the
change list.

Adding a figure: declare it in FIGURES, compute it in one intermediate model (a weighted
share or mean of the register is one column of `sql/intermediate/int_register_measures.sql`),
and label it in `metiers/methodology/display.py` (LABELS, in every language).

Works on plain rows (dicts); it knows nothing of DuckDB or polars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from metiers.methodology import display

# How a figure is estimated; this decides its rules:
#   total, growth, mean, share  weighted register estimates: threshold, Horvitz-Thompson CV
#                               (a share's relative to the smaller of it and its complement)
#   quantile                    unweighted wage quantiles: threshold, dominance, the
#                               quantile's distribution-free CV
#   rate                        a ratio of counts (insertion): threshold, no CV
#   editorial                   given by the content team: no record count, no rule
Estimate = Literal["total", "growth", "mean", "share", "rate", "quantile", "editorial"]
# Where the card shows a figure: in the text and HTML box, in the salary lines under it, or
# only in the card's data (JSON, API, exports, metier_cards).
Placement = Literal["box", "salary", "data"]
Render = Callable[[Mapping[str, Any], str], "str | None"]

WEIGHTED_ESTIMATES = frozenset({"total", "growth", "mean", "share"})
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


def present(value: Any) -> bool:
    """A published value: not null and not NaN."""
    return value is not None and value == value


@dataclass(frozen=True)
class Indicator:
    """A value column of metier_figures, and a row key of metier_figure_lineage."""

    name: str
    comment: str
    # The metier_cards column whose string shows this value (the change list compares it).
    card_column: str
    # Its key in the card's JSON value when the figure has several indicators ("median").
    part: str | None = None
    # Bounds the mart suite checks (expectations/metier_figures.json, at load time).
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class CardString:
    """A display string of the card: a column of metier_cards, rendered per language."""

    column: str
    comment: str
    render: Render
    # Its key in the card's JSON entry of the figure.
    json_key: str = "display"


@dataclass(frozen=True)
class Figure:
    name: str
    indicators: tuple[Indicator, ...]
    # The source whose model computes it: named when it has no value, and the only source
    # whose records give it a CV.
    source: str
    estimate: Estimate
    unit: str | None
    # Its display strings; the first is the card line, whose key labels it (display.LABELS).
    strings: tuple[CardString, ...]
    placement: Placement
    # A metier_figures column holding the unit when it varies by métier.
    unit_column: str | None = None
    # Other metier_figures columns the card's JSON entry carries: (JSON key, column).
    extra_values: tuple[tuple[str, str], ...] = ()
    # Its indicators never decrease in the order declared (a median below its 90th percentile).
    ordered: bool = False

    @property
    def lead(self) -> Indicator:
        """The indicator whose lineage (source, period, records, reason) the figure carries."""
        return self.indicators[0]

    @property
    def card_line(self) -> str:
        return self.strings[0].column

    @property
    def disclosure(self) -> str | None:
        """`records` (a threshold), `wage` (a threshold and dominance) or None (editorial)."""
        if self.estimate == "editorial":
            return None
        return "wage" if self.estimate == "quantile" else "records"

    @property
    def reliability(self) -> str | None:
        """`weighted` (Horvitz-Thompson CV and record count), `quantile` (the quantile's CV)
        or None (not assessed)."""
        if self.estimate in WEIGHTED_ESTIMATES:
            return "weighted"
        return "quantile" if self.estimate == "quantile" else None


def _one(indicator: str, show: Callable[[float, str], str]) -> Render:
    """The display of one value, or None when it is not published."""

    def render(row: Mapping[str, Any], lang: str) -> str | None:
        value = row.get(indicator)
        return show(value, lang) if present(value) else None

    return render


def _insertion(row: Mapping[str, Any], lang: str) -> str | None:
    rate = row.get("insertion_rate")
    if not present(rate):
        return None
    return display.insertion(rate, row.get("insertion_main_channel"), lang)


def _salary_senior(row: Mapping[str, Any], lang: str) -> str | None:
    median, p90 = row.get("salary_senior_median"), row.get("salary_senior_p90")
    return display.salary_range(median, p90, lang) if present(median) and present(p90) else None


def _freelance_rate(row: Mapping[str, Any], lang: str) -> str | None:
    low, high = row.get("freelance_rate_min"), row.get("freelance_rate_max")
    if not (present(low) or present(high)):
        return None
    return display.freelance_rate(low, high, row.get("freelance_rate_unit"), lang)


FIGURES: tuple[Figure, ...] = (
    Figure(
        name="headcount",
        indicators=(
            Indicator(
                "headcount",
                "Weighted number of persons of the métier in Y (sum of register weights), or "
                "the winning source's value.",
                card_column="headcount",
                minimum=0,
            ),
        ),
        source="register",
        estimate="total",
        unit="persons",
        strings=(
            CardString(
                "headcount",
                'Professionals in activity, two significant figures, e.g. "~200".',
                _one("headcount", display.headcount),
            ),
        ),
        placement="box",
    ),
    Figure(
        name="growth_rate",
        indicators=(
            Indicator(
                "growth_rate",
                "Compound annual growth of headcount from Y-5 (or the métier's first later "
                "year, span of at least 3 years) to Y, as a fraction (0.05 = +5% a year).",
                card_column="growth",
                minimum=-1,
                maximum=10,
            ),
        ),
        source="register",
        estimate="growth",
        unit="fraction_per_year",
        strings=(
            CardString(
                "growth",
                'Annual growth, whole percent with sign, e.g. "+5%".',
                _one("growth_rate", display.growth),
            ),
        ),
        placement="box",
    ),
    Figure(
        name="insertion_rate",
        indicators=(
            Indicator(
                "insertion_rate",
                "Share of training leavers employed six months later: latest cohort, pooled "
                "with up to two earlier cohorts when leavers are fewer than the threshold.",
                card_column="insertion",
                minimum=0,
                maximum=1,
            ),
        ),
        source="insertion",
        estimate="rate",
        unit="fraction",
        strings=(
            CardString(
                "insertion",
                'Insertion rate with the main channel, e.g. "70% (souvent via le réseau)".',
                _insertion,
            ),
        ),
        placement="box",
        extra_values=(("main_channel", "insertion_main_channel"),),
    ),
    Figure(
        name="average_age",
        indicators=(
            Indicator(
                "average_age",
                "Weighted mean age in Y, in years.",
                card_column="average_age",
                minimum=15,
                maximum=100,
            ),
        ),
        source="register",
        estimate="mean",
        unit="years",
        strings=(
            CardString(
                "average_age", 'Average age, e.g. "42 ans".', _one("average_age", display.age)
            ),
        ),
        placement="box",
    ),
    Figure(
        name="share_women",
        indicators=(
            Indicator(
                "share_women",
                "Weighted share of women in Y (fraction).",
                card_column="share_women",
                minimum=0,
                maximum=1,
            ),
        ),
        source="register",
        estimate="share",
        unit="fraction",
        strings=(
            CardString(
                "share_women",
                'Share of women, e.g. "35%".',
                _one("share_women", display.percent),
            ),
        ),
        placement="box",
    ),
    Figure(
        name="share_self_employed",
        indicators=(
            Indicator(
                "share_self_employed",
                "Weighted share of self-employed persons in Y (fraction).",
                card_column="share_self_employed",
                minimum=0,
                maximum=1,
            ),
        ),
        source="register",
        estimate="share",
        unit="fraction",
        strings=(
            CardString(
                "share_self_employed",
                'Share of self-employed, e.g. "80%".',
                _one("share_self_employed", display.percent),
            ),
        ),
        placement="salary",
    ),
    Figure(
        name="share_aged_50_plus",
        indicators=(
            Indicator(
                "share_aged_50_plus",
                "Weighted share of persons aged 50 or more in Y (fraction): how much of the "
                "métier retires within about 15 years (replacement demand).",
                card_column="share_aged_50_plus",
                minimum=0,
                maximum=1,
            ),
        ),
        source="register",
        estimate="share",
        unit="fraction",
        strings=(
            CardString(
                "share_aged_50_plus",
                'Share of persons aged 50 or more, e.g. "28%".',
                _one("share_aged_50_plus", display.percent),
            ),
        ),
        placement="data",
    ),
    Figure(
        name="salary_entry",
        indicators=(
            Indicator(
                "salary_entry",
                "Median gross monthly FTE wage of employees with less than 3 years of "
                "experience, in euros; Y, or Y-2..Y pooled when Y has fewer records than the "
                "threshold.",
                card_column="salary_entry",
            ),
        ),
        source="register",
        estimate="quantile",
        unit="eur_per_month",
        strings=(
            CardString(
                "salary_entry",
                'Entry wage, nearest 100 euros, e.g. "2.800€".',
                _one("salary_entry", display.money),
            ),
        ),
        placement="salary",
    ),
    Figure(
        name="salary_senior",
        indicators=(
            Indicator(
                "salary_senior_median",
                "Median gross monthly FTE wage of employees with 10 or more years of "
                "experience, in euros; same pooling rule as salary_entry.",
                card_column="salary_senior",
                part="median",
            ),
            Indicator(
                "salary_senior_p90",
                "90th percentile of the gross monthly FTE wage of employees with 10 or more "
                "years of experience, in euros.",
                card_column="salary_senior_max",
                part="p90",
            ),
        ),
        source="register",
        estimate="quantile",
        unit="eur_per_month",
        strings=(
            CardString(
                "salary_senior",
                'Experienced wage from median to 90th percentile, e.g. "4.500€-5.000€".',
                _salary_senior,
            ),
            CardString(
                "salary_senior_max",
                'Top of the experienced wage, e.g. "jusqu\'à 5.000€+".',
                _one("salary_senior_p90", display.salary_max),
                json_key="display_max",
            ),
        ),
        placement="salary",
        ordered=True,
    ),
    Figure(
        name="freelance_rate",
        indicators=(
            Indicator(
                "freelance_rate_min",
                "Lower end of the usual freelance rate, in euros per freelance_rate_unit "
                "(editorial source).",
                card_column="freelance_rate",
                part="min",
            ),
            Indicator(
                "freelance_rate_max",
                "Upper end of the usual freelance rate, in euros per freelance_rate_unit "
                "(editorial source).",
                card_column="freelance_rate",
                part="max",
            ),
        ),
        source="facts",
        estimate="editorial",
        unit=None,
        strings=(
            CardString(
                "freelance_rate",
                'Freelance rate range, e.g. "entre 1.500€ et 2.500€/semaine".',
                _freelance_rate,
            ),
        ),
        placement="salary",
        unit_column="freelance_rate_unit",
    ),
)

BY_NAME: dict[str, Figure] = {figure.name: figure for figure in FIGURES}
INDICATORS: tuple[Indicator, ...] = tuple(
    indicator for figure in FIGURES for indicator in figure.indicators
)
FIGURE_OF: dict[str, Figure] = {
    indicator.name: figure for figure in FIGURES for indicator in figure.indicators
}
# Card line (metier_cards column, display.LABELS key) -> its figure.
BY_CARD_LINE: dict[str, Figure] = {figure.card_line: figure for figure in FIGURES}


def _check_registry() -> None:
    """Names become SQL identifiers and JSON keys: plain, unique, labelled."""
    names = [figure.name for figure in FIGURES] + [item.name for item in INDICATORS]
    columns = [string.column for figure in FIGURES for string in figure.strings]
    for name in names + columns:
        if not IDENTIFIER.fullmatch(name):
            raise ValueError(f"figure registry: {name!r} is not a plain lower-case identifier")
    if len(set(columns)) != len(columns):
        raise ValueError("figure registry: two display strings share a metier_cards column")
    if len({item.name for item in INDICATORS}) != len(INDICATORS):
        raise ValueError("figure registry: an indicator is declared twice")
    for figure in FIGURES:
        for lang in display.LANGUAGES:
            if figure.card_line not in display.LABELS[lang]:
                raise ValueError(
                    f"figure registry: {figure.name} has no label '{figure.card_line}' in "
                    f"display.LABELS[{lang!r}]"
                )


_check_registry()


# --- SQL: rows of meta_figure_registry, lists and comments rendered into the models -------


def registry_rows() -> list[dict]:
    """meta_figure_registry: one row per indicator, in the card's order."""
    return [
        {
            "indicator": indicator.name,
            "figure": figure.name,
            "position": position,
            "lead": index == 0,
            "source_id": figure.source,
            "estimate": figure.estimate,
            "unit": figure.unit,
            "disclosure_rule": figure.disclosure,
            "reliability_rule": figure.reliability,
            "placement": figure.placement,
        }
        for position, (figure, index, indicator) in enumerate(
            (
                (figure, index, indicator)
                for figure in FIGURES
                for index, indicator in enumerate(figure.indicators)
            ),
            start=1,
        )
    ]


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Companion columns of each figure in metier_figures (`<figure>_<suffix>`, made by the PIVOTs
# of sql/marts/metier_figures.sql) and what they say.
LINEAGE_COMMENTS = {
    "source": "Source id that gave {figure} (see meta_source_registry); the winner of "
    "reconciliation.",
    "period": "Period {figure} refers to: a year, or first-last year when years are pooled.",
    "source_files": "Raw files {figure} was computed or read from, relative to the raw folder.",
    "n_records": "Number of records {figure} rests on (persons for register figures, leavers "
    "for insertion); null when withheld or for published aggregates.",
    "suppressed": "Why {figure} is null: disclosure control (fewer records than the "
    "threshold) or missing data; null when published.",
    "suppression_code": "Code of why {figure} is null (see meta_suppression_reasons: primary, "
    "dominance, short_history, not_available, no_data, excluded_source); null when published.",
    "suppression_params": "Parameters of {figure}_suppression_code as JSON (e.g. "
    '{{"min_records":10}}), named in its wording in meta_suppression_reasons.',
    "flag": "Publisher's flag on the value of {figure} (e.g. top_coded, not_available, or a "
    "Eurostat flag); null when none.",
    "override": "True when an editorial fact marked as an override set {figure} instead of "
    "the computed value.",
    "match_level": "How the value of {figure} matches the métier: exact (its own code, and "
    "every computed or editorial value), esco_broader (a broader ESCO code), isco4, isco3, "
    "isco2 or isco1 (a published table's ISCO-08 unit, minor, sub-major or major group of the "
    "métier); null when no source gave a value.",
    "match_group": "The published table's code the value of {figure} is for when it comes "
    'from a group (e.g. 2654, shown as "groupe CITP 2654"); null for computed and '
    "editorial values.",
}
RELIABILITY_COMMENTS = {
    "cv": "Coefficient of variation of {figure} when computed from weighted register records "
    "(0 for a census; for wage quantiles, the distribution-free CV of the quantile); null "
    "otherwise or when withheld.",
    "reliability": 'low (shown as "peu fiable" / "weinig betrouwbaar" / "low reliability") '
    "when {figure} rests on fewer weighted records than meta_disclosure.reliable_min_records, "
    "its CV exceeds reliable_max_cv, or its publisher flags it unreliable (Eurostat u); "
    "reliable when a register figure passes; null when withheld or not assessed.",
}


def _comments(table: str, comments: list[tuple[str, str]]) -> str:
    return "\n".join(
        f"COMMENT ON COLUMN {table}.{column} IS {_sql_text(text)};" for column, text in comments
    )


def _metier_figures_comments() -> str:
    comments = [(indicator.name, indicator.comment) for indicator in INDICATORS]
    for templates in (LINEAGE_COMMENTS, RELIABILITY_COMMENTS):
        comments += [
            (f"{figure.name}_{suffix}", template.format(figure=figure.name))
            for figure in FIGURES
            for suffix, template in templates.items()
        ]
    return _comments("metier_figures", comments)


def _card_strings() -> list[CardString]:
    return [string for figure in FIGURES for string in figure.strings]


# `{{ name }}` in a model -> what replaces it (see render_sql).
SQL_FRAGMENTS: dict[str, Callable[[], str]] = {
    "figures": lambda: ", ".join(_sql_text(figure.name) for figure in FIGURES),
    "indicators": lambda: ", ".join(_sql_text(indicator.name) for indicator in INDICATORS),
    "metier_figures_comments": _metier_figures_comments,
    "card_columns": lambda: ",\n    ".join(
        f"{string.column} VARCHAR" for string in _card_strings()
    ),
    "metier_cards_comments": lambda: _comments(
        "metier_cards", [(string.column, string.comment) for string in _card_strings()]
    ),
}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def render_sql(text: str) -> str:
    """A model's SQL with its `{{ name }}` placeholders replaced by what the registry lists
    (a PIVOT's IN list, generated columns and COMMENT ONs); text without one is unchanged."""

    def fragment(match: re.Match) -> str:
        name = match.group(1)
        if name not in SQL_FRAGMENTS:
            raise ValueError(
                f"unknown placeholder {{{{ {name} }}}} in a model (known: "
                f"{', '.join(sorted(SQL_FRAGMENTS))})"
            )
        return SQL_FRAGMENTS[name]()

    return PLACEHOLDER.sub(fragment, text)


# --- the mart suite's per-figure rules --------------------------------------------------------

SUITE = "metier_figures"


def suite_expectations(suite: str) -> list[dict]:
    """Rules of `suite` derived from the registry (added to its JSON file's rules when it is
    loaded): each indicator's bounds, the order of an ordered figure's indicators, the
    threshold of every figure under disclosure control, and the reliability flag's values."""
    if suite != SUITE:
        return []
    rules: list[dict] = []
    for indicator in INDICATORS:
        bounds = {
            key: value
            for key, value in (("min_value", indicator.minimum), ("max_value", indicator.maximum))
            if value is not None
        }
        if bounds:
            rules.append(
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": indicator.name, **bounds},
                }
            )
    for figure in (figure for figure in FIGURES if figure.ordered):
        for lower, upper in zip(figure.indicators, figure.indicators[1:], strict=False):
            rules.append(
                {
                    "type": "expect_column_pair_values_a_to_be_greater_than_b",
                    "kwargs": {
                        "column_A": upper.name,
                        "column_B": lower.name,
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                }
            )
    for figure in FIGURES:
        if figure.disclosure:
            rules.append(
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {
                        "column": f"{figure.name}_n_records",
                        "min_value": {"$PARAMETER": "min_records"},
                        "row_condition": f"{figure.lead.name}.notnull()",
                        "condition_parser": "pandas",
                    },
                }
            )
    for figure in FIGURES:
        rules.append(
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {
                    "column": f"{figure.name}_reliability",
                    "value_set": ["low", "reliable"],
                },
            }
        )
    return rules


# --- the card ---------------------------------------------------------------------------------


def value_of(figure: Figure, row: Mapping[str, Any]) -> Any:
    """The figure's value in the card's JSON: one number, or its parts by name."""
    if len(figure.indicators) == 1:
        return row.get(figure.lead.name)
    return {indicator.part: row.get(indicator.name) for indicator in figure.indicators}


def stand_in_period(figure: Figure, row: Mapping[str, Any]) -> str | None:
    """The period of a figure another source gave in place of the one that computes it,
    when it is not the reference year (a published table a year or two older); None
    otherwise, so computed figures keep their own period wording (growth, cohorts)."""
    source = row.get(f"{figure.name}_source")
    period = row.get(f"{figure.name}_period")
    if not source or source == figure.source or period is None:
        return None
    return None if str(period) == str(row.get("reference_year")) else str(period)


def match_note(figure: Figure, row: Mapping[str, Any], lang: str) -> str | None:
    """'groupe CITP 2654' when the figure comes from a group of the métier, else None."""
    return display.match_note(
        row.get(f"{figure.name}_match_level"), row.get(f"{figure.name}_match_group"), lang
    )


def card_strings(row: Mapping[str, Any], lang: str) -> dict[str, str | None]:
    """Every figure's display strings for one métier (a metier_figures row) in one language,
    the card line with its reliability warning, and with the group and period it comes from
    when a published table's group or an older period stands in; None where the figure is
    not published."""
    strings: dict[str, str | None] = {}
    for figure in FIGURES:
        for index, string in enumerate(figure.strings):
            text = string.render(row, lang)
            if text and index == 0:
                text = display.with_reliability(text, row.get(f"{figure.name}_reliability"), lang)
                text = display.with_match(
                    text, match_note(figure, row, lang), stand_in_period(figure, row)
                )
            strings[string.column] = text
    return strings


def csv_value_columns() -> tuple[str, ...]:
    """metier_figures columns the cards CSV carries beside the display strings."""
    units = tuple(figure.unit_column for figure in FIGURES if figure.unit_column)
    return tuple(indicator.name for indicator in INDICATORS) + units
