"""`GET /health`: the API answers, and which version it serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from metiers.api.dependencies import Versioned
from metiers.api.models import Health

router = APIRouter(tags=["health"])

HEALTH_HEADERS: dict[str, dict[str, Any]] = {
    "Cache-Control": {"description": "`no-store`.", "required": True, "schema": {"type": "string"}},
    "X-Mart-Version": {
        "description": "The publication version.",
        "required": True,
        "schema": {"type": "string"},
    },
}


@router.get(
    "/health",
    summary="Liveness and the version being served",
    response_model=Health,
    responses={200: {"headers": HEALTH_HEADERS}},
)
def health(request: Versioned) -> Response:
    """Queries the version on every call (no cached body): a mart that stopped answering
    shows here. No ETag: it is not a resource to cache."""
    snapshot = request.snapshot
    count = snapshot.cursor().execute("SELECT count(*) FROM metier_figures").fetchall()[0][0]
    body = Health(
        status="ok",
        version=snapshot.version,
        published_at=snapshot.published_at.isoformat() if snapshot.published_at else None,
        metiers=count,
    )
    return Response(
        content=body.to_json(),
        media_type="application/json",
        headers={"X-Mart-Version": snapshot.version, "Cache-Control": "no-store"},
    )
