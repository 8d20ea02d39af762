"""`GET /metiers`: the list of métiers, or with `q` the search of `metiers search`."""

from __future__ import annotations

import duckdb
from fastapi import APIRouter
from fastapi.responses import Response

from metiers.api.dependencies import (
    IF_NONE_MATCH,
    NOT_MODIFIED,
    VERSION_HEADERS,
    LangQuery,
    SearchQuery,
    Versioned,
)
from metiers.api.errors import INVALID
from metiers.api.models import Lang, MetierList
from metiers.present import mart

router = APIRouter(tags=["métiers"])
SEARCH_LIMIT = 50


@router.get(
    "/metiers",
    summary="List the métiers, or search them with q",
    response_model=MetierList,
    responses={200: {"headers": VERSION_HEADERS}, **NOT_MODIFIED, **INVALID},
    openapi_extra=IF_NONE_MATCH,
)
async def list_metiers(
    request: Versioned, lang: LangQuery = Lang.fr, q: SearchQuery = None
) -> Response:
    version = request.snapshot.version

    def build(cursor: duckdb.DuckDBPyConnection) -> bytes:
        if q is not None and q.strip():
            # Searched in every language; titles are given in `lang`.
            rows = mart.search(cursor, q, None, limit=SEARCH_LIMIT)
            titles = {row["slug"]: row["title"] for row in mart.list_metiers(cursor, lang.value)}
            for row in rows:
                row["title"] = titles.get(row["slug"], row["title"])
        else:
            rows = mart.list_metiers(cursor, lang.value)
        document = {
            "version": version,
            "lang": lang.value,
            "q": q,
            "count": len(rows),
            "metiers": rows,
        }
        return MetierList.model_validate(document).to_json()

    return request.respond(await request.snapshot.body_async(("list", lang, q), build))
