"""The API's response bodies as pydantic models: the OpenAPI schema publishes them, and every
JSON body is serialized through them.

The documents themselves are built by `metiers.present.mart` (shared with the JSON export and
`metiers figures --format json`); these models describe them field by field, in the order
they are sent. Fields that are always sent are required (and nullable where the mart may
hold no value); a field sent on some rows only has a default, and bodies are dumped with
`exclude_unset` so it is left out where the document leaves it out. A key the model does not
know is refused (`extra="forbid"`): a document that changes shape fails when its body is
built, not silently in a client.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from metiers.methodology.cards import CARD_FIGURES
from metiers.methodology.display import LANGUAGES

# The languages and the card's indicators are defined once, in display.py and cards.py.
Lang = StrEnum("Lang", {code: code for code in LANGUAGES})
Lang.__doc__ = "Language of titles and display strings."
Indicator = StrEnum("Indicator", {figure: figure for figure, _unit in CARD_FIGURES.values()})
Indicator.__doc__ = "A figure of the card."


class Body(BaseModel):
    """A response body, or a part of one: exactly the keys the API sends."""

    model_config = ConfigDict(extra="forbid")

    def to_json(self) -> bytes:
        """The body as sent: the document's own keys only, UTF-8 JSON."""
        return self.model_dump_json(exclude_unset=True).encode()


# -- the card ------------------------------------------------------------------------------


class TrainingYears(Body):
    """The training figure's value: years of training, and whether experience is asked too."""

    min: int | None
    max: int | None
    plus_experience: bool | None


class SeniorSalary(Body):
    """The experienced salary's value: median and 90th percentile, euros gross per month."""

    median: float | None
    p90: float | None


class RateRange(Body):
    """The freelance rate's value: a range in the figure's `unit`."""

    min: float | None
    max: float | None


class Figure(Body):
    """One figure of the card, with its lineage and, when withheld, the reason."""

    indicator: Indicator
    label: str = Field(description="The figure's label in the requested language.")
    value: float | TrainingYears | SeniorSalary | RateRange | None = Field(
        description="A number, or for training, experienced salary and freelance rate an "
        "object; null when not published."
    )
    display: str | None = Field(description="The display string of the card ('~200', '+5%').")
    unit: str | None
    period: str | None
    source: str | None = Field(description="The source that won (see `sources.toml`).")
    source_files: str | None
    n_records: int | None
    suppressed: str | None = Field(description="The disclosure rule that withheld it.")
    suppression_code: str | None = Field(
        description="The rule's code (primary, secondary, dominance, no_data, ...), see "
        "meta_suppression_reasons."
    )
    suppression_params: dict[str, Any] | None = Field(
        description="The rule's parameters (e.g. min_records)."
    )
    suppressed_reason: str | None = Field(description="Why it is withheld, in the language.")
    override: bool = Field(description="An editorial value replaces the computed one.")
    flag: str | None = Field(description="The publisher's flag on the value.")
    cv: float | None = Field(description="Coefficient of variation of the estimate.")
    reliability: str | None
    reliability_note: str | None
    main_channel: str | None = Field(
        default=None, description="Insertion only: the main channel into work."
    )
    display_max: str | None = Field(
        default=None, description="Experienced salary only: the display string of p90."
    )
    citation: str | None
    citation_url: str | None
    match_level: str | None = Field(
        default=None,
        description="How the value matches the métier: exact, esco_broader (a broader ESCO "
        "occupation), isco4, isco3, isco2 or isco1 (an ISCO-08 group of the métier).",
    )
    match_group: str | None = Field(
        default=None, description="The published table's code the value is for (e.g. 2654)."
    )
    match_note: str | None = Field(
        default=None,
        description="The group in words, in the language ('groupe CITP 2654'); null for an "
        "exact match.",
    )


class Publication(Body):
    """The published version the body was read from."""

    version: str | None
    published_at: str | None = Field(description="ISO 8601 time of the publication.")


class RegionCell(Body):
    """A region of the card's reference year: value and display string, or why withheld."""

    region: str = Field(description="Belgian NUTS-2 code (BE10...).")
    name: str
    headcount: float | None
    display: str | None
    share_women: float | None
    salary_median: float | None
    n_records: int | None
    suppressed: str | None
    suppression_code: str | None
    reason: str | None
    salary_suppressed: str | None
    salary_suppression_code: str | None
    salary_reason: str | None
    reliability: str | None


class Vintage(Body):
    """What the card's figures refer to, as data and as its display line."""

    reference_year: int | None
    growth_period: str | None
    insertion_cohort: str | None
    editions: dict[str, str] = Field(description="The latest period each cited source gives.")
    display: str | None


class ContextFigure(Body):
    """A figure of the métier's ISCO group from a context source (Eurostat...)."""

    indicator: str
    isco_group: str | None
    geo: str | None
    period: str | None
    value: float | None
    unit: str | None
    flag: str | None
    source_id: str


