"""Display strings of the card, per language. One rounding rule per indicator, written once.

Rounding is half away from zero (2.85 -> 2.9), as readers expect, not Python's banker's rounding.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from string import Formatter
from typing import Any

LANGUAGES = ("fr", "nl", "en")

REGION_NAMES = {
    "BE10": {
        "fr": "Bruxelles-Capitale",
        "nl": "Brussels Hoofdstedelijk Gewest",
        "en": "Brussels-Capital",
    },
    "BE21": {"fr": "Anvers", "nl": "Antwerpen", "en": "Antwerp"},
    "BE22": {"fr": "Limbourg", "nl": "Limburg", "en": "Limburg"},
    "BE23": {"fr": "Flandre-Orientale", "nl": "Oost-Vlaanderen", "en": "East Flanders"},
    "BE24": {"fr": "Brabant flamand", "nl": "Vlaams-Brabant", "en": "Flemish Brabant"},
    "BE25": {"fr": "Flandre-Occidentale", "nl": "West-Vlaanderen", "en": "West Flanders"},
    "BE31": {"fr": "Brabant wallon", "nl": "Waals-Brabant", "en": "Walloon Brabant"},
    "BE32": {"fr": "Hainaut", "nl": "Henegouwen", "en": "Hainaut"},
    "BE33": {"fr": "Liège", "nl": "Luik", "en": "Liège"},
    "BE34": {"fr": "Luxembourg", "nl": "Luxemburg", "en": "Luxembourg"},
    "BE35": {"fr": "Namur", "nl": "Namen", "en": "Namur"},
    # NUTS-1: the three regions (context tables by region)
    "BE1": {
        "fr": "Région de Bruxelles-Capitale",
        "nl": "Brussels Hoofdstedelijk Gewest",
        "en": "Brussels-Capital Region",
    },
    "BE2": {"fr": "Région flamande", "nl": "Vlaams Gewest", "en": "Flemish Region"},
    "BE3": {"fr": "Région wallonne", "nl": "Waals Gewest", "en": "Walloon Region"},
}

CHANNELS = {
    "network": {"fr": "le réseau", "nl": "het netwerk", "en": "networking"},
    "internship": {"fr": "un stage", "nl": "een stage", "en": "an internship"},
    "job_board": {"fr": "les offres d'emploi", "nl": "vacatures", "en": "job ads"},
    "public_employment_service": {
        "fr": "le service public de l'emploi",
        "nl": "de openbare arbeidsbemiddeling",
        "en": "the public employment service",
    },
    "temp_agency": {"fr": "l'intérim", "nl": "uitzendwerk", "en": "temp agencies"},
    "spontaneous_application": {
        "fr": "une candidature spontanée",
        "nl": "een spontane sollicitatie",
        "en": "unsolicited applications",
    },
}

LABELS = {
    "fr": {
        "box_title": "Le métier en chiffres (Belgique {year})",
        "training": "Durée de formation",
        "headcount": "Professionnels actifs",
        "growth": "Croissance annuelle",
        "insertion": "Taux d'insertion",
        "average_age": "Âge moyen",
        "share_women": "Proportion de femmes",
        "share_self_employed": "Indépendants",
        "share_aged_50_plus": "Part des 50 ans et plus",
        "salary": "Salaire",
        "salary_entry": "Débutant",
        "salary_senior": "Expérimenté",
        "freelance_rate": "Freelance",
        "regions": "Zones d'emploi",
        "sources": "Sources",
        "not_published": "non publié",
        "gross_month": "brut/mois",
        "override": "valeur éditoriale, remplace le calcul",
        "employment": "Emploi",
        "context": "Contexte",
        "training_participation_women": "Femmes de 25 à 64 ans en formation (4 dernières semaines)",
        "isco_group": "groupe CITP {code}",
        "esco_group": "métier ESCO {code}",
        "low_reliability": "peu fiable",
        "reference": "Belgique {year}",
        "growth_period": "croissance {period}",
        "insertion_cohort": "insertion : cohorte {period}",
        "insertion_cohorts": "insertion : cohortes {period}",
        "editions": "éditions",
        "vintage": "Millésime",
        "trend": "Évolution du nombre de professionnels",
        "trend_caption": "Professionnels actifs par année ({first}-{last})",
        "trend_withheld": "années non publiées: {years}",
        "publication": "Version {version}, publiée le {date}",
        "note": "note {number}",
        "map": "Répartition par province ({year})",
        "map_legend": "Part de l'effectif national",
        "map_below": "moins de {high}%",
        "map_between": "{low}% à {high}%",
        "map_above": "{low}% ou plus",
        "map_none": "aucun dans le registre",
        "map_hatched": "Hachuré : non publié",
        "salary_chart": "Salaire brut mensuel par expérience ({year})",
        "salary_band": "{band} ans",
        "salary_values": "P10 {p10} · médiane {median} · P90 {p90}",
        "salary_values_long": "médiane {median}, 10e centile {p10}, 90e centile {p90}",
        "salary_legend": (
            "Barre: salaire médian; trait: du 10e au 90e centile; hachures: non publié"
        ),
        "trend_growth": "{growth} {period}: {shown}",
    },
    "nl": {
        "box_title": "Het beroep in cijfers (België {year})",
        "training": "Opleidingsduur",
        "headcount": "Actieve professionals",
        "growth": "Jaarlijkse groei",
        "insertion": "Inschakelingsgraad",
        "average_age": "Gemiddelde leeftijd",
        "share_women": "Aandeel vrouwen",
        "share_self_employed": "Zelfstandigen",
        "share_aged_50_plus": "Aandeel 50-plussers",
        "salary": "Loon",
        "salary_entry": "Starter",
        "salary_senior": "Ervaren",
        "freelance_rate": "Freelance",
        "regions": "Tewerkstellingsgebieden",
        "sources": "Bronnen",
        "not_published": "niet gepubliceerd",
        "gross_month": "bruto/maand",
        "override": "redactionele waarde, vervangt de berekening",
        "employment": "Werkgelegenheid",
        "context": "Context",
        "training_participation_women": "Vrouwen van 25-64 jaar in opleiding (laatste 4 weken)",
        "isco_group": "ISCO-groep {code}",
        "esco_group": "ESCO-beroep {code}",
        "low_reliability": "weinig betrouwbaar",
        "reference": "België {year}",
        "growth_period": "groei {period}",
        "insertion_cohort": "inschakeling: cohorte {period}",
        "insertion_cohorts": "inschakeling: cohortes {period}",
        "editions": "edities",
        "vintage": "Referentieperiode",
        "trend": "Evolutie van het aantal professionals",
        "trend_caption": "Actieve professionals per jaar ({first}-{last})",
        "trend_withheld": "niet gepubliceerde jaren: {years}",
        "publication": "Versie {version}, gepubliceerd op {date}",
        "note": "noot {number}",
        "map": "Spreiding per provincie ({year})",
        "map_legend": "Aandeel in het nationale totaal",
        "map_below": "minder dan {high}%",
        "map_between": "{low}% tot {high}%",
        "map_above": "{low}% of meer",
        "map_none": "niemand in het register",
        "map_hatched": "Gearceerd: niet gepubliceerd",
        "salary_chart": "Bruto maandloon volgens ervaring ({year})",
        "salary_band": "{band} jaar",
        "salary_values": "P10 {p10} · mediaan {median} · P90 {p90}",
        "salary_values_long": "mediaan {median}, 10e percentiel {p10}, 90e percentiel {p90}",
        "salary_legend": (
            "Balk: mediaanloon; lijn: van het 10e tot het 90e percentiel; "
            "arcering: niet gepubliceerd"
        ),
        "trend_growth": "{growth} {period}: {shown}",
    },
    "en": {
        "box_title": "The occupation in figures (Belgium {year})",
        "training": "Training",
        "headcount": "Active professionals",
        "growth": "Annual growth",
        "insertion": "Employment rate after training",
        "average_age": "Average age",
        "share_women": "Share of women",
        "share_self_employed": "Self-employed",
        "share_aged_50_plus": "Share aged 50 or over",
        "salary": "Salary",
        "salary_entry": "Entry level",
        "salary_senior": "Experienced",
        "freelance_rate": "Freelance",
        "regions": "Where they work",
        "sources": "Sources",
        "not_published": "not published",
        "gross_month": "gross/month",
        "override": "editorial value, replaces the computed one",
        "employment": "Employment",
        "context": "Context",
        "training_participation_women": "Women aged 25-64 in education or training (last 4 weeks)",
        "isco_group": "ISCO group {code}",
        "esco_group": "ESCO occupation {code}",
        "low_reliability": "low reliability",
        "reference": "Belgium {year}",
        "growth_period": "growth {period}",
        "insertion_cohort": "insertion: {period} cohort",
        "insertion_cohorts": "insertion: {period} cohorts",
        "editions": "editions",
        "vintage": "Vintage",
        "trend": "Number of professionals over time",
        "trend_caption": "Active professionals per year ({first}-{last})",
        "trend_withheld": "years not published: {years}",
        "publication": "Version {version}, published on {date}",
        "note": "note {number}",
        "map": "By province ({year})",
        "map_legend": "Share of the national total",
        "map_below": "under {high}%",
        "map_between": "{low}% to {high}%",
        "map_above": "{low}% or more",
        "map_none": "none in the register",
        "map_hatched": "Hatched: not published",
        "salary_chart": "Gross monthly salary by experience ({year})",
        "salary_band": "{band} years",
        "salary_values": "P10 {p10} · median {median} · P90 {p90}",
        "salary_values_long": "median {median}, 10th percentile {p10}, 90th percentile {p90}",
        "salary_legend": (
            "Bar: median salary; line: 10th to 90th percentile; hatching: not published"
        ),
        "trend_growth": "{growth} {period}: {shown}",
    },
}

# Words of the index of every métier and of the static site (`metiers site`), merged into
# LABELS: kept in their own table so the card's words above stay as they are.
INDEX_LABELS = {
    "fr": {
        "index_title": "Les métiers en chiffres",
        "index_intro": (
            "Tous les métiers, avec leurs effectifs, leur croissance et leurs salaires médians."
        ),
        "metier": "Métier",
        "salary_entry_median": "Salaire médian débutant",
        "salary_senior_median": "Salaire médian expérimenté",
        "sparkline": "Tendance",
        "search": "Rechercher un métier",
        "search_button": "Rechercher",
        "search_reset": "Tout afficher",
        "results": "Métiers : {count}",
        "results_for": "Métiers trouvés pour « {query} » : {count}",
        "no_results": "Aucun métier ne correspond à « {query} ».",
        "sort_by": "Trier par {column}",
        "ascending": "croissant",
        "descending": "décroissant",
        "all_metiers": "Tous les métiers",
        "languages": "Langues",
        "reference_year": "Année de référence {year}",
    },
    "nl": {
        "index_title": "De beroepen in cijfers",
        "index_intro": (
            "Alle beroepen, met hun aantal professionals, hun groei en hun mediaanlonen."
        ),
        "metier": "Beroep",
        "salary_entry_median": "Mediaanloon starter",
        "salary_senior_median": "Mediaanloon ervaren",
        "sparkline": "Trend",
        "search": "Een beroep zoeken",
        "search_button": "Zoeken",
        "search_reset": "Alles tonen",
        "results": "Beroepen: {count}",
        "results_for": "Beroepen gevonden voor „{query}”: {count}",
        "no_results": "Geen beroep komt overeen met „{query}”.",
        "sort_by": "Sorteren op {column}",
        "ascending": "oplopend",
        "descending": "aflopend",
        "all_metiers": "Alle beroepen",
        "languages": "Talen",
        "reference_year": "Referentiejaar {year}",
    },
    "en": {
        "index_title": "Occupations in figures",
        "index_intro": "Every occupation, with its headcount, growth and median salaries.",
        "metier": "Occupation",
        "salary_entry_median": "Median entry salary",
        "salary_senior_median": "Median experienced salary",
        "sparkline": "Trend",
        "search": "Search an occupation",
        "search_button": "Search",
        "search_reset": "Show all",
        "results": "Occupations: {count}",
        "results_for": "Occupations found for “{query}”: {count}",
        "no_results": "No occupation matches “{query}”.",
        "sort_by": "Sort by {column}",
        "ascending": "ascending",
        "descending": "descending",
        "all_metiers": "All occupations",
        "languages": "Languages",
        "reference_year": "Reference year {year}",
    },
}
for _lang, _words in INDEX_LABELS.items():
    LABELS[_lang].update(_words)

RATE_UNITS = {
    "eur_per_week": {"fr": "semaine", "nl": "week", "en": "week"},
    "eur_per_day": {"fr": "jour", "nl": "dag", "en": "day"},
    "eur_per_hour": {"fr": "heure", "nl": "uur", "en": "hour"},
}
# Freelance rates are rounded to a step that suits their unit (a day rate of 450 € stays 450).
RATE_STEPS = {"eur_per_week": 100, "eur_per_day": 10, "eur_per_hour": 1}


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language '{lang}': use one of {', '.join(LANGUAGES)}")


# Enough digits for every finite float (the largest has 309 before the point): Decimal's
# default 28 would make quantize fail on 1e300 instead of rounding it.
WIDE = Context(prec=400)


def _decimal(value: float) -> Decimal:
    """The value as written in decimal; infinity or NaN has no display, so it is refused
    with its value named rather than shown as 'inf' on a card."""
    if not math.isfinite(value):
        raise ValueError(f"cannot display {value!r}: not a finite number")
    return Decimal(str(value))


def _rounded(value: float, step: float) -> Decimal:
    with localcontext(WIDE):
        quotient = _decimal(value) / Decimal(str(step))
        return quotient.quantize(Decimal(1), rounding=ROUND_HALF_UP) * Decimal(str(step))


def round_half_up(value: float, step: float = 1) -> float:
    """Round to a multiple of `step`, halves away from zero."""
    return float(_rounded(value, step))


def round_whole(value: float, step: float = 1) -> int:
    """`round_half_up` as an exact integer: 1e300 stays 1 and 300 zeros, where a round trip
    through a float would print its binary digits or overflow."""
    return int(_rounded(value, step))


def round_significant(value: float, digits: int = 2) -> int:
    """Keep `digits` significant figures: 196 -> 200, 1234 -> 1200, 7 -> 7."""
    if value == 0:
        return 0
    magnitude = len(str(abs(round_whole(value)))) - digits
    step = 10 ** max(magnitude, 0)
    return round_whole(value, step)


def group_thousands(number: int, lang: str) -> str:
    """2800 -> '2.800' in French and Dutch (Belgian usage), '2,800' in English."""
    _check_lang(lang)
    text = f"{number:,}"
    return text if lang == "en" else text.replace(",", ".")


def money(amount: float, lang: str, step: int = 100) -> str:
    """Euros rounded to `step`: fr '2.800€', nl '€ 2.800', en '€2,800'."""
    number = group_thousands(round_whole(amount, step), lang)
    if lang == "fr":
        return f"{number}€"
    if lang == "nl":
        return f"€ {number}"
    return f"€{number}"


def headcount(value: float, lang: str) -> str:
    """'~200': two significant figures, so a weighted count does not look exact."""
    return "~" + group_thousands(round_significant(value, 2), lang)


def whole_percent(fraction: float) -> int:
    """0.285 -> 29: scaled in decimal, since 0.285 * 100 is 28.499999... in binary floats."""
    with localcontext(WIDE):
        scaled = _decimal(fraction) * 100
        return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(fraction: float, lang: str) -> str:
    """'35%': whole percent."""
    _check_lang(lang)
    return f"{whole_percent(fraction)}%"


def growth(rate: float, lang: str) -> str:
    """'+5%': whole percent, sign always shown (a flat rate is '+0%')."""
    _check_lang(lang)
    whole = whole_percent(rate)
    return f"{'+' if whole >= 0 else '-'}{abs(whole)}%"


def age(years: float, lang: str) -> str:
    _check_lang(lang)
    unit = {"fr": "ans", "nl": "jaar", "en": "years"}[lang]
    return f"{round_whole(years)} {unit}"


def insertion(rate: float, channel: str | None, lang: str) -> str:
    """'70% (souvent via le réseau)': the main channel as a note."""
    text = percent(rate, lang)
    if channel in CHANNELS:
        via = CHANNELS[channel][lang]
        note = {"fr": f"souvent via {via}", "nl": f"vaak via {via}", "en": f"often through {via}"}
        text += f" ({note[lang]})"
    return text


def salary_range(low: float, high: float, lang: str) -> str:
    """'4.500€-5.000€'; a single amount when both round to the same hundred."""
    low_text, high_text = money(low, lang), money(high, lang)
    return low_text if low_text == high_text else f"{low_text}-{high_text}"


def salary_max(amount: float, lang: str) -> str:
    """'jusqu'à 5.000€+'."""
    _check_lang(lang)
    prefix = {"fr": "jusqu'à", "nl": "tot", "en": "up to"}[lang]
    return f"{prefix} {money(amount, lang)}+"


