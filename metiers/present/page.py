"""The card as a web page: the "Le métier en chiffres" box, the salary lines, the regions, a
headcount trend chart and the footnotes, in one self-contained HTML file.

Inline CSS and inline SVG only: the page opens without network, in a preview or a CMS.
Every word on it comes from `metiers.methodology.display` (FR, NL, EN) or from the mart.

The markup is in Jinja2 templates shipped inside the package (metiers/present/templates/), rendered
with autoescape on and undefined names as errors: Python hands them plain text and numbers,
and every value is escaped where the template writes it, so a title or a source holding
markup is shown as text, never run in the content team's CMS.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined

from metiers.methodology import cards, display
from metiers.present import mart

CHART_WIDTH = 480
CHART_HEIGHT = 200
# Room for the axis labels around the plotting area.
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 56, 16, 16, 28
SVG_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

TEMPLATES = Environment(
    loader=PackageLoader("metiers.present", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _note_numbers(card: dict, lang: str) -> dict[str, int]:
    """Footnote number of each card line, found by the line's label that starts the note."""
    notes = (card.get("footnotes") or "").splitlines()
    numbers: dict[str, int] = {}
    for line in cards.CARD_FIGURES:
        prefix = f"{display.label(line, lang)}: "
        for index, note in enumerate(notes, start=1):
            if note.startswith(prefix):
                numbers[line] = index
                break
    return numbers


def _withheld(figures: dict, line: str, lang: str) -> str:
    reason = display.reason(figures.get(f"{cards.CARD_FIGURES[line][0]}_suppressed"), lang)
    withheld = display.label("not_published", lang)
    return f"— ({withheld}: {reason})" if reason else f"— ({withheld})"


def _note(line: str, numbers: dict[str, int], lang: str) -> dict[str, Any]:
    """The footnote a line points to: its number and the link's title, or none."""
    number = numbers.get(line)
    title = display.label("note", lang, number=number) if number is not None else None
    return {"note": number, "note_title": title}


def trend_chart(trend_rows: list[dict], lang: str) -> dict[str, Any]:
    """Headcount per year as the chart template draws it: coordinates, and one line per run
    of published years, so a withheld year leaves a gap in the line."""
    left, top = CHART_LEFT, CHART_TOP
    width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    chart: dict[str, Any] = {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "title": display.label("trend", lang),
        "axes": [
            {"x1": left, "y1": top + height, "x2": left + width, "y2": top + height},
            {"x1": left, "y1": top, "x2": left, "y2": top + height},
        ],
        "lines": [],
        "years": [],
        "scale": [],
        "label_y": CHART_HEIGHT - 8,
    }
    years = [row["year"] for row in trend_rows]
    values = [row["headcount"] for row in trend_rows if row["headcount"] is not None]
    if not (years and values):
        return chart
    ticks = nice_ticks(max(values))
    scale_max = ticks[-1]
    step = width / (len(years) - 1) if len(years) > 1 else 0.0

    def x_of(index: int) -> float:
        return round(left + (index * step if len(years) > 1 else width / 2), 1)

    def y_of(value: float) -> float:
        return round(top + height * (1 - value / scale_max), 1)

    segments: list[list[str]] = [[]]
    for index, row in enumerate(trend_rows):
        headcount = row["headcount"]
        point = None
        if headcount is None:
            segments.append([])
        else:
            segments[-1].append(f"{x_of(index)},{y_of(headcount)}")
            point = {
                "headcount": f"{headcount:g}",
                "y": y_of(headcount),
                "shown": display.headcount(headcount, lang),
            }
        chart["years"].append({"x": x_of(index), "year": row["year"], "point": point})
    chart["lines"] = [" ".join(points) for points in segments if len(points) > 1]
    chart["scale"] = [
        {
            "x": left - 6,
            "y": y_of(value) + 4,
            "tick_y": y_of(value),
            "text": display.group_thousands(int(display.round_half_up(value)), lang),
        }
        for value in ticks
    ]
    return chart


def nice_ticks(maximum: float, most: int = 5) -> list[float]:
    """The y axis' ticks: 0 and steps of 1, 2 or 5 times a power of ten, up to the first at or
    above `maximum`, in at most `most` steps (a reader can interpolate between them)."""
    if maximum <= 0:
        return [0.0, 1.0]
    wanted = maximum / most
    magnitude = 10 ** math.floor(math.log10(wanted))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= wanted * (1 - 1e-12))
    count = max(1, math.ceil(maximum / step - 1e-9))
    return [round(step * index, 10) for index in range(count + 1)]