class CardDocument(Body):
    """The card of one métier (`GET /metiers/{slug}`)."""

    slug: str
    lang: Lang
    title: str
    box_title: str
    reference_year: int | None
    publication: Publication
    figures: list[Figure]
    regions: str | None = Field(description="The card's regions line.")
    regions_withheld: str | None = Field(description="Withheld regions, one per line.")
    regions_context: str | None = Field(
        default=None,
        description="Context figures by Belgian region (NUTS-1, NUTS-2), one line per "
        "indicator and period, shown beside the regions.",
    )
    region_cells: list[RegionCell]
    vintage: Vintage
    context: list[ContextFigure]
    footnotes: list[str]


# -- the list and the search ---------------------------------------------------------------


class MetierSummary(Body):
    """A métier of the list."""

    slug: str
    title: str | None
    esco_code: str | None
    headcount: float | None


class SearchHit(Body):
    """A métier found by `q`, with the label that matched best."""

    slug: str
    title: str | None
    matched_label: str
    matched_in: str = Field(description="'title', or the kind of ESCO label ('esco preferred').")
    matched_lang: Lang


class MetierList(Body):
    """`GET /metiers`: every métier, or with `q` the search hits (at most 50)."""

    version: str
    lang: Lang
    q: str | None
    count: int
    metiers: list[MetierSummary] | list[SearchHit]


# -- a métier's tables ---------------------------------------------------------------------


class RegionRow(Body):
    """A regional cell of one year; withheld values are null, with the reason."""

    region: str
    year: int
    headcount: float | None
    share_women: float | None
    salary_median: float | None
    n_records: int | None
    suppressed: str | None
    salary_suppressed: str | None
    headcount_reliability: str | None
    share_women_reliability: str | None
    salary_median_reliability: str | None
    suppression_code: str | None
    suppression_params: str | None = Field(description="The rule's parameters, a JSON object.")
    salary_suppression_code: str | None
    salary_suppression_params: str | None = Field(description="A JSON object.")
    region_name: str
    suppressed_reason: str | None
    salary_suppressed_reason: str | None


class SalaryRow(Body):
    """Wage percentiles of one experience band and year, euros gross per month."""

    band: str
    year: int
    n_records: int | None
    p10: float | None
    p25: float | None
    median: float | None
    p75: float | None
    p90: float | None
    suppressed: str | None
    suppression_code: str | None
    suppression_params: str | None = Field(description="The rule's parameters, a JSON object.")
    median_display: str | None
    suppressed_reason: str | None


class TrendPoint(Body):
    """The headcount of one year."""

    year: int
    headcount: float | None
    n_records: int | None
    suppressed: str | None
    suppression_code: str | None
    suppression_params: str | None = Field(description="The rule's parameters, a JSON object.")
    headcount_display: str | None
    suppressed_reason: str | None


class Regions(Body):
    """`GET /metiers/{slug}/regions`: every year, newest first."""

    slug: str
    lang: Lang
    version: str
    regions: list[RegionRow]


class Salaries(Body):
    """`GET /metiers/{slug}/salaries`: every year, newest first."""

    slug: str
    lang: Lang
    version: str
    salaries: list[SalaryRow]


class Trend(Body):
    """`GET /metiers/{slug}/trend`: oldest year first."""

    slug: str
    lang: Lang
    version: str
    trend: list[TrendPoint]


class Health(Body):
    """`GET /health`: the API answers, and the version it serves."""

    status: Literal["ok"]
    version: str
    published_at: str | None = Field(description="ISO 8601 time of the publication, UTC.")
    metiers: int = Field(description="How many métiers the version holds.")


# -- errors: every one is {"detail": ..., "code": ...} -------------------------------------


class ErrorBody(Body):
    """An error: a fixed message and a stable code, never a server path or DuckDB's text."""

    detail: str
    code: str = Field(description="'not_found', 'method_not_allowed', 'http_<status>'...")


class UnknownSlugDetail(Body):
    message: str
    closest: list[str] = Field(description="The closest slugs the mart has.")


class NotFound(Body):
    """404: an unknown slug (`unknown_slug`, with the closest ones), or no such path."""

    detail: UnknownSlugDetail | str
    code: Literal["unknown_slug", "not_found"]


class ValidationIssue(Body):
    """One parameter that does not fit, as FastAPI reports it."""

    # FastAPI's own report: more keys may come with its releases.
    model_config = ConfigDict(extra="allow")

    type: str
    loc: list[str | int]
    msg: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class InvalidRequest(Body):
    """422: a parameter out of its declared values (an unknown `lang`, a too long `q`)."""

    detail: list[ValidationIssue]
    code: Literal["invalid_request"]


class Unavailable(Body):
    """503: nothing published yet (`not_published`), or the file cannot be opened
    (`mart_unreadable`)."""

    detail: str
    code: Literal["not_published", "mart_unreadable"]


class InternalError(Body):
    """500: a bug; the server log has the details."""

    detail: str
    code: Literal["internal_error"]
