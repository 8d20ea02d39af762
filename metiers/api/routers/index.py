"""`GET /`: the index of every métier as an HTML page (search `q`, sort by any column), the
page of `metiers site`'s index with links to the server's card pages."""

from __future__ import annotations

from typing import Annotated

import duckdb
from fastapi import APIRouter, Query
from fastapi.responses import Response

from metiers.api.dependencies import IF_NONE_MATCH, NOT_MODIFIED, LangQuery, SearchQuery, Versioned
from metiers.api.errors import INVALID
from metiers.api.models import Lang
from metiers.api.routers.cards import HTML, text_ok
from metiers.present import index

router = APIRouter(tags=["pages"], responses={**NOT_MODIFIED, **INVALID})
SortQuery = Annotated[index.SortColumn, Query(description="Column to sort by.")]
OrderQuery = Annotated[index.SortOrder, Query(description="asc or desc; withheld values last.")]


@router.get(
    "/",
    summary="The index of every métier (HTML): search with q, sort by any column",
    response_class=Response,
    responses=text_ok(HTML),
    openapi_extra=IF_NONE_MATCH,
)
async def index_page(
    request: Versioned,
    lang: LangQuery = Lang.fr,
    q: SearchQuery = None,
    sort: SortQuery = index.DEFAULT_SORT,
    order: OrderQuery = index.DEFAULT_ORDER,
) -> Response:
    query = (q or "").strip()

    def build(cursor: duckdb.DuckDBPyConnection) -> bytes:
        return index.render(cursor, lang.value, sort=sort, order=order, query=query).encode()

    body = await request.snapshot.body_async(("index", lang, query, sort, order), build)
    return request.respond(body, media_type=HTML)
