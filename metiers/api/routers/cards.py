"""`GET /metiers/{slug}...`: one métier's card (JSON, HTML page, trend and salary charts) and its
tables (regions, salaries, trend). Every body is built once per published version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
from fastapi import APIRouter
from fastapi.responses import Response

from metiers.api.dependencies import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    VERSION_HEADERS,
    LangQuery,
    SlugPath,
    Versioned,
    VersionedRequest,
)
from metiers.api.errors import INVALID, NOT_FOUND, require_slug
from metiers.api.models import Body, CardDocument, Lang, Regions, Salaries, Trend
from metiers.present import mart, page

# What every route of a métier may answer besides its 200.
router = APIRouter(tags=["cards"], responses={**NOT_MODIFIED, **NOT_FOUND, **INVALID})
JSON_OK: dict[int | str, dict[str, Any]] = {200: {"headers": VERSION_HEADERS}}
HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml"


def text_ok(media_type: str) -> dict[int | str, dict[str, Any]]:
    """A 200 that is not JSON. The route's response class stays the bare Response (no media
    type), so FastAPI declares the error bodies as application/json, as they are sent."""
    return {
        200: {
            "headers": VERSION_HEADERS,
            "content": {media_type.split(";")[0]: {"schema": {"type": "string"}}},
        }
    }


RenderOf = Callable[[duckdb.DuckDBPyConnection, str, str], str]


async def _rendered(
    request: VersionedRequest, kind: str, render: RenderOf, media_type: str, slug: str, lang: Lang
) -> Response:
    """A métier's page or chart (`render(cursor, slug, lang)`), built once per version."""

    def build(cursor: duckdb.DuckDBPyConnection) -> bytes:
        require_slug(cursor, slug)
        return render(cursor, slug, lang.value).encode()

    body = await request.snapshot.body_async((kind, slug, lang), build)
    return request.respond(body, media_type=media_type)


# Declared before /metiers/{slug}, which would otherwise take "x.html" as a slug.
@router.get(
    "/metiers/{slug}.html",
    summary="The card as a self-contained HTML page",
    response_class=Response,
    responses=text_ok(HTML),
    openapi_extra=IF_NONE_MATCH,
)
async def card_page(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _rendered(request, "html", _page_with_index_link, HTML, slug, lang)


def _page_with_index_link(cursor: duckdb.DuckDBPyConnection, slug: str, lang: str) -> str:
    """The card page as served: it links back to the index at `/`."""
    return page.render(cursor, slug, lang, index_href=f"/?lang={lang}")


@router.get(
    "/metiers/{slug}/trend.svg",
    summary="The headcount trend chart (SVG)",
    response_class=Response,
    responses=text_ok(SVG),
    openapi_extra=IF_NONE_MATCH,
)
async def trend_chart(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _rendered(request, "svg", page.render_trend_svg, SVG, slug, lang)


@router.get(
    "/metiers/{slug}/map.svg",
    summary="The map of Belgium: the métier's share of its headcount per province (SVG)",
    response_class=Response,
    responses=text_ok(SVG),
    openapi_extra=IF_NONE_MATCH,
)
async def regions_map(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _rendered(request, "map.svg", page.render_map_svg, SVG, slug, lang)


@router.get(
    "/metiers/{slug}/salaries.svg",
    summary="The salary chart by experience band (SVG)",
    response_class=Response,
    responses=text_ok(SVG),
    openapi_extra=IF_NONE_MATCH,
)
async def salary_chart(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _rendered(request, "salaries-svg", page.render_salary_svg, SVG, slug, lang)


@router.get(
    "/metiers/{slug}",
    summary="The card of one métier",
    response_model=CardDocument,
    responses=JSON_OK,
    openapi_extra=IF_NONE_MATCH,
)
async def card(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    def build(cursor: duckdb.DuckDBPyConnection) -> bytes:
        require_slug(cursor, slug)
        return CardDocument.model_validate(mart.card_document(cursor, slug, lang.value)).to_json()

    return request.respond(await request.snapshot.body_async(("card", slug, lang), build))


RowsOf = Callable[[duckdb.DuckDBPyConnection, str, str], list[dict]]


async def _table(
    request: VersionedRequest,
    model: type[Body],
    name: str,
    rows_of: RowsOf,
    slug: str,
    lang: Lang,
) -> Response:
    """`{"slug", "lang", "version", name: rows}` of one of the métier's tables."""
    version = request.snapshot.version

    def build(cursor: duckdb.DuckDBPyConnection) -> bytes:
        require_slug(cursor, slug)
        document = {
            "slug": slug,
            "lang": lang.value,
            "version": version,
            name: rows_of(cursor, slug, lang.value),
        }
        return model.model_validate(document).to_json()

    return request.respond(await request.snapshot.body_async((name, slug, lang), build))


@router.get(
    "/metiers/{slug}/regions",
    summary="Headcount, share of women and median wage per region",
    response_model=Regions,
    responses=JSON_OK,
    openapi_extra=IF_NONE_MATCH,
)
async def regions(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _table(request, Regions, "regions", mart.regions, slug, lang)


@router.get(
    "/metiers/{slug}/salaries",
    summary="Wage percentiles per experience band and year",
    response_model=Salaries,
    responses=JSON_OK,
    openapi_extra=IF_NONE_MATCH,
)
async def salaries(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _table(request, Salaries, "salaries", mart.salaries, slug, lang)


@router.get(
    "/metiers/{slug}/trend",
    summary="Headcount per year",
    response_model=Trend,
    responses=JSON_OK,
    openapi_extra=IF_NONE_MATCH,
)
async def trend(request: Versioned, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
    return await _table(request, Trend, "trend", mart.trend, slug, lang)