def freelance_rate(low: float | None, high: float | None, unit: str | None, lang: str) -> str:
    """'entre 1.500€ et 2.500€/semaine'."""
    _check_lang(lang)
    per = RATE_UNITS.get(unit or "", {}).get(lang)
    suffix = f"/{per}" if per else ""
    step = RATE_STEPS.get(unit or "", 100)
    amounts = [money(value, lang, step) for value in (low, high) if value is not None]
    if not amounts:
        return ""
    if len(amounts) == 2 and amounts[0] != amounts[1]:
        words = {"fr": ("entre", "et"), "nl": ("tussen", "en"), "en": ("between", "and")}[lang]
        return f"{words[0]} {amounts[0]} {words[1]} {amounts[1]}{suffix}"
    return f"{amounts[0]}{suffix}"


def training(years_min: int | None, years_max: int | None, plus_experience: bool, lang: str) -> str:
    """'3-5 ans d'études + expérience'."""
    _check_lang(lang)
    if years_min is None and years_max is None:
        span = ""
    elif years_min is None or years_max is None or years_min == years_max:
        span = str(years_min if years_min is not None else years_max)
    else:
        span = f"{years_min}-{years_max}"
    singular = span == "1"
    words = {
        "fr": ("an d'études" if singular else "ans d'études", "expérience"),
        "nl": ("jaar studie", "ervaring"),
        "en": ("year of study" if singular else "years of study", "experience"),
    }[lang]
    text = f"{span} {words[0]}" if span else ""
    if plus_experience:
        text = f"{text} + {words[1]}" if text else words[1]
    return text


