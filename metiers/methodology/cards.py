"""The card of a métier: display strings per language from the published figures.

Works on plain rows (dicts) and polars frames; it knows nothing of DuckDB or of ingestion.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from metiers.methodology import display, periods
from metiers.methodology.display import LANGUAGES
from metiers.methodology.figures import FIGURES, match_note, present, value_of
from metiers.methodology.figures import card_strings as figure_strings

SOURCE_NAMES = {
    "register": {
        "fr": "registre de l'emploi",
        "nl": "werkgelegenheidsregister",
        "en": "employment register",
    },
    "insertion": {
        "fr": "suivi des sortants de formation",
        "nl": "opvolging van schoolverlaters",
        "en": "training leavers follow-up",
    },
    "facts": {"fr": "source éditoriale", "nl": "redactionele bron", "en": "editorial source"},
    "metiers": {
        "fr": "catalogue des métiers",
        "nl": "beroepencatalogus",
        "en": "occupation catalogue",
    },
}

# Source id -> how to cite it: the declared citation per card language ("fr", "nl", "en"),
# and "citation", the fallback (meta_source_registry.citation). A bare text is the fallback.
SourceCitations = Mapping[str, Mapping[str, str | None] | str]


def citations_by_source(registry_rows: Iterable[Mapping[str, Any]]) -> dict[str, dict]:
    """SourceCitations from meta_source_registry rows; a file built before citations per
    language (history, rollback) has only `citation`, the fallback."""
    return {
        row["source_id"]: {key: row.get(f"citation_{key}") or None for key in LANGUAGES}
        | {"citation": row.get("citation") or None}
        for row in registry_rows
    }


# The training line comes from the catalogue; every other line is a figure of the registry.
TRAINING = "training"
# Card line -> (figure in metier_figures whose lineage it cites, unit of its value).
CARD_FIGURES = {
    TRAINING: ("training", "years"),
    **{figure.card_line: (figure.name, figure.unit) for figure in FIGURES},
}
# The lines of the figures box, in order (the salary lines under it are drawn by render_text).
BOX_LINES = (TRAINING, *(figure.card_line for figure in FIGURES if figure.placement == "box"))
# The lines the text and HTML cards cite in their footnotes: the figures they show.
CITED_LINES = (
    TRAINING,
    *(figure.card_line for figure in FIGURES if figure.placement != "data"),
)
TOP_REGIONS = 5


def card_strings(
    figures: dict,
    regions: list[str],
    lang: str,
    source_citations: SourceCitations | None = None,
    context_rows: list[dict] | None = None,
) -> dict[str, str | None]:
    """Display strings of one métier in one language; None where the figure is not published."""
    title = figures.get(f"title_{lang}") or figures.get("title_fr") or figures["slug"]
    year = figures.get("reference_year")
    strings: dict[str, str | None] = {
        "title": title,
        "box_title": display.label("box_title", lang, year=year if year is not None else "—"),
        TRAINING: display.training(
            figures.get("training_years_min"),
            figures.get("training_years_max"),
            bool(figures.get("training_plus_experience")),
            lang,
        )
        or None,
        **figure_strings(figures, lang),
        "regions": ", ".join(display.region_name(code, lang) for code in regions) or None,
    }
    strings["vintage"] = vintage_text(vintage(figures, context_rows), lang, source_citations)
    # A facts row names its publisher, per language where it gives one (source_<lang>).
    citations = {
        "freelance_rate": figures.get(f"freelance_rate_citation_{lang}")
        or figures.get("freelance_rate_citation")
    }
    strings["footnotes"] = "\n".join(footnotes(figures, lang, citations, source_citations))
    return strings


def _edition(period: object) -> tuple[tuple[int, int], str] | None:
    """How a period ranks (latest end year; then a year before a range, a quarter, a month)
    and how it names an edition: its end year, or the quarter or month itself."""
    parsed = periods.parse_period(period)
    if parsed is None:
        return None
    shown = parsed.label if parsed.kind in ("quarter", "month") else str(parsed.end)
    return parsed.sort_key, shown


def vintage(figures: dict, context_rows: list[dict] | None = None) -> dict:
    """What the card's figures refer to: reference year, growth period, insertion cohort(s),
    and each cited source's edition (the latest period it gives on the card)."""
    latest: dict[str, tuple[tuple[int, int], str]] = {}
    found = [
        (figures.get(f"{figure}_source"), figures.get(f"{figure}_period"))
        for figure, _unit in CARD_FIGURES.values()
    ] + [(row.get("source_id"), row.get("period")) for row in context_rows or []]
    for source, period in found:
        edition = _edition(period)
        if source and edition and (source not in latest or edition[0] > latest[source][0]):
            latest[source] = edition
    editions = {source: shown for source, (_rank, shown) in latest.items()}
    return {
        "reference_year": figures.get("reference_year"),
        "growth_period": figures.get("growth_rate_period")
        if present(figures.get("growth_rate"))
        else None,
        "insertion_cohort": figures.get("insertion_rate_period")
        if present(figures.get("insertion_rate"))
        else None,
        "editions": dict(sorted(editions.items())),
    }


