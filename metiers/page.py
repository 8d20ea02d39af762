"""The card as a web page: the "Le métier en chiffres" box, the salary lines, the regions, a
headcount trend chart and the footnotes, in one self-contained HTML file.

Inline CSS and inline SVG only: the page opens without network, in a preview or a CMS.
Every word on it comes from `metiers.display` (FR, NL, EN) or from the mart.
"""

from __future__ import annotations

from html import escape

import duckdb

from metiers import cards, display, mart

CHART_WIDTH = 480
CHART_HEIGHT = 200
# Room for the axis labels around the plotting area.
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 56, 16, 16, 28

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1d2430; background: #fff; }
.metier-card { max-width: 46rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
.box { background: #f3f6fb; border-radius: .75rem; padding: .75rem 1.25rem 1rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
  gap: .75rem; margin: 0; padding: 0; list-style: none; }
.figure { background: #fff; border-radius: .5rem; padding: .6rem .8rem; }
.figure .value { display: block; font-size: 1.25rem; font-weight: 700; color: #0b4f9c; }
.figure .label { display: block; font-size: .9rem; color: #4a5566; }
.figure.withheld .value { color: #8a94a3; font-size: 1rem; font-weight: 400; }
.salary ul, .regions ul, .context ul { margin: 0; padding-left: 1.2rem; }
sup a { text-decoration: none; color: #0b4f9c; font-size: .7rem; margin-left: .15rem; }
.trend { margin: 0; }
.trend svg { max-width: 100%; height: auto; }
.trend .line { fill: none; stroke: #0b4f9c; stroke-width: 2; }
.trend .point { fill: #0b4f9c; }
.trend .axis { stroke: #8a94a3; stroke-width: 1; }
.trend text { font-size: 11px; fill: #4a5566; }
figcaption { font-size: .85rem; color: #4a5566; }
.footnotes { font-size: .85rem; color: #4a5566; padding-left: 1.4rem; }
.publication { font-size: .8rem; color: #8a94a3; }
"""


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


def _note_link(line: str, numbers: dict[str, int], lang: str) -> str:
    number = numbers.get(line)
    if number is None:
        return ""
    title = escape(display.label("note", lang, number=number))
    return f'<sup><a href="#note-{number}" title="{title}">{number}</a></sup>'


def trend_svg(trend_rows: list[dict], lang: str) -> str:
    """Headcount per year as a line chart; withheld years leave a gap in the line."""
    left, top = CHART_LEFT, CHART_TOP
    width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    years = [row["year"] for row in trend_rows]
    values = [row["headcount"] for row in trend_rows if row["headcount"] is not None]
    title = escape(display.label("trend", lang))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
        f'width="{CHART_WIDTH}" height="{CHART_HEIGHT}" role="img" aria-label="{title}">',
        f"<title>{title}</title>",
        f'<line class="axis" x1="{left}" y1="{top + height}" x2="{left + width}" '
        f'y2="{top + height}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + height}"/>',
    ]
    if years and values:
        scale_max = max(values) * 1.1 or 1.0
        step = width / (len(years) - 1) if len(years) > 1 else 0.0

        def x_of(index: int) -> float:
            return round(left + (index * step if len(years) > 1 else width / 2), 1)

        def y_of(value: float) -> float:
            return round(top + height * (1 - value / scale_max), 1)

        segments: list[list[str]] = [[]]
        for index, row in enumerate(trend_rows):
            if row["headcount"] is None:
                segments.append([])
                continue
            segments[-1].append(f"{x_of(index)},{y_of(row['headcount'])}")
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline class="line" points="{" ".join(points)}"/>')
        for index, row in enumerate(trend_rows):
            x = x_of(index)
            parts.append(
                f'<text x="{x}" y="{CHART_HEIGHT - 8}" text-anchor="middle">{row["year"]}</text>'
            )
            if row["headcount"] is None:
                continue
            shown = escape(display.headcount(row["headcount"], lang))
            parts.append(
                f'<circle class="point" data-year="{row["year"]}" '
                f'data-headcount="{row["headcount"]:g}" cx="{x}" cy="{y_of(row["headcount"])}" '
                f'r="3.5"><title>{row["year"]}: {shown}</title></circle>'
            )
        for value in (0, max(values)):
            number = escape(display.group_thousands(int(display.round_half_up(value)), lang))
            parts.append(
                f'<text x="{left - 6}" y="{y_of(value) + 4}" text-anchor="end">{number}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def card_html(
    figures: dict, card: dict, trend_rows: list[dict], publication: dict, lang: str
) -> str:
    """The whole page: pure function of the mart's rows, so it is tested without a server."""
    numbers = _note_numbers(card, lang)

    def box_figure(line: str) -> str:
        value = card.get(line)
        shown = escape(value) if value else escape(_withheld(figures, line, lang))
        state = "figure" if value else "figure withheld"
        return (
            f'<li class="{state}" data-figure="{line}">'
            f'<span class="value">{shown}{_note_link(line, numbers, lang)}</span> '
            f'<span class="label">{escape(display.label(line, lang))}</span></li>'
        )

    def salary_line(line: str, text: str) -> str:
        return (
            f'<li data-line="{line}"><span class="label">{escape(display.label(line, lang))}'
            f'</span>: <span class="value">{escape(text)}</span>'
            f"{_note_link(line, numbers, lang)}</li>"
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
    salary_lines = [
        salary_line("salary_entry", entry_text),
        salary_line("salary_senior", senior_text),
    ]
    if card.get("freelance_rate"):
        salary_lines.append(salary_line("freelance_rate", card["freelance_rate"]))
    salary_lines.append(
        salary_line(
            "share_self_employed",
            card.get("share_self_employed") or _withheld(figures, "share_self_employed", lang),
        )
    )

    sections = [
        f'<section class="box" aria-labelledby="box-title"><h2 id="box-title">📊 '
        f"{escape(card['box_title'])}</h2>"
        f'<ul class="figures">{"".join(box_figure(line) for line in cards.BOX_LINES)}</ul>'
        "</section>",
        f'<section class="salary"><h2>💰 {escape(display.label("salary", lang))}</h2>'
        f"<ul>{''.join(salary_lines)}</ul></section>",
    ]
    if card.get("regions"):
        sections.append(
            f'<section class="regions"><h2>📍 {escape(display.label("regions", lang))}</h2>'
            f'<p data-line="regions">{escape(card["regions"])}</p></section>'
        )
    published_years = [row["year"] for row in trend_rows if row["headcount"] is not None]
    if published_years:
        caption = display.label(
            "trend_caption", lang, first=min(published_years), last=max(published_years)
        )
        withheld_years = [str(row["year"]) for row in trend_rows if row["headcount"] is None]
        if withheld_years:
            caption += "; " + display.label("trend_withheld", lang, years=", ".join(withheld_years))
        sections.append(
            f'<figure class="trend"><h2>📈 {escape(display.label("trend", lang))}</h2>'
            f"{trend_svg(trend_rows, lang)}<figcaption>{escape(caption)}</figcaption></figure>"
        )
    if card.get("context"):
        items = "".join(f"<li>{escape(line)}</li>" for line in card["context"].splitlines())
        sections.append(
            f'<section class="context"><h2>🔎 {escape(display.label("context", lang))}</h2>'
            f"<ul>{items}</ul></section>"
        )
    notes = "".join(
        f'<li id="note-{index}">{escape(note)}</li>'
        for index, note in enumerate((card.get("footnotes") or "").splitlines(), start=1)
    )
    published_at = publication.get("published_at")
    date = published_at.date().isoformat() if hasattr(published_at, "date") else ""
    version = publication.get("version") or ""
    stamp = display.label("publication", lang, version=version, date=date)
    sections.append(
        f"<footer><h2>{escape(display.label('sources', lang))}</h2>"
        f'<ol class="footnotes">{notes}</ol>'
        f'<p class="publication" data-version="{escape(version)}">{escape(stamp)}</p></footer>'
    )
    title = escape(card["title"])
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — {escape(card['box_title'])}</title>\n<style>{STYLE}</style>\n"
        f'</head>\n<body>\n<article class="metier-card" data-slug="{escape(figures["slug"])}" '
        f'data-version="{escape(version)}">\n<h1>{title}</h1>\n'
        + "\n".join(sections)
        + "\n</article>\n</body>\n</html>\n"
    )


def render(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The page of one métier from the published mart (unknown slug: a usage error)."""
    figures, card = mart.metier(connection, slug, lang)
    return card_html(
        figures, card, mart.trend(connection, slug, lang), mart.publication(connection), lang
    )


def render_trend_svg(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The trend chart alone, as an SVG file."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + trend_svg(
        mart.trend(connection, slug, lang), lang
    )