def region_name(code: str, lang: str) -> str:
    return REGION_NAMES.get(code, {}).get(lang, code)


def label(key: str, lang: str, **values: object) -> str:
    _check_lang(lang)
    return LABELS[lang][key].format(**values)


# Why a value is withheld or missing: the code disclosure control writes in the mart
# (`<figure>_suppression_code`, `suppression_code`), with its parameters
# (`..._suppression_params`, JSON), and its wording: the only place it is worded. `mart` is the
# English text of the mart's `suppressed` columns (metier_figures, metier_figure_lineage,
# metier_figure_candidates, metier_trend), `mart_cell` where a table's cells also have
# secondary suppression (metier_regions, metier_salaries; the rule is named first); fr, nl
# and en are the card's. `{name}` is the parameter of that name; `{source}` is a source id,
# shown in the card with its name in that language (SOURCE_WORDS). The build records this
# table in every file (meta_suppression_reasons) and the SQL renders the mart's text from it.
REASONS: dict[str, dict[str, str]] = {
    "primary": {
        "mart": "fewer than {min_records} records",
        "mart_cell": "primary: fewer than {min_records} records",
        "fr": "moins de {min_records} observations",
        "nl": "minder dan {min_records} waarnemingen",
        "en": "fewer than {min_records} records",
    },
    "too_few_wages": {
        "mart": "fewer than {min_records} employee wages",
        "fr": "moins de {min_records} salaires observés",
        "nl": "minder dan {min_records} waargenomen lonen",
        "en": "fewer than {min_records} employee wages",
    },
    "dominance": {
        "mart": "dominance: top {top_n} wages over {share_percent}% of the total",
        "fr": "les {top_n} salaires les plus élevés font plus de {share_percent}% du total",
        "nl": "de {top_n} hoogste lonen maken meer dan {share_percent}% van het totaal uit",
        "en": "the top {top_n} wages make up over {share_percent}% of the total",
    },
    "secondary": {
        "mart": "secondary: protects another withheld cell",
        "fr": "masqué pour protéger une autre case",
        "nl": "verborgen ter bescherming van een andere cel",
        "en": "withheld to protect another cell",
    },
    "short_history": {
        "mart": "history shorter than {min_years} years",
        "fr": "historique de moins de {min_years} ans",
        "nl": "reeks korter dan {min_years} jaar",
        "en": "history shorter than {min_years} years",
    },
    "not_available": {
        "mart": "not available from the publisher",
        "fr": "non disponible chez l'éditeur",
        "nl": "niet beschikbaar bij de uitgever",
        "en": "not available from the publisher",
    },
    "no_data": {
        "mart": "no {source} data for this métier",
        "fr": "pas de données ({source})",
        "nl": "geen gegevens ({source})",
        "en": "no {source} data",
    },
    "excluded_source": {
        "mart": "source {source} excluded: it failed validation",
        "fr": "source écartée ({source}) : données rejetées à la validation",
        "nl": "bron weggelaten ({source}): gegevens afgekeurd bij validatie",
        "en": "source left out ({source}): its data failed validation",
    },
}
SOURCE_WORDS = {
    "register": {"fr": "registre", "nl": "register", "en": "register"},
    "insertion": {"fr": "insertion", "nl": "inschakeling", "en": "insertion"},
    "facts": {"fr": "source éditoriale", "nl": "redactionele bron", "en": "editorial source"},
}