def trend_svg(trend_rows: list[dict], lang: str) -> str:
    """Headcount per year as a line chart; withheld years leave a gap in the line."""
    return TEMPLATES.get_template("trend.svg.j2").render(chart=trend_chart(trend_rows, lang))


def card_html(
    figures: dict,
    card: dict,
    trend_rows: list[dict],
    publication: dict,
    lang: str,
    index_href: str | None = None,
) -> str:
    """The whole page: pure function of the mart's rows, so it is tested without a server.
    With `index_href`, the page links back to the index of every métier there."""
    numbers = _note_numbers(card, lang)

    def salary_line(line: str, text: str) -> dict[str, Any]:
        return {"line": line, "label": display.label(line, lang), "text": text} | _note(
            line, numbers, lang
        )

    entry = card.get("salary_entry")
    entry_text = (
        f"{entry} {display.label('gross_month', lang)}"
        if entry
        else _withheld(figures, "salary_entry", lang)
    )
    senior = card.get("salary_senior")
    senior_text = senior or _withheld(figures, "salary_senior", lang)
    if senior and card.get("salary_senior_max"):
        senior_text += f" ({card['salary_senior_max']})"
    salary = [salary_line("salary_entry", entry_text), salary_line("salary_senior", senior_text)]
    if card.get("freelance_rate"):
        salary.append(salary_line("freelance_rate", card["freelance_rate"]))
    salary.append(
        salary_line(
            "share_self_employed",
            card.get("share_self_employed") or _withheld(figures, "share_self_employed", lang),
        )
    )

    regions = None
    if card.get("regions") or card.get("regions_withheld") or card.get("regions_context"):
        regions = {
            "text": card.get("regions") or "",
            "withheld": (card.get("regions_withheld") or "").splitlines(),
            "context": (card.get("regions_context") or "").splitlines(),
        }
    trend = None
    published_years = [row["year"] for row in trend_rows if row["headcount"] is not None]
    if published_years:
        caption = display.label(
            "trend_caption", lang, first=min(published_years), last=max(published_years)
        )
        withheld_years = [str(row["year"]) for row in trend_rows if row["headcount"] is None]
        if withheld_years:
            caption += "; " + display.label("trend_withheld", lang, years=", ".join(withheld_years))
        trend = {"chart": trend_chart(trend_rows, lang), "caption": caption}

    published_at = publication.get("published_at")
    date = published_at.date().isoformat() if hasattr(published_at, "date") else ""
    version = publication.get("version") or ""
    return TEMPLATES.get_template("card.html.j2").render(
        lang=lang,
        slug=figures["slug"],
        version=version,
        title=card["title"],
        box_title=card["box_title"],
        labels={
            name: display.label(name, lang)
            for name in ("salary", "regions", "trend", "context", "vintage", "sources")
        },
        box=[
            {
                "line": line,
                "published": bool(card.get(line)),
                "shown": card.get(line) or _withheld(figures, line, lang),
                "label": display.label(line, lang),
            }
            | _note(line, numbers, lang)
            for line in cards.BOX_LINES
        ],
        salary=salary,
        regions=regions,
        trend=trend,
        context_lines=(card.get("context") or "").splitlines(),
        vintage=card.get("vintage"),
        footnotes=(card.get("footnotes") or "").splitlines(),
        stamp=display.label("publication", lang, version=version, date=date),
        index_href=index_href,
        back_label=display.label("all_metiers", lang),
    )


def render(
    connection: duckdb.DuckDBPyConnection, slug: str, lang: str, index_href: str | None = None
) -> str:
    """The page of one métier from the published mart (unknown slug: a usage error)."""
    figures, card = mart.metier(connection, slug, lang)
    return card_html(
        figures,
        card,
        mart.trend(connection, slug, lang),
        mart.publication(connection),
        lang,
        index_href=index_href,
    )


def render_trend_svg(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The trend chart alone, as an SVG file."""
    return SVG_DECLARATION + trend_svg(mart.trend(connection, slug, lang), lang)