def vintage_text(facts: dict, lang: str, source_citations: SourceCitations | None = None) -> str:
    """'Belgique 2025 · croissance 2020-2025 · insertion : cohorte 2024 · éditions : ...'."""
    year = facts.get("reference_year")
    parts = [display.label("reference", lang, year=year if year is not None else "—")]
    if facts.get("growth_period"):
        parts.append(display.label("growth_period", lang, period=facts["growth_period"]))
    cohort = facts.get("insertion_cohort")
    if cohort:
        key = "insertion_cohorts" if "-" in str(cohort) else "insertion_cohort"
        parts.append(display.label(key, lang, period=cohort))
    editions = [
        f"{source_name(source, lang, source_citations)} {edition}"
        for source, edition in facts.get("editions", {}).items()
    ]
    if editions:
        parts.append(f"{display.label('editions', lang)}: {', '.join(editions)}")
    return " · ".join(parts)


def source_name(source: str, lang: str, source_citations: SourceCitations | None = None) -> str:
    """How a card in `lang` cites a source: its citation declared in that language, else the
    project's name for a built-in source (SOURCE_NAMES), else its one `citation`, else its id."""
    declared = (source_citations or {}).get(source) or {}
    if isinstance(declared, str):
        declared = {"citation": declared}
    return (
        declared.get(lang)
        or SOURCE_NAMES.get(source, {}).get(lang)
        or declared.get("citation")
        or source
    )


def withheld_reason(row: Mapping[str, Any], prefix: str, lang: str) -> str | None:
    """Why a value is withheld, in `lang`: from the code and parameters disclosure wrote
    (`<prefix>suppression_code`, `<prefix>suppression_params`); in a file published before
    the codes existed (history, rollback), from its English `<prefix>suppressed` text."""
    code = row.get(f"{prefix}suppression_code")
    if code:
        return display.reason_text(code, row.get(f"{prefix}suppression_params"), lang)
    return display.reason(row.get(f"{prefix}suppressed"), lang)


# What a withheld regional cell carries to the card: its text, and the code it comes from.
REGION_REASON_COLUMNS = ("suppressed", "suppression_code", "suppression_params")


def withheld_regions(regions: pl.DataFrame, slug: str, year: int | None) -> list[dict]:
    """Regional cells of the reference year that are withheld, with the rule's reason."""
    if year is None or regions.is_empty() or "suppressed" not in regions.columns:
        return []
    rows = regions.filter(
        (pl.col("slug") == slug) & (pl.col("year") == year) & pl.col("suppressed").is_not_null()
    ).sort("region")
    columns = [name for name in REGION_REASON_COLUMNS if name in rows.columns]
    return rows.select("region", *columns).to_dicts()


def withheld_regions_text(cells: list[dict], lang: str) -> str | None:
    """'Luxembourg, Namur : non publié (moins de 10 observations)', one line per reason."""
    # One line per rule, in the order of the mart's text (primary before secondary).
    by_rule: dict[str, list[dict]] = {}
    for cell in cells:
        by_rule.setdefault(cell["suppressed"], []).append(cell)
    lines = [
        f"{', '.join(display.region_name(cell['region'], lang) for cell in group)}: "
        f"{display.label('not_published', lang)} ({withheld_reason(group[0], '', lang)})"
        for _rule, group in sorted(by_rule.items())
    ]
    return "\n".join(lines) or None


