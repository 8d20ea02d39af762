"""The index of every métier: headcount, growth, median salaries and a sparkline of the
headcount trend, searchable (accents and case ignored) and sortable by any column.

One page in FR, NL or EN, made of plain links and a GET form: sorting is a query string
(`?sort=headcount&order=desc`), search is `?q=`, so it works without JavaScript. The same
rendering serves `GET /` of `metiers serve` and the static site of `metiers site`; only the
links differ (`IndexLinks`). Withheld values are shown as withheld with their reason, never
their value (the mart holds none for them).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import duckdb

from metiers.core.errors import UsageError
from metiers.methodology import display
from metiers.present import mart
from metiers.present.page import TEMPLATES

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 24, 3
# Enough for every métier: the search of `metiers search` caps its rows.
SEARCH_LIMIT = 100_000


class SortColumn(StrEnum):
    """The index's columns a reader may sort by (`?sort=`)."""

    title = "title"
    headcount = "headcount"
    growth = "growth"
    salary_entry = "salary_entry"
    salary_senior = "salary_senior"


class SortOrder(StrEnum):
    asc = "asc"
    desc = "desc"


DEFAULT_SORT, DEFAULT_ORDER = SortColumn.title, SortOrder.asc
# Each numeric column: the metier_figures value column, its `_suppressed` column, its
# label key and how a value is written.
NUMERIC_COLUMNS: dict[SortColumn, tuple[str, str, str]] = {
    SortColumn.headcount: ("headcount", "headcount_suppressed", "headcount"),
    SortColumn.growth: ("growth_rate", "growth_rate_suppressed", "growth"),
    SortColumn.salary_entry: (
        "salary_entry",
        "salary_entry_suppressed",
        "salary_entry_median",
    ),
    SortColumn.salary_senior: (
        "salary_senior_median",
        "salary_senior_suppressed",
        "salary_senior_median",
    ),
}


def fold(text: str) -> str:
    """Text as search and title order compare it: accents dropped, case folded
    ("Électricien" and "electricien" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _written(column: SortColumn, value: float, lang: str) -> str:
    if column is SortColumn.headcount:
        return display.headcount(value, lang)
    if column is SortColumn.growth:
        return display.growth(value, lang)
    return display.money(value, lang)


def index_rows(connection: duckdb.DuckDBPyConnection, lang: str) -> list[dict[str, Any]]:
    """Every métier of the mart with the index's values (None when withheld, with the
    mart's reason) and its headcount per year, oldest first."""
    if lang not in display.LANGUAGES:  # the one word placed into the SQL text
        raise UsageError(f"unknown language '{lang}': use one of {', '.join(display.LANGUAGES)}")
    value_columns = ", ".join(
        f"{value}, {suppressed}" for value, suppressed, _ in NUMERIC_COLUMNS.values()
    )
    figures = connection.sql(
        f"SELECT slug, coalesce(title_{lang}, title_fr) AS title, {value_columns} "
        "FROM metier_figures ORDER BY slug"
    ).fetchall()
    trends: dict[str, list[tuple[int, float | None]]] = {}
    for slug, year, headcount in connection.sql(
        "SELECT slug, year, headcount FROM metier_trend ORDER BY slug, year"
    ).fetchall():
        trends.setdefault(slug, []).append((year, headcount))
    rows = []
    for slug, title, *values in figures:
        row: dict[str, Any] = {"slug": slug, "title": title, "trend": trends.get(slug, [])}
        for index, column in enumerate(NUMERIC_COLUMNS):
            row[column.value] = values[2 * index]
            row[f"{column.value}_suppressed"] = values[2 * index + 1]
        rows.append(row)
    return rows


def matching_slugs(connection: duckdb.DuckDBPyConnection, query: str) -> set[str]:
    """Métiers found by `metiers search` for `query`: titles in every language and ESCO
    labels, accents and case ignored."""
    return {row["slug"] for row in mart.search(connection, query, None, limit=SEARCH_LIMIT)}


def sorted_rows(
    rows: list[dict[str, Any]], sort: SortColumn, order: SortOrder
) -> list[dict[str, Any]]:
    """Rows by `sort` in `order`; withheld values last in either order, ties by title."""

    def by_title(row: dict[str, Any]) -> tuple[str, str]:
        return (fold(row["title"]), row["slug"])

    if sort is SortColumn.title:
        return sorted(rows, key=by_title, reverse=order is SortOrder.desc)
    ordered = sorted(rows, key=by_title)
    shown = [row for row in ordered if row[sort.value] is not None]
    withheld = [row for row in ordered if row[sort.value] is None]
    shown.sort(key=lambda row: row[sort.value], reverse=order is SortOrder.desc)
    return shown + withheld


def sparkline(trend: list[tuple[int, float | None]], lang: str) -> dict[str, Any] | None:
    """The headcount trend as a small line, one polyline per run of published years (a
    withheld year leaves a gap); scaled from the lowest to the highest published year."""
    published = [(year, value) for year, value in trend if value is not None]
    if not published:
        return None
    years = [year for year, _ in trend]
    low = min(value for _, value in published)
    high = max(value for _, value in published)
    width = SPARK_WIDTH - 2 * SPARK_PAD
    height = SPARK_HEIGHT - 2 * SPARK_PAD

    def x_of(position: int) -> float:
        if len(years) == 1:
            return SPARK_WIDTH / 2
        return round(SPARK_PAD + width * position / (len(years) - 1), 1)

    def y_of(value: float) -> float:
        share = (value - low) / (high - low) if high > low else 0.5
        return round(SPARK_PAD + height * (1 - share), 1)

    segments: list[list[str]] = [[]]
    for position, (_, value) in enumerate(trend):
        if value is None:
            segments.append([])
        else:
            segments[-1].append(f"{x_of(position)},{y_of(value)}")
    first, last = min(year for year, _ in published), max(year for year, _ in published)
    description = display.label("trend_caption", lang, first=first, last=last)
    withheld = [str(year) for year, value in trend if value is None]
    if withheld:
        description += "; " + display.label("trend_withheld", lang, years=", ".join(withheld))
    last_position = max(position for position, (_, value) in enumerate(trend) if value is not None)
    return {
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "description": description,
        "lines": [" ".join(points) for points in segments if len(points) > 1],
        "end": {"x": x_of(last_position), "y": y_of(published[-1][1])},
    }


