"""Read-only HTTP API over the published mart, for the site and the content team.

The published file is opened once per version and shared by all requests. Each request
stats the file: when a refresh or a rollback has swapped a new one in, the next request
opens it, while requests still running on the previous version finish on it (their
open file keeps the old inode alive). No restart, no failed request.

Each version is attached read-only to its own in-memory DuckDB database rather than opened
with `duckdb.connect(path)`: DuckDB's client caches databases by path, so a second
`connect(path)` while an older connection is open would return the older version.

The ETag (the publication version) is the only validator. There is no Last-Modified: a
rollback publishes an older version again, so a publication time would go backwards and a
client (or a cache in between) holding a newer copy would be told 304 for the wrong figures.
Error bodies carry a fixed message and a stable `code`, never a server path or DuckDB's
text; the detail goes to the server log.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metiers import mart, page
from metiers.config import DEFAULT_MARTS_DIR, published_path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
log = logging.getLogger(__name__)


class Lang(StrEnum):
    fr = "fr"
    nl = "nl"
    en = "en"


@dataclass(frozen=True)
class ApiSettings:
    """Where the published file is, and which web origins may call the API from a browser."""

    marts_dir: Path = DEFAULT_MARTS_DIR
    cors_origins: tuple[str, ...] = field(default_factory=tuple)

    @property
    def published_path(self) -> Path:
        return published_path(self.marts_dir)


class MartUnavailable(Exception):
    """No published file yet (or it cannot be opened). `str(error)` is the detail for the
    server log; clients get `code` and `message` only."""

    def __init__(self, code: str, message: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.message = message


class UnknownSlug(HTTPException):
    """404 for a slug the mart does not have, with the closest ones."""

    code = "unknown_slug"


# The client-facing text of each failure; the same words whatever the server's paths.
NOT_PUBLISHED = "no published mart yet: run `metiers refresh` on the server"
UNREADABLE = "the published mart cannot be opened; the server log has the details"
INTERNAL = "internal error; the server log has the details"
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


def _error(status: int, code: str, detail: Any, headers: dict | None = None) -> Response:
    return Response(
        content=_json({"detail": detail, "code": code}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


class HeadAsGet:
    """HEAD answered exactly as GET, without the body: same status and headers (ETag,
    Content-Type, Content-Length). FastAPI routes declared with GET alone answer HEAD
    with 405, and every GET resource must answer HEAD."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Snapshot:
    """One published version, attached read-only; one cursor per worker thread.

    A version never changes, so each response body is built once and kept with the version
    (up to BODY_CACHE_LIMIT bodies); a new version starts with an empty cache.
    """

    BODY_CACHE_LIMIT = 4096

    def __init__(self, path: Path, key: tuple[int, ...]) -> None:
        self.key = key
        self.database = duckdb.connect(":memory:")
        self.database.execute(f"ATTACH '{_sql_string(str(path))}' AS mart (READ_ONLY)")
        self.database.execute("USE mart")
        info = mart.publication(self.database)
        self.version: str = info.get("version") or "unversioned"
        published_at = info.get("published_at")
        self.published_at: datetime | None = (
            published_at.astimezone(UTC) if isinstance(published_at, datetime) else None
        )
        self._local = threading.local()
        self._bodies: dict[tuple, str] = {}

    def body(self, key: tuple, build: Callable[[duckdb.DuckDBPyConnection], str]) -> str:
        """The body for `key`, built on this version the first time it is asked for."""
        cached = self._bodies.get(key)
        if cached is None:
            cached = build(self.cursor())
            if len(self._bodies) < self.BODY_CACHE_LIMIT:
                self._bodies[key] = cached
        return cached

    def cached(self, key: tuple) -> str | None:
        return self._bodies.get(key)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of this thread to this version (DuckDB connections are per thread)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self.database.cursor()
            cursor.execute("USE mart")
            self._local.cursor = cursor
        return cursor


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