def reason_parameters(code: str) -> list[str]:
    """The parameters a reason's wording names, in order (`min_records`)."""
    template = REASONS[code]["mart"]
    return [name for _, name, _, _ in Formatter().parse(template) if name]


def reason_text(code: str | None, params: Mapping[str, Any] | str | None, lang: str) -> str | None:
    """Why a value is withheld, in the card's language, from the mart's code and parameters
    (a mapping, or the JSON text the mart holds). An unknown code is shown as it came."""
    _check_lang(lang)
    if not code:
        return None
    if code not in REASONS:
        return code
    values = json.loads(params) if isinstance(params, str) else dict(params or {})
    if "source" in values:
        values["source"] = SOURCE_WORDS.get(values["source"], {}).get(lang, values["source"])
    return REASONS[code][lang].format_map(_Missing(values))


class _Missing(dict):
    """Formatting values: a parameter the mart did not give stays visible as `{name}`."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _legacy_pattern(template: str) -> re.Pattern:
    """The mart text a template makes, as a pattern capturing its parameters."""
    parts, names = [], []
    for literal, name, _, _ in Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append(rf"(?P<{name}>\w+)")
            names.append(name)
    return re.compile("".join(parts))


def reason(text: str | None, lang: str) -> str | None:
    """A suppression reason given only as the mart's English text, in the card's language.

    For callers that have the text and not its code (metiers/present/page.py reads the
    `_suppressed` column); everything else uses `reason_text` on the code. The text is
    matched against the mart wordings of REASONS, so no second list of sentences exists;
    unknown text is shown as it came."""
    _check_lang(lang)
    if not text:
        return None
    for code, words in REASONS.items():
        for key in ("mart", "mart_cell"):
            if key in words:
                match = _legacy_pattern(words[key]).fullmatch(text)
                if match:
                    return reason_text(code, match.groupdict(), lang)
    return text


def reliability_note(reliability: str | None, lang: str) -> str | None:
    """'peu fiable' for a figure flagged low reliability (register CV/records, Eurostat u)."""
    _check_lang(lang)
    return LABELS[lang]["low_reliability"] if reliability == "low" else None


def with_reliability(text: str, reliability: str | None, lang: str) -> str:
    """'~45 (peu fiable)': the display string with its reliability warning, if any."""
    note = reliability_note(reliability, lang)
    return f"{text} ({note})" if note else text


# Match levels of a figure taken from a published table's group rather than the métier's code.
ISCO_LEVELS = ("isco4", "isco3", "isco2", "isco1")


def match_note(level: str | None, group: str | None, lang: str) -> str | None:
    """'groupe CITP 2654' for a figure of an ISCO-08 group, 'métier ESCO 2654.1' for one of
    a broader ESCO occupation; None for an exact match."""
    _check_lang(lang)
    if not group or level in (None, "exact"):
        return None
    key = "isco_group" if level in ISCO_LEVELS else "esco_group"
    return LABELS[lang][key].format(code=group)


def with_match(text: str, note: str | None, period: str | None) -> str:
    """'~1.500 (groupe CITP 7411, 2024)': a stand-in figure says its group and period."""
    extra = ", ".join(part for part in (note, period) if part)
    return f"{text} ({extra})" if extra else text


FLAG_TEXTS = {
    "top_coded": {
        "fr": "valeur plafonnée: au moins ce montant",
        "nl": "afgetopte waarde: minstens dit bedrag",
        "en": "top-coded: at least this amount",
    },
    "not_available": {"fr": "non disponible", "nl": "niet beschikbaar", "en": "not available"},
}


def flag_text(flag: str, lang: str) -> str:
    """A publisher's flag in words: aggregate markers, or Eurostat's one-letter flags."""
    _check_lang(lang)
    if flag in FLAG_TEXTS:
        return FLAG_TEXTS[flag][lang]
    return ", ".join(eurostat_flags(flag, lang))


# Eurostat's observation flags, which the card carries beside the value they qualify.
EUROSTAT_FLAGS: dict[str, dict[str, str]] = {
    "b": {"fr": "rupture de série", "nl": "breuk in de reeks", "en": "break in time series"},
    "c": {"fr": "confidentiel", "nl": "vertrouwelijk", "en": "confidential"},
    "d": {"fr": "définition différente", "nl": "afwijkende definitie", "en": "definition differs"},
    "e": {"fr": "estimé", "nl": "geschat", "en": "estimated"},
    "f": {"fr": "prévision", "nl": "prognose", "en": "forecast"},
    "n": {"fr": "non significatif", "nl": "niet significant", "en": "not significant"},
    "p": {"fr": "provisoire", "nl": "voorlopig", "en": "provisional"},
    "r": {"fr": "révisé", "nl": "herzien", "en": "revised"},
    "s": {"fr": "estimation Eurostat", "nl": "Eurostat-schatting", "en": "Eurostat estimate"},
    "u": {"fr": "peu fiable", "nl": "weinig betrouwbaar", "en": "low reliability"},
    "z": {"fr": "sans objet", "nl": "niet van toepassing", "en": "not applicable"},
}


def eurostat_flags(flag: str | None, lang: str) -> list[str]:
    """The meaning of each letter of a flag (`bu` -> two texts); unknown letters stay as is."""
    _check_lang(lang)
    if not flag:
        return []
    return [
        EUROSTAT_FLAGS[letter][lang] if letter in EUROSTAT_FLAGS else letter
        for letter in flag
        if not letter.isspace()
    ]


COUNTRY_NAMES = {
    "BE": {"fr": "Belgique", "nl": "België", "en": "Belgium"},
    "FR": {"fr": "France", "nl": "Frankrijk", "en": "France"},
    "NL": {"fr": "Pays-Bas", "nl": "Nederland", "en": "Netherlands"},
    "DE": {"fr": "Allemagne", "nl": "Duitsland", "en": "Germany"},
    "LU": {"fr": "Luxembourg", "nl": "Luxemburg", "en": "Luxembourg"},
    "US": {"fr": "États-Unis", "nl": "Verenigde Staten", "en": "United States"},
}
# A money unit `<iso4217>_<gross|net>_per_<period>` (metiers/methodology/units.py) as words.
MONEY_WORDS = {
    "fr": {"gross": "brut", "net": "net", "month": "mois", "year": "an", "week": "semaine",
           "hour": "heure"},
    "nl": {"gross": "bruto", "net": "netto", "month": "maand", "year": "jaar", "week": "week",
           "hour": "uur"},
    "en": {"gross": "gross", "net": "net", "month": "month", "year": "year", "week": "week",
           "hour": "hour"},
}  # fmt: skip


def context_value(value: float, unit: str | None, lang: str) -> str:
    """A context figure in the card's style: shares in whole percent, counts rounded, money
    with its currency and period ("106.500 USD brut/an"): another currency is never shown
    as euros."""
    if unit == "share":
        return percent(value, lang)
    if unit == "thousand_persons":
        return headcount(value * 1000, lang)
    if unit == "persons":
        return headcount(value, lang)
    parts = (unit or "").split("_")
    if len(parts) == 4 and parts[2] == "per" and parts[1] in ("gross", "net"):
        words = MONEY_WORDS[lang]
        kind, period = words.get(parts[1], parts[1]), words.get(parts[3], parts[3])
        return f"{group_thousands(round_whole(value), lang)} {parts[0].upper()} {kind}/{period}"
    return group_thousands(round_whole(value), lang)


def regional_context_lines(rows: list[dict], lang: str) -> list[str]:
    """Context by Belgian region, one line per indicator, source and period, regions in code
    order: 'Taux (2019): Région flamande 9%, Anvers 10% (peu fiable), ...'."""
    _check_lang(lang)
    grouped: dict[tuple[str, str, str], list[dict]] = {}
    for row in rows:
        key = (row["indicator"], row["source_id"], str(row["period"]))
        grouped.setdefault(key, []).append(row)
    lines = []
    for (indicator, _source, period), cells in sorted(grouped.items()):
        shown = []
        for cell in sorted(cells, key=lambda cell: cell["geo"]):
            value = context_value(cell["value"], cell.get("unit"), lang)
            text = f"{region_name(cell['geo'], lang)} {value}"
            if cell.get("flag"):
                text += f" ({', '.join(eurostat_flags(cell['flag'], lang))})"
            shown.append(text)
        lines.append(f"{LABELS[lang].get(indicator, indicator)} ({period}): {', '.join(shown)}")
    return lines


def context_line(row: dict, lang: str) -> str:
    """'Proportion de femmes, groupe CITP 26 (Belgique, 2024): 48% — peu fiable'."""
    _check_lang(lang)
    indicator = row["indicator"]
    name = LABELS[lang].get(indicator, indicator)
    group = LABELS[lang]["isco_group"].format(code=row["isco_group"])
    place = COUNTRY_NAMES.get(row["geo"], {}).get(lang, row["geo"])
    text = f"{name}, {group} ({place}, {row['period']}): "
    text += context_value(row["value"], row.get("unit"), lang)
    if row.get("flag"):
        text += " — " + ", ".join(eurostat_flags(row["flag"], lang))
    return text


# Releases: the revision marker, the release notes and the review, in each language.
MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "en": "January February March April May June July August September October November December",
}
RELEASE_LABELS = {
    "fr": {
        "revised": "révisé le {date}",
        "notes_title": "Mise à jour des chiffres des métiers : version {version}, {date}",
        "notes_count": "{count} changement(s) signalé(s).",
        "notes_none": "Aucun changement signalé.",
        "notes_reason": "Motif : {reason}",
        "notes_rollback": "Retour à une version antérieure ({version}).",
        "notes_change": "{title} — {figure} : {old} → {new} ({cause}{period}).",
        "withheld": "non publié",
        "cause_new_data": "nouvelles données",
        "cause_source_revision": "révision de la source",
        "cause_source_switch": "changement de source",
        "cause_rule_change": "changement de règle de calcul",
        "cause_rollback": "retour à la version antérieure",
        "review_title": "Revue de la version candidate {version}",
        "review_before": "Publié ({version})",
        "review_after": "Candidat ({version})",
        "review_none": "Aucun changement signalé : la version peut être publiée telle quelle.",
        "review_indicator": "Indicateur",
        "review_reason": "Motif du signalement",
        "review_cause": "Cause",
    },
    "nl": {
        "revised": "herzien op {date}",
        "notes_title": "Update van de beroepscijfers: versie {version}, {date}",
        "notes_count": "{count} gemarkeerde wijziging(en).",
        "notes_none": "Geen gemarkeerde wijzigingen.",
        "notes_reason": "Reden: {reason}",
        "notes_rollback": "Terug naar een eerdere versie ({version}).",
        "notes_change": "{title} — {figure}: {old} → {new} ({cause}{period}).",
        "withheld": "niet gepubliceerd",
        "cause_new_data": "nieuwe gegevens",
        "cause_source_revision": "herziening van de bron",
        "cause_source_switch": "andere bron",
        "cause_rule_change": "gewijzigde rekenregel",
        "cause_rollback": "terug naar de vorige versie",
        "review_title": "Nazicht van kandidaatversie {version}",
        "review_before": "Gepubliceerd ({version})",
        "review_after": "Kandidaat ({version})",
        "review_none": "Geen gemarkeerde wijzigingen: de versie kan zo gepubliceerd worden.",
        "review_indicator": "Indicator",
        "review_reason": "Reden van de markering",
        "review_cause": "Oorzaak",
    },
    "en": {
        "revised": "revised on {date}",
        "notes_title": "Occupation figures update: version {version}, {date}",
        "notes_count": "{count} flagged change(s).",
        "notes_none": "No flagged change.",
        "notes_reason": "Reason: {reason}",
        "notes_rollback": "Back to an earlier version ({version}).",
        "notes_change": "{title} — {figure}: {old} → {new} ({cause}{period}).",
        "withheld": "not published",
        "cause_new_data": "new data",
        "cause_source_revision": "revision of the source",
        "cause_source_switch": "source switch",
        "cause_rule_change": "calculation rule change",
        "cause_rollback": "rollback to the earlier version",
        "review_title": "Review of candidate version {version}",
        "review_before": "Published ({version})",
        "review_after": "Candidate ({version})",
        "review_none": "No flagged change: the version can be released as it is.",
        "review_indicator": "Indicator",
        "review_reason": "Why flagged",
        "review_cause": "Cause",
    },
}


def long_date(day: date, lang: str) -> str:
    """'2 décembre 2026', '2 december 2026', '2 December 2026'."""
    _check_lang(lang)
    return f"{day.day} {MONTHS[lang].split()[day.month - 1]} {day.year}"


def release_label(key: str, lang: str, **values: object) -> str:
    _check_lang(lang)
    return RELEASE_LABELS[lang][key].format(**values)


def revised(text: str, revised_on: date | None, lang: str) -> str:
    """A figure's display string with its revision marker, when it was revised."""
    if revised_on is None or not text:
        return text
    return f"{text} ({release_label('revised', lang, date=long_date(revised_on, lang))})"