class IndexLinks(Protocol):
    """Where the index's links go: the server's query strings, or the static site's files."""

    search_action: str | None

    def index(self, lang: str, sort: SortColumn, order: SortOrder, query: str) -> str: ...

    def card(self, slug: str, lang: str) -> str: ...


@dataclass(frozen=True)
class ServerLinks:
    """Links of `GET /` on `metiers serve`: the index by query string, cards by route."""

    search_action: str | None = "/"

    def index(self, lang: str, sort: SortColumn, order: SortOrder, query: str) -> str:
        parameters = {"lang": lang}
        if (sort, order) != (DEFAULT_SORT, DEFAULT_ORDER):
            parameters |= {"sort": sort.value, "order": order.value}
        if query:
            parameters["q"] = query
        return "/?" + urlencode(parameters)

    def card(self, slug: str, lang: str) -> str:
        return f"/metiers/{quote(slug, safe='')}.html?lang={lang}"


def _header(
    column: SortColumn,
    sort: SortColumn,
    order: SortOrder,
    lang: str,
    query: str,
    links: IndexLinks,
) -> dict[str, Any]:
    """A column heading: a link sorting by it (the other way round when it is the current
    sort), and its aria-sort."""
    name = display.label(
        "metier" if column is SortColumn.title else NUMERIC_COLUMNS[column][2], lang
    )
    current = column is sort
    if current:
        next_order = SortOrder.desc if order is SortOrder.asc else SortOrder.asc
    else:
        next_order = SortOrder.asc if column is SortColumn.title else SortOrder.desc
    return {
        "column": column.value,
        "name": name,
        "href": links.index(lang, column, next_order, query),
        "aria_sort": ("ascending" if order is SortOrder.asc else "descending") if current else None,
        "hint": display.label("sort_by", lang, column=name)
        + f" ({display.label('ascending' if next_order is SortOrder.asc else 'descending', lang)})",
    }


def index_html(
    rows: list[dict[str, Any]],
    publication: dict[str, Any],
    lang: str,
    links: IndexLinks,
    *,
    sort: SortColumn = DEFAULT_SORT,
    order: SortOrder = DEFAULT_ORDER,
    query: str = "",
    languages: tuple[str, ...] = display.LANGUAGES,
) -> str:
    """The index page of `rows` (already searched), sorted by `sort` in `order`: a pure
    function of the mart's rows, tested without a server."""
    query = query.strip()
    entries = []
    for row in sorted_rows(rows, sort, order):
        cells = []
        for column in NUMERIC_COLUMNS:
            value = row[column.value]
            if value is None:
                reason = display.reason(row[f"{column.value}_suppressed"], lang)
                cells.append(
                    {
                        "column": column.value,
                        "shown": display.label("not_published", lang),
                        "withheld": True,
                        "reason": reason,
                    }
                )
            else:
                cells.append(
                    {
                        "column": column.value,
                        "shown": _written(column, value, lang),
                        "withheld": False,
                        "reason": None,
                    }
                )
        entries.append(
            {
                "slug": row["slug"],
                "title": row["title"],
                "href": links.card(row["slug"], lang),
                "cells": cells,
                "sparkline": sparkline(row["trend"], lang),
            }
        )
    count = len(entries)
    if query:
        summary = display.label("results_for", lang, count=count, query=query)
    else:
        summary = display.label("results", lang, count=count)
    published_at = publication.get("published_at")
    date = published_at.date().isoformat() if hasattr(published_at, "date") else ""
    version = publication.get("version") or ""
    reference_year = publication.get("reference_year")
    return TEMPLATES.get_template("index.html.j2").render(
        lang=lang,
        version=version,
        reference_year=reference_year,
        labels={
            name: display.label(name, lang)
            for name in (
                "index_title",
                "index_intro",
                "search",
                "search_button",
                "search_reset",
                "sparkline",
                "languages",
            )
        },
        vintage=display.label("reference_year", lang, year=reference_year)
        if reference_year is not None
        else "",
        stamp=display.label("publication", lang, version=version, date=date),
        search_action=links.search_action,
        query=query,
        sort=sort.value,
        order=order.value,
        reset_href=links.index(lang, sort, order, ""),
        headers=[_header(column, sort, order, lang, query, links) for column in SortColumn],
        rows=entries,
        summary=summary,
        no_results=display.label("no_results", lang, query=query) if query and not count else None,
        other_languages=[
            {"lang": code, "href": links.index(code, sort, order, query)}
            for code in languages
            if code != lang
        ],
    )


def render(
    connection: duckdb.DuckDBPyConnection,
    lang: str,
    *,
    sort: SortColumn = DEFAULT_SORT,
    order: SortOrder = DEFAULT_ORDER,
    query: str = "",
    links: IndexLinks | None = None,
) -> str:
    """The index from the published mart; with `query`, only the métiers it finds."""
    rows = index_rows(connection, lang)
    if query.strip():
        found = matching_slugs(connection, query)
        rows = [row for row in rows if row["slug"] in found]
    return index_html(
        rows,
        mart.publication(connection),
        lang,
        links or ServerLinks(),
        sort=sort,
        order=order,
        query=query,
    )