class PublishedMart:
    """The current version of the published file, reopened when the file is replaced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        try:
            stat = os.stat(self.path)
        except OSError as error:
            code, message = (
                ("not_published", NOT_PUBLISHED)
                if isinstance(error, FileNotFoundError)
                else ("mart_unreadable", UNREADABLE)
            )
            raise MartUnavailable(code, message, f"cannot stat {self.path}: {error}") from None
        # A swap gives the path another inode (or, for a rollback, an older one).
        key = (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns)
        current = self._current
        if current is not None and current.key == key:
            return current
        with self._lock:
            if self._current is None or self._current.key != key:
                try:
                    self._current = Snapshot(self.path, key)
                except duckdb.Error as error:
                    raise MartUnavailable(
                        "mart_unreadable", UNREADABLE, f"cannot open {self.path}: {error}"
                    ) from None
            return self._current


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [item.strip().removeprefix("W/") for item in header.split(",")]
    return etag in candidates


async def _body(
    snapshot: Snapshot, key: tuple, build: Callable[[duckdb.DuckDBPyConnection], str]
) -> str:
    """A kept body at once, on the event loop; a new one is built in the thread pool, since
    DuckDB queries block."""
    cached = snapshot.cached(key)
    if cached is not None:
        return cached
    return await run_in_threadpool(snapshot.body, key, build)


def _json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def _respond(
    request: Request, snapshot: Snapshot, body: str, media_type: str = "application/json"
) -> Response:
    """The body with its version's ETag; 304 when the client already has that version.
    If-Modified-Since is not honoured (see the module's docstring)."""
    etag = f'"{snapshot.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Mart-Version": snapshot.version}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


def _known_slug(cursor: duckdb.DuckDBPyConnection, slug: str) -> None:
    found = cursor.execute("SELECT count(*) FROM metier_figures WHERE slug = ?", [slug]).fetchall()
    if not found[0][0]:
        raise UnknownSlug(
            status_code=404,
            detail={
                "message": f"unknown métier '{slug}'",
                "closest": mart.closest_slugs(cursor, slug),
            },
        )


NOT_FOUND = {
    404: {
        "description": "Unknown slug (`code` unknown_slug); `detail.closest` lists the "
        "closest slugs."
    }
}
UNAVAILABLE = {
    503: {
        "description": "No published mart yet (`code` not_published), or it cannot be opened "
        "(`code` mart_unreadable)."
    }
}
NOT_MODIFIED = {304: {"description": "The client's copy (If-None-Match) is current."}}

LangQuery = Annotated[Lang, Query(description="Language of titles and display strings.")]
SlugPath = Annotated[
    str, PathParam(description="Slug of the métier, see GET /metiers.", max_length=200)
]


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The application; tests drive it in-process, `metiers serve` runs it on uvicorn."""
    settings = settings or ApiSettings()
    published = PublishedMart(settings.published_path)
    app = FastAPI(
        title="Métiers en chiffres",
        version="1",
        description="Read-only figures of the published mart: the 'Le métier en chiffres' "
        "card of every occupation in French, Dutch and English. Every response carries the "
        "publication version as its ETag.",
        # The interactive docs pages load scripts from a CDN; the schema itself is served.
        docs_url=None,
        redoc_url=None,
        responses={**UNAVAILABLE, **NOT_MODIFIED},
    )
    app.state.published = published
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD"],
            allow_headers=["If-None-Match"],
            expose_headers=["ETag", "X-Mart-Version"],
        )
    app.add_middleware(HeadAsGet)

    @app.exception_handler(MartUnavailable)
    def unavailable(request: Request, error: MartUnavailable) -> Response:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, error.code, error)
        return _error(503, error.code, error.message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = getattr(error, "code", None) or HTTP_CODES.get(
            error.status_code, f"http_{error.status_code}"
        )
        return _error(error.status_code, code, error.detail, error.headers)

    @app.exception_handler(Exception)
    def internal(request: Request, error: Exception) -> Response:
        # The traceback goes to the log (uvicorn logs it too); the client gets no text of it.
        log.error("%s %s failed: %r", request.method, request.url.path, error)
        return _error(500, "internal_error", INTERNAL)

    @app.get("/health", summary="Liveness and the version being served")
    def health(request: Request) -> Response:
        snapshot = published.snapshot()
        count = snapshot.cursor().execute("SELECT count(*) FROM metier_figures").fetchall()[0][0]
        payload = {
            "status": "ok",
            "version": snapshot.version,
            "published_at": snapshot.published_at.isoformat() if snapshot.published_at else None,
            "metiers": count,
        }
        return Response(
            content=json.dumps(payload, default=str),
            media_type="application/json",
            headers={"X-Mart-Version": snapshot.version, "Cache-Control": "no-store"},
        )

    @app.get("/metiers", summary="List the métiers, or search them with q")
    async def list_metiers(
        request: Request,
        lang: LangQuery = Lang.fr,
        q: Annotated[
            str | None,
            Query(
                description="Search titles and ESCO labels (case and accents ignored).",
                max_length=200,
            ),
        ] = None,
    ) -> Response:
        snapshot = published.snapshot()

        def build(cursor: duckdb.DuckDBPyConnection) -> str:
            if q is not None and q.strip():
                rows = mart.search(cursor, q, None, limit=50)
                titles = {
                    row["slug"]: row["title"] for row in mart.list_metiers(cursor, lang.value)
                }
                for row in rows:
                    row["title"] = titles.get(row["slug"], row["title"])
            else:
                rows = mart.list_metiers(cursor, lang.value)
            payload = {
                "version": snapshot.version,
                "lang": lang.value,
                "q": q,
                "count": len(rows),
                "metiers": rows,
            }
            return _json(payload)

        return _respond(request, snapshot, await _body(snapshot, ("list", lang, q), build))

    @app.get(
        "/metiers/{slug}.html",
        summary="The card as a self-contained HTML page",
        response_class=Response,
        responses={**NOT_FOUND, 200: {"content": {"text/html": {}}}},
    )
    async def card_page(request: Request, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
        snapshot = published.snapshot()

        def build(cursor: duckdb.DuckDBPyConnection) -> str:
            _known_slug(cursor, slug)
            return page.render(cursor, slug, lang.value)

        body = await _body(snapshot, ("html", slug, lang), build)
        return _respond(request, snapshot, body, media_type="text/html; charset=utf-8")

    @app.get(
        "/metiers/{slug}/trend.svg",
        summary="The headcount trend chart (SVG)",
        response_class=Response,
        responses={**NOT_FOUND, 200: {"content": {"image/svg+xml": {}}}},
    )
    async def trend_chart(request: Request, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
        snapshot = published.snapshot()

        def build(cursor: duckdb.DuckDBPyConnection) -> str:
            _known_slug(cursor, slug)
            return page.render_trend_svg(cursor, slug, lang.value)

        body = await _body(snapshot, ("svg", slug, lang), build)
        return _respond(request, snapshot, body, media_type="image/svg+xml")

    @app.get("/metiers/{slug}", summary="The card of one métier", responses=NOT_FOUND)
    async def card(request: Request, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
        snapshot = published.snapshot()

        def build(cursor: duckdb.DuckDBPyConnection) -> str:
            _known_slug(cursor, slug)
            return _json(mart.card_document(cursor, slug, lang.value))

        return _respond(request, snapshot, await _body(snapshot, ("card", slug, lang), build))

    def _table(name: str, rows_of: Any, summary: str) -> None:
        @app.get(f"/metiers/{{slug}}/{name}", summary=summary, responses=NOT_FOUND, name=name)
        async def endpoint(request: Request, slug: SlugPath, lang: LangQuery = Lang.fr) -> Response:
            snapshot = published.snapshot()

            def build(cursor: duckdb.DuckDBPyConnection) -> str:
                _known_slug(cursor, slug)
                payload = {
                    "slug": slug,
                    "lang": lang.value,
                    "version": snapshot.version,
                    name: rows_of(cursor, slug, lang.value),
                }
                return _json(payload)

            return _respond(request, snapshot, await _body(snapshot, (name, slug, lang), build))

    _table("regions", mart.regions, "Headcount, share of women and median wage per region")
    _table("salaries", mart.salaries, "Wage percentiles per experience band and year")
    _table("trend", mart.trend, "Headcount per year")
    return app


def serve(
    settings: ApiSettings,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    access_log: bool = False,
) -> None:
    """Run the API on uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=access_log,
        log_level="info",
        # Longer than a client's usual idle pause, so kept-alive connections are not closed
        # just as a request is sent on them.
        timeout_keep_alive=30,
    )
