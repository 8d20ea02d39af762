"""The salary chart of the card: the wage distribution of each experience band in the
reference year (metier_salaries), drawn as a bar to the median and a line from the 10th to
the 90th percentile. A withheld band is drawn as a hatched bar and said in words with its
reason; its values are null in the mart and never reach the chart.

Geometry only: numbers and plain text for `templates/salary.svg.j2`, which escapes them
(rendered by metiers/present/page.py). The axis ticks of both charts are here too.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from metiers.methodology import cards, display
from metiers.present import mart

SALARY_WIDTH = 480
# Band names on the left, values under each bar, amounts of the axis at the bottom.
SALARY_LEFT, SALARY_RIGHT, SALARY_TOP, SALARY_BOTTOM = 112, 24, 8, 30
SALARY_ROW = 46
BAR_HEIGHT = 14
# The card's lines on salary name two of the bands: entry level and experienced.
BAND_ROLES = {"0-2": "salary_entry", "10+": "salary_senior"}


def nice_ticks(maximum: float, most: int = 5) -> list[float]:
    """An axis' ticks (the trend's y axis, the salary chart's x axis): 0 and steps of 1, 2
    or 5 times a power of ten, up to the first at or above `maximum`, in at most `most` steps
    (a reader can interpolate between them)."""
    if maximum <= 0:
        return [0.0, 1.0]
    wanted = maximum / most
    magnitude = 10 ** math.floor(math.log10(wanted))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= wanted * (1 - 1e-12))
    count = max(1, math.ceil(maximum / step - 1e-9))
    return [round(step * index, 10) for index in range(count + 1)]


def band_order(band: str) -> tuple[int, str]:
    """'0-2' < '3-9' < '10+': by the first year of the band, not alphabetically; a band
    named otherwise comes last, by name."""
    first = band.split("-")[0].rstrip("+")
    return (int(first), band) if first.isdigit() else (10**9, band)


def _published(row: dict) -> bool:
    """A band is drawn with its values only when the mart gives all three of them."""
    return all(row.get(name) is not None for name in ("p10", "median", "p90"))


def _amount(value: float) -> str:
    """A percentile as a data attribute: the mart's value to the cent."""
    return f"{value:.2f}"


def salary_chart(rows: list[dict], year: int | None, lang: str) -> dict[str, Any] | None:
    """The chart of one year's bands, or None when the mart has no band for that year.

    `rows` are metier_salaries rows of the métier (mart.salaries): band, year, p10, median,
    p90 and the withheld reason."""
    bands = sorted(
        (row for row in rows if row["year"] == year), key=lambda row: band_order(row["band"])
    )
    if not bands:
        return None
    plot_width = SALARY_WIDTH - SALARY_LEFT - SALARY_RIGHT
    axis_y = SALARY_TOP + SALARY_ROW * len(bands) + 2
    published = [row for row in bands if _published(row)]
    ticks = nice_ticks(max(row["p90"] for row in published)) if published else []
    scale_max = ticks[-1] if ticks else 1.0
    withheld_word = display.label("not_published", lang)

    def x_of(value: float) -> float:
        return round(SALARY_LEFT + plot_width * value / scale_max, 1)

    chart: dict[str, Any] = {
        "width": SALARY_WIDTH,
        "height": axis_y + SALARY_BOTTOM,
        "year": year,
        "lang": lang,
        "title": display.label("salary_chart", lang, year=year),
        "legend": display.label("salary_legend", lang),
        "bands": [],
        "axis": {"x1": SALARY_LEFT, "x2": SALARY_LEFT + plot_width, "y": axis_y},
        "ticks": [
            {"x": x_of(value), "text": display.money(value, lang, step=1)} for value in ticks
        ],
        "tick_y": axis_y + 14,
    }
    sentences = []
    for index, row in enumerate(bands):
        top = SALARY_TOP + SALARY_ROW * index
        band_name = display.label("salary_band", lang, band=row["band"])
        role = BAND_ROLES.get(row["band"])
        band: dict[str, Any] = {
            "band": row["band"],
            "name": band_name,
            "role": display.label(role, lang) if role else None,
            "label_x": SALARY_LEFT - 8,
            "name_y": top + 4 + BAR_HEIGHT - 3,
            "role_y": top + 4 + BAR_HEIGHT + 11,
            "bar_y": top + 4,
            "bar_height": BAR_HEIGHT,
            "mid_y": top + 4 + BAR_HEIGHT / 2,
            "text_x": SALARY_LEFT,
            "text_y": top + 4 + BAR_HEIGHT + 14,
        }
        if not _published(row):
            reason = cards.withheld_reason(row, "", lang) or row.get("suppressed_reason")
            text = f"{withheld_word}: {reason}" if reason else withheld_word
            band |= {"withheld": True, "width": plot_width, "text": text}
            sentences.append(f"{band_name}: {text}")
        else:
            shown = {name: display.money(row[name], lang) for name in ("p10", "median", "p90")}
            band |= {
                "withheld": False,
                "p10": _amount(row["p10"]),
                "median": _amount(row["median"]),
                "p90": _amount(row["p90"]),
                "width": round(x_of(row["median"]) - SALARY_LEFT, 1),
                "x_p10": x_of(row["p10"]),
                "x_p90": x_of(row["p90"]),
                "text": display.label("salary_values", lang, **shown),
            }
            sentences.append(f"{band_name}: {display.label('salary_values_long', lang, **shown)}")
        chart["bands"].append(band)
    chart["description"] = "; ".join(sentences) + "."
    return chart


def reference_salary_chart(
    connection: duckdb.DuckDBPyConnection, slug: str, lang: str
) -> dict[str, Any] | None:
    """The chart of the métier's reference year, from the published mart."""
    year = connection.execute(
        "SELECT reference_year FROM metier_figures WHERE slug = ?", [slug]
    ).fetchone()
    rows = mart.salaries(connection, slug, lang)
    return salary_chart(rows, year[0] if year else None, lang)


def empty_salary_chart(lang: str) -> dict[str, Any]:
    """No band in the mart for the reference year: a chart holding only its title and the
    words 'not published'."""
    title = display.label("salary", lang)
    withheld = display.label("not_published", lang)
    return {
        "width": SALARY_WIDTH,
        "height": SALARY_TOP + SALARY_BOTTOM + 16,
        "year": None,
        "lang": lang,
        "title": title,
        "legend": withheld,
        "bands": [],
        "axis": None,
        "ticks": [],
        "tick_y": 0,
        "description": f"{title}: {withheld}.",
    }
