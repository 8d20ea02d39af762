"""The map of Belgium on the card: the 11 NUTS-2 regions (Brussels-Capital and the ten
provinces) shaded by the métier's share of its national headcount in the reference year.

Static SVG, drawn from the simplified geometry shipped in the package
(metiers/present/geometry/be_nuts2.json, derived by bench/simplify_map.py from Eurostat
GISCO's boundaries, whose attribution every map writes). No script, no tiles, no network.

What it shows comes from `metier_regions` and nothing else: a published cell is shaded by
its headcount over the register's national headcount of that year (`metier_trend`, the sum
of every regional cell, withheld ones included, which the mart publishes anyway); a withheld
cell is hatched (colour and pattern, never colour alone) and its reason named in the legend,
with no value of it anywhere; a region without a record of the métier is drawn blank.
"""

from __future__ import annotations

import bisect
import json
from functools import cache
from importlib import resources
from typing import Any

import duckdb

from metiers.methodology import cards, display
from metiers.present import mart

# Upper bounds (exclusive) of the shading classes, as fractions of the national headcount:
# 11 regions share the whole, so an even spread is about 9% each.
SHARE_BREAKS = (0.05, 0.10, 0.20, 0.30)
# One colour per class, light to dark (ColorBrewer "Blues", 5 classes).
SHARE_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NONE_COLOUR = "#ffffff"
HATCH_ID = "map-hatch"
HATCH_FILL = f"url(#{HATCH_ID})"
LEGEND_LEFT = 380
MAP_WIDTH = 700  # room in the legend for the longest reason (Dutch, secondary)


@cache
def geometry() -> dict[str, Any]:
    """The shipped geometry: projected, pixel-rounded rings per NUTS-2 code, and its
    attribution."""
    text = (
        resources.files("metiers.present")
        .joinpath("geometry/be_nuts2.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def region_path(code: str) -> str:
    """The SVG path of a region: one subpath per ring, drawn with the even-odd rule."""
    parts = []
    for ring in geometry()["regions"][code]["rings"]:
        pairs = " ".join(f"{ring[index]} {ring[index + 1]}" for index in range(0, len(ring), 2))
        parts.append(f"M{pairs}Z")
    return "".join(parts)


def share_class(share: float) -> int:
    """The shading class of a share: 0 below the first break, len(SHARE_BREAKS) at or above
    the last. Classed by the whole percent the map shows, so a region said to hold "10%" is
    never shaded as "5% to 10%" (a break belongs to the class above it)."""
    shown = display.whole_percent(share)
    return bisect.bisect_right([display.whole_percent(bound) for bound in SHARE_BREAKS], shown)


def _class_label(index: int, lang: str) -> str:
    bounds = [display.whole_percent(value) for value in SHARE_BREAKS]
    if index == 0:
        return display.label("map_below", lang, high=bounds[0])
    if index == len(bounds):
        return display.label("map_above", lang, low=bounds[-1])
    return display.label("map_between", lang, low=bounds[index - 1], high=bounds[index])


def map_data(
    cells: list[dict], national_headcount: float | None, year: int | None, lang: str
) -> dict[str, Any]:
    """What the template draws: each region's path, fill and words, and the legend.

    `cells` are the métier's `metier_regions` rows of the reference year (a region without a
    row has no record of the métier); `national_headcount` is the register's headcount of
    that year (null when withheld: then every cell is withheld too)."""
    shape = geometry()
    by_region = {entry["region"]: entry for entry in cards.region_entries(cells, lang)}
    provinces = []
    reasons: list[str] = []
    any_none = False
    for code in sorted(shape["regions"]):
        name = display.region_name(code, lang)
        entry = by_region.get(code)
        province: dict[str, Any] = {"code": code, "name": name, "d": region_path(code)}
        if entry is None:
            any_none = True
            province |= {
                "shade": "none",
                "fill": NONE_COLOUR,
                "words": display.label("map_none", lang),
                "headcount": None,
            }
        elif entry["display"] is None or entry["headcount"] is None or not national_headcount:
            reason = entry["reason"] or ""
            if reason and reason not in reasons:
                reasons.append(reason)
            withheld = display.label("not_published", lang)
            province |= {
                "shade": "withheld",
                "fill": HATCH_FILL,
                "words": f"{withheld} ({reason})" if reason else withheld,
                "headcount": None,
            }
        else:
            share = entry["headcount"] / national_headcount
            index = share_class(share)
            province |= {
                "shade": str(index),
                "fill": SHARE_COLOURS[index],
                "words": f"{entry['display']}, {display.percent(share, lang)}",
                "headcount": f"{entry['headcount']:g}",
            }
        province["text"] = f"{name}: {province['words']}"
        provinces.append(province)

    legend: list[dict[str, Any]] = [
        {"fill": SHARE_COLOURS[index], "text": _class_label(index, lang), "notes": []}
        for index in range(len(SHARE_COLOURS))
    ]
    if any_none:
        legend.append({"fill": NONE_COLOUR, "text": display.label("map_none", lang), "notes": []})
    if any(province["shade"] == "withheld" for province in provinces):
        legend.append(
            {"fill": HATCH_FILL, "text": display.label("map_hatched", lang), "notes": reasons}
        )
    row = 20
    top = 40
    y = top
    for item in legend:
        item["y"] = y
        y += row + 14 * len(item.get("notes", []))
    title = display.label("map", lang, year=year if year is not None else "")
    return {
        "width": MAP_WIDTH,
        "height": max(shape["height"], y) + 20,
        "title": title,
        "desc": "; ".join(province["text"] for province in provinces) + ".",
        "legend_title": display.label("map_legend", lang),
        "legend_x": LEGEND_LEFT,
        "legend_top": top - 18,
        "legend": legend,
        "provinces": provinces,
        "hatch_id": HATCH_ID,
        "attribution": shape["attribution"],
        "attribution_y": max(shape["height"], y) + 12,
    }


def national_headcount(connection: duckdb.DuckDBPyConnection, slug: str, year: int) -> float | None:
    """The register's headcount of the métier in `year` (metier_trend), null when withheld."""
    rows = connection.execute(
        "SELECT headcount FROM metier_trend WHERE slug = ? AND year = ?", [slug, year]
    ).fetchall()
    return rows[0][0] if rows else None


def belgium_map(connection: duckdb.DuckDBPyConnection, slug: str, lang: str) -> dict[str, Any]:
    """The map's data for a métier of the published mart, in its reference year."""
    figures, _ = mart.metier(connection, slug, lang)
    year = figures["reference_year"]
    cells = mart.region_cells(connection, slug, year) if year is not None else []
    total = national_headcount(connection, slug, year) if year is not None else None
    return map_data(cells, total, year, lang)
