"""What the routes are given (`Depends`, parameters) and how they answer with a version.

The published snapshot comes from `app.state.published` (set by `create_app`), so a route
names what it needs and holds no state of its own. The ETag (the publication version) is
the only validator. There is no Last-Modified: a rollback publishes an older version again,
so a publication time would go backwards and a client (or a cache in between) holding a
newer copy would be told 304 for the wrong figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from metiers.api.models import Lang
from metiers.api.published import PublishedMart, Snapshot


@dataclass(frozen=True)
class VersionedRequest:
    """A request as the routes see it: the published version it is answered from, and the
    ETags the client holds (If-None-Match)."""

    snapshot: Snapshot
    if_none_match: str | None

    def respond(self, body: bytes, media_type: str = "application/json") -> Response:
        """The body with its version's ETag; 304 when the client already has that version.
        If-Modified-Since is not honoured."""
        snapshot = self.snapshot
        headers = {
            "ETag": snapshot.etag,
            "Cache-Control": "no-cache",
            "X-Mart-Version": snapshot.version,
        }
        if etag_matches(self.if_none_match, snapshot.etag):
            return Response(status_code=304, headers=headers)
        return Response(content=body, media_type=media_type, headers=headers)


async def versioned_request(request: Request) -> VersionedRequest:
    """The version published now (opened on first use after a swap), and the client's
    If-None-Match. Async, so a known version costs no trip to the thread pool.

    The header is read here rather than declared with `Header()`: FastAPI's header parsing
    cost more CPU than the rest of a cached answer (bench/api_load.py), so the schema
    declares it with `IF_NONE_MATCH` instead."""
    published: PublishedMart = request.app.state.published
    return VersionedRequest(published.snapshot(), request.headers.get("if-none-match"))


Versioned = Annotated[VersionedRequest, Depends(versioned_request)]
LangQuery = Annotated[Lang, Query(description="Language of titles and display strings.")]
SlugPath = Annotated[
    str, PathParam(description="Slug of the métier, see GET /metiers.", max_length=200)
]
SearchQuery = Annotated[
    str | None,
    Query(description="Search titles and ESCO labels (case and accents ignored).", max_length=200),
]
# `openapi_extra` of the versioned routes (see versioned_request).
IF_NONE_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "description": "ETags the client holds: the current one (or `*`) gets 304, no "
            "body. If-Modified-Since is not honoured.",
            "schema": {"type": "string"},
        }
    ]
}

# Headers of every versioned response, for the schema.
VERSION_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The publication version, quoted: the only validator.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`no-cache`: revalidate with If-None-Match.",
        "required": True,
        "schema": {"type": "string"},
    },
    "X-Mart-Version": {
        "description": "The publication version.",
        "required": True,
        "schema": {"type": "string"},
    },
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "The client's copy (If-None-Match) is current; no body.",
        "headers": VERSION_HEADERS,
    }
}


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [item.strip().removeprefix("W/") for item in header.split(",")]
    return etag in candidates
