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

from collections.abc import Callable
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined

from metiers.methodology import cards, display
from metiers.present import belgium_map, charts, mart
from metiers.present.charts import nice_ticks  # the y axis of the trend chart too

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


def growth_span(period: str | None) -> tuple[int, int] | None:
    """The first and last year of a figure's period ('2020-2025', or one year '2025')."""
    parts = (period or "").split("-")
    if not all(part.strip().isdigit() for part in parts) or len(parts) > 2:
        return None
    return int(parts[0]), int(parts[-1])


def trend_chart(trend_rows: list[dict], lang: str, growth: dict | None = None) -> dict[str, Any]:
    """Headcount per year as the chart template draws it: coordinates, and one line per run
    of published years, so a withheld year leaves a gap in the line (and a hatched column).

    `growth` ({"period": "2020-2025", "shown": "+5%" or None}) marks the years the growth
    rate spans: a shaded band between its first and last year, named above the plot."""
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
        "lang": lang,
        "growth": None,
        "withheld": [],
        "description": display.label("trend", lang),
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
    column = max(step / 2, 12.0)
    for year in chart["years"]:
        if year["point"] is None:  # the column of a withheld year, kept inside the plot
            x1 = max(float(left), year["x"] - column / 2)
            x2 = min(float(left + width), year["x"] + column / 2)
            chart["withheld"].append(
                {"x": round(x1, 1), "width": round(x2 - x1, 1), "year": year["year"]}
            )
    chart["growth"] = _growth_mark(growth, years, x_of, lang)
    withheld_word = display.label("not_published", lang)
    chart["description"] = "{}: {}.".format(
        display.label("trend_caption", lang, first=years[0], last=years[-1]),
        ", ".join(
            f"{year['year']} {year['point']['shown'] if year['point'] else withheld_word}"
            for year in chart["years"]
        ),
    ) + (f" {chart['growth']['text']}." if chart["growth"] else "")
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


def _growth_mark(
    growth: dict | None, years: list[int], x_of: Callable[[int], float], lang: str
) -> dict[str, Any] | None:
    """The band of the years the growth rate spans, clipped to the chart's years; none when
    the period is unknown or lies outside the chart."""
    span = growth_span((growth or {}).get("period"))
    if span is None:
        return None
    inside = [index for index, year in enumerate(years) if span[0] <= year <= span[1]]
    if not inside:
        return None
    x1, x2 = x_of(inside[0]), x_of(inside[-1])
    shown = growth.get("shown") or display.label("not_published", lang)
    text = display.label(
        "trend_growth",
        lang,
        growth=display.label("growth", lang),
        period=growth["period"],
        shown=shown,
    )
    right_half = x1 > CHART_WIDTH / 2
    return {
        "x": x1,
        "width": round(x2 - x1, 1),
        "x2": x2,
        "first": years[inside[0]],
        "last": years[inside[-1]],
        "text": text,
        "text_x": x2 if right_half else x1,
        "anchor": "end" if right_half else "start",
        "text_y": CHART_TOP - 4,
    }


def trend_svg(trend_rows: list[dict], lang: str, growth: dict | None = None) -> str:
    """Headcount per year as a line chart; withheld years leave a gap in the line."""
    return TEMPLATES.get_template("trend.svg.j2").render(
        chart=trend_chart(trend_rows, lang, growth)
    )


def growth_of(figures: dict, card: dict) -> dict | None:
    """The growth rate's period (metier_figures.growth_rate_period) and its card string."""
    period = figures.get("growth_rate_period")
    return {"period": period, "shown": card.get("growth")} if period else None


def card_html(
    figures: dict,
    card: dict,
    trend_rows: list[dict],
    publication: dict,
    lang: str,
    regions_map: dict[str, Any] | None = None,
    salary_rows: list[dict] | None = None,
    index_href: str | None = None,
) -> str:
    """The whole page: pure function of the mart's rows, so it is tested without a server.
    `regions_map` is the map of Belgium's data (`belgium_map.map_data`), drawn in the
    regions section when given. `salary_rows` (metier_salaries, mart.salaries) draw the
    salary chart of the reference year; without them the salary section has its lines
    only. With `index_href`, the page links back to the index of every métier there."""
    numbers = _note_numbers(card, lang)

    def salary_line(line: str, text: str, withheld: bool = False) -> dict[str, Any]:
        return {
            "line": line,
            "label": display.label(line, lang),
            "text": text,
            "withheld": withheld,
        } | _note(line, numbers, lang)

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
    salary = [
        salary_line("salary_entry", entry_text, not entry),
        salary_line("salary_senior", senior_text, not senior),
    ]
    if card.get("freelance_rate"):
        salary.append(salary_line("freelance_rate", card["freelance_rate"]))
    salary.append(
        salary_line(
            "share_self_employed",
            card.get("share_self_employed") or _withheld(figures, "share_self_employed", lang),
            not card.get("share_self_employed"),
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
        trend = {
            "chart": trend_chart(trend_rows, lang, growth_of(figures, card)),
            "caption": caption,
        }
    salary_chart = charts.salary_chart(salary_rows or [], figures.get("reference_year"), lang)

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
        salary_chart=salary_chart,
        regions=regions,
        regions_map=regions_map if regions else None,
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
        regions_map=belgium_map.belgium_map(connection, slug, lang),
        salary_rows=mart.salaries(connection, slug, lang),
        index_href=index_href,
    )


def render_trend_svg(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The trend chart alone, as an SVG file, with the growth period marked."""
    figures, card = mart.metier(connection, slug, lang)
    rows = mart.trend(connection, slug, lang)
    return SVG_DECLARATION + trend_svg(rows, lang, growth_of(figures, card))


def salary_svg(chart: dict[str, Any]) -> str:
    """The salary chart (metiers.present.charts.salary_chart) as SVG markup."""
    return TEMPLATES.get_template("salary.svg.j2").render(chart=chart)


def render_salary_svg(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The salary chart of the reference year alone, as an SVG file; a métier without wage
    bands that year gets a chart saying so."""
    chart = charts.reference_salary_chart(connection, slug, lang)
    return SVG_DECLARATION + salary_svg(chart or charts.empty_salary_chart(lang))


def map_svg(regions_map: dict[str, Any]) -> str:
    """The map of Belgium (`belgium_map.map_data`) as an SVG element."""
    return TEMPLATES.get_template("map.svg.j2").render(belgium_map=regions_map)


def render_map_svg(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The map of Belgium alone, as an SVG file."""
    return SVG_DECLARATION + map_svg(belgium_map.belgium_map(connection, slug, lang))