def footnotes(
    figures: dict,
    lang: str,
    citations: dict[str, str] | None = None,
    source_citations: SourceCitations | None = None,
) -> list[str]:
    """One line per card figure: label, source, period, files, and whether an editorial
    override or a publisher's flag applies. `citations` names the source of one figure,
    `source_citations` the citations of each source id (from the registry), in `lang`."""
    lines = []
    for line in CITED_LINES:
        figure = CARD_FIGURES[line][0]
        source = figures.get(f"{figure}_source")
        if not source:
            continue
        name = (citations or {}).get(figure) or source_name(source, lang, source_citations)
        period = figures.get(f"{figure}_period")
        files = figures.get(f"{figure}_source_files")
        text = f"{display.label(line, lang)}: {name}"
        group = display.match_note(
            figures.get(f"{figure}_match_level"), figures.get(f"{figure}_match_group"), lang
        )
        if group:
            text += f", {group}"
        if period:
            text += f", {period}"
        if files:
            text += f" ({files})"
        if figures.get(f"{figure}_override"):
            text += f" — {display.label('override', lang)}"
        flag = figures.get(f"{figure}_flag")
        if flag:
            text += f" [{display.flag_text(flag, lang)}]"
        lines.append(text)
    return lines


def leading_regions(regions: pl.DataFrame, slug: str, year: int | None) -> list[str]:
    """Published regional cells of the reference year, largest headcount first."""
    if year is None or regions.is_empty():
        return []
    rows = (
        regions.filter(
            (pl.col("slug") == slug) & (pl.col("year") == year) & pl.col("headcount").is_not_null()
        )
        .sort(["headcount", "region"], descending=[True, False])
        .head(TOP_REGIONS)
    )
    return rows["region"].to_list()


def _regional(row: dict) -> bool:
    """A context row of a Belgian region (NUTS-1, NUTS-2): shown beside the regions."""
    return row.get("geo_level") in ("nuts1", "nuts2")


