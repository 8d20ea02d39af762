"""Every error the API answers, as `{"detail": ..., "code": ...}` with a stable code, and
their declarations for the OpenAPI schema.

Error bodies carry a fixed message, never a server path or DuckDB's text; the detail goes
to the server log.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from metiers.api import models
from metiers.api.published import MartUnavailable
from metiers.present import mart

log = logging.getLogger(__name__)

INTERNAL = "internal error; the server log has the details"
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}

# `responses=` of the routes: what each error status sends.
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "model": models.NotFound,
        "description": "Unknown slug (`code` unknown_slug); `detail.closest` lists the "
        "closest slugs.",
    }
}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": models.InvalidRequest, "description": "A parameter out of its values."}
}
# Declared on every route (FastAPI(responses=...)).
ANY_ROUTE: dict[int | str, dict[str, Any]] = {
    500: {"model": models.InternalError, "description": "A bug; the server log has the details."},
    503: {
        "model": models.Unavailable,
        "description": "No published mart yet (`code` not_published), or it cannot be opened "
        "(`code` mart_unreadable).",
    },
}


class UnknownSlug(HTTPException):
    """404 for a slug the mart does not have, with the closest ones."""

    code = "unknown_slug"

    def __init__(self, slug: str, closest: list[str]) -> None:
        super().__init__(
            status_code=404,
            detail={"message": f"unknown métier '{slug}'", "closest": closest},
        )


def require_slug(cursor: duckdb.DuckDBPyConnection, slug: str) -> None:
    """404 unless the published version has the métier."""
    found = cursor.execute("SELECT count(*) FROM metier_figures WHERE slug = ?", [slug]).fetchall()
    if not found[0][0]:
        raise UnknownSlug(slug, mart.closest_slugs(cursor, slug))


def _error(status: int, body: models.Body, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=body.to_json(), status_code=status, media_type="application/json", headers=headers
    )


def unavailable(request: Request, error: MartUnavailable) -> Response:
    log.warning("%s %s: %s (%s)", request.method, request.url.path, error.code, error)
    return _error(503, models.Unavailable(detail=error.message, code=error.code))


def http_error(request: Request, error: StarletteHTTPException) -> Response:
    code = getattr(error, "code", None) or HTTP_CODES.get(
        error.status_code, f"http_{error.status_code}"
    )
    body: models.Body = (
        models.NotFound(detail=error.detail, code=code)
        if error.status_code == 404
        else models.ErrorBody(detail=error.detail, code=code)
    )
    return _error(error.status_code, body, error.headers)


def invalid_request(request: Request, error: RequestValidationError) -> Response:
    """FastAPI's report of the parameters that do not fit, with the code every error has."""
    issues = jsonable_encoder(error.errors())
    return _error(422, models.InvalidRequest(detail=issues, code="invalid_request"))


def internal(request: Request, error: Exception) -> Response:
    # The traceback goes to the log (uvicorn logs it too); the client gets no text of it.
    log.error("%s %s failed: %r", request.method, request.url.path, error)
    return _error(500, models.InternalError(detail=INTERNAL, code="internal_error"))


def install(app: FastAPI) -> None:
    """Answer every error of `app` with its code."""
    app.add_exception_handler(MartUnavailable, unavailable)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, internal)