def build_cards(
    figures: pl.DataFrame,
    regions: pl.DataFrame,
    source_citations: SourceCitations | None = None,
    context: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Rows of metier_cards: every métier in every language."""
    records = []
    for row in figures.iter_rows(named=True):
        top = leading_regions(regions, row["slug"], row["reference_year"])
        withheld = withheld_regions(regions, row["slug"], row["reference_year"])
        context_rows = (
            context.filter(pl.col("slug") == row["slug"]).sort("indicator").to_dicts()
            if context is not None
            else []
        )
        for lang in LANGUAGES:
            strings = card_strings(row, top, lang, source_citations, context_rows)
            strings["regions_withheld"] = withheld_regions_text(withheld, lang)
            national = [item for item in context_rows if not _regional(item)]
            strings["context"] = (
                "\n".join(display.context_line(item, lang) for item in national) or None
            )
            regional = [item for item in context_rows if _regional(item)]
            strings["regions_context"] = (
                "\n".join(display.regional_context_lines(regional, lang)) or None
            )
            cited = {
                (item["source_id"], item["period"], item.get("source_file"))
                for item in context_rows
            }
            for source_id, period, source_file in sorted(cited, key=str):
                name = source_name(source_id, lang, source_citations)
                strings["footnotes"] += (
                    f"\n{display.label('context', lang)}: {name}, {period} ({source_file})"
                )
            records.append(
                {"slug": row["slug"], "lang": lang, "reference_year": row["reference_year"]}
                | strings
            )
    return pl.DataFrame(records)


def figure_entries(figures: dict, card: dict, lang: str) -> list[dict]:
    """Each card figure with value, display string, unit, period, source and suppression."""
    training = {
        "min": figures.get("training_years_min"),
        "max": figures.get("training_years_max"),
        "plus_experience": figures.get("training_plus_experience"),
    }
    entries = [_entry(figures, card, lang, TRAINING, CARD_FIGURES[TRAINING][1], training)]
    for figure in FIGURES:
        unit = figures.get(figure.unit_column) if figure.unit_column else figure.unit
        entry = _entry(figures, card, lang, figure.name, unit, value_of(figure, figures))
        entry["label"] = display.label(figure.card_line, lang)
        entry["display"] = card.get(figure.card_line)
        for key, column in figure.extra_values:
            entry[key] = figures.get(column)
        for string in figure.strings[1:]:
            entry[string.json_key] = card.get(string.column)
        entry["match_note"] = match_note(figure, figures, lang)
        entries.append(entry)
    return entries


def _entry(figures: dict, card: dict, lang: str, figure: str, unit: str | None, value) -> dict:
    return {
        "indicator": figure,
        "label": display.label(figure, lang) if figure == TRAINING else None,
        "value": value,
        "display": card.get(figure) if figure == TRAINING else None,
        "unit": unit,
        "period": figures.get(f"{figure}_period"),
        "source": figures.get(f"{figure}_source"),
        "source_files": figures.get(f"{figure}_source_files"),
        "n_records": figures.get(f"{figure}_n_records"),
        "suppressed": figures.get(f"{figure}_suppressed"),
        "suppression_code": figures.get(f"{figure}_suppression_code"),
        "suppression_params": _params(figures.get(f"{figure}_suppression_params")),
        "suppressed_reason": withheld_reason(figures, f"{figure}_", lang),
        "override": bool(figures.get(f"{figure}_override")),
        "flag": figures.get(f"{figure}_flag"),
        "cv": figures.get(f"{figure}_cv"),
        "reliability": figures.get(f"{figure}_reliability"),
        "reliability_note": display.reliability_note(figures.get(f"{figure}_reliability"), lang),
        "match_level": figures.get(f"{figure}_match_level"),
        "match_group": figures.get(f"{figure}_match_group"),
        "match_note": None,
    }


def _params(params: str | dict | None) -> dict | None:
    """A reason's parameters as data: the mart holds them as JSON text."""
    return json.loads(params) if isinstance(params, str) else params


def region_entries(cells: list[dict], lang: str) -> list[dict]:
    """Each regional cell of the reference year: value and display string, or why withheld."""
    entries = []
    for cell in cells:
        published = cell.get("suppressed") is None
        entries.append(
            {
                "region": cell["region"],
                "name": display.region_name(cell["region"], lang),
                "headcount": cell.get("headcount"),
                "display": display.with_reliability(
                    display.headcount(cell["headcount"], lang),
                    cell.get("headcount_reliability"),
                    lang,
                )
                if published and present(cell.get("headcount"))
                else None,
                "share_women": cell.get("share_women"),
                "salary_median": cell.get("salary_median"),
                "n_records": cell.get("n_records"),
                "suppressed": cell.get("suppressed"),
                "suppression_code": cell.get("suppression_code"),
                "reason": withheld_reason(cell, "", lang),
                "salary_suppressed": cell.get("salary_suppressed"),
                "salary_suppression_code": cell.get("salary_suppression_code"),
                "salary_reason": withheld_reason(cell, "salary_", lang),
                "reliability": cell.get("headcount_reliability"),
            }
        )
    return entries


def vintage_entry(figures: dict, card: dict, context_rows: list[dict] | None = None) -> dict:
    """The card's vintage as data and as its display line."""
    return vintage(figures, context_rows) | {"display": card.get("vintage")}


def render_text(figures: dict, card: dict, lang: str) -> str:
    """The card drawn as on the site: the figures box, then the salary lines and sources."""

    def shown(line: str) -> str:
        value = card.get(line)
        if value:
            return value
        reason = withheld_reason(figures, f"{CARD_FIGURES[line][0]}_", lang)
        withheld = display.label("not_published", lang)
        return f"— ({withheld}: {reason})" if reason else f"— ({withheld})"

    out = [card["title"], "", f"📊 {card['box_title']}", ""]
    out += [f"{shown(line)} {display.label(line, lang)}" for line in BOX_LINES]
    out += ["", f"💰 {display.label('salary', lang)}"]
    entry = shown("salary_entry")
    if card.get("salary_entry"):
        entry += f" {display.label('gross_month', lang)}"
    out.append(f"{display.label('salary_entry', lang)}: {entry}")
    senior = shown("salary_senior")
    if card.get("salary_senior_max"):
        senior += f" ({card['salary_senior_max']})"
    out.append(f"{display.label('salary_senior', lang)}: {senior}")
    if card.get("freelance_rate"):
        out.append(f"{display.label('freelance_rate', lang)}: {card['freelance_rate']}")
    out.append(f"{display.label('share_self_employed', lang)}: {shown('share_self_employed')}")
    if card.get("regions"):
        out += ["", f"📍 {display.label('regions', lang)}: {card['regions']}"]
    if card.get("regions_withheld"):
        if not card.get("regions"):
            out += ["", f"📍 {display.label('regions', lang)}:"]
        out += [f"  {line}" for line in card["regions_withheld"].splitlines()]
    if card.get("regions_context"):
        if not card.get("regions") and not card.get("regions_withheld"):
            out += ["", f"📍 {display.label('regions', lang)}:"]
        out += [f"  {line}" for line in card["regions_context"].splitlines()]
    if card.get("context"):
        out += ["", f"🔎 {display.label('context', lang)}:"]
        out += [f"  {line}" for line in card["context"].splitlines()]
    if card.get("vintage"):
        out += ["", f"🗓️ {display.label('vintage', lang)}: {card['vintage']}"]
    if card.get("footnotes"):
        out += ["", f"{display.label('sources', lang)}:"]
        out += [f"  {line}" for line in card["footnotes"].splitlines()]
    return "\n".join(out)
