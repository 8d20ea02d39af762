"""The application: settings, middleware (HEAD, CORS), error handlers and the routers; and
`serve`, which runs it on uvicorn."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metiers.api import errors
from metiers.api.published import PublishedMart
from metiers.api.routers import ROUTERS
from metiers.core.config import candidate_path, published_path
from metiers.core.paths import DEFAULT_MARTS_DIR

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# The preview of a candidate never answers on the public port unless asked to.
PREVIEW_PORT = 8001


@dataclass(frozen=True)
class ApiSettings:
    """Where the published file is, and which web origins may call the API from a browser."""

    marts_dir: Path = DEFAULT_MARTS_DIR
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    # Serve the candidate waiting for a release decision instead of the released version.
    preview: bool = False

    @property
    def published_path(self) -> Path:
        """The file the API reads: the released one, or the candidate in a preview."""
        return candidate_path(self.marts_dir) if self.preview else published_path(self.marts_dir)


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


class PreviewHeader:
    """Every answer of a preview says so (`X-Metiers-Preview: candidate`): a page of a
    candidate copied by mistake into the site is recognisable."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-metiers-preview", b"candidate"),
                ]
            await send(message)

        await self.app(scope, receive, marked)


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The application; tests drive it in-process, `metiers serve` runs it on uvicorn. The
    routes reach the settings and the published file through `app.state`."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="Métiers en chiffres",
        version="1",
        description="Read-only figures of the published mart: the 'Le métier en chiffres' "
        "card of every occupation in French, Dutch and English. Every response carries the "
        'publication version as its ETag. Every error body is `{"detail", "code"}`.',
        # The interactive docs pages load scripts from a CDN; the schema itself is served.
        docs_url=None,
        redoc_url=None,
        responses=errors.ANY_ROUTE,
    )
    app.state.settings = settings
    app.state.published = PublishedMart(settings.published_path)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD"],
            allow_headers=["If-None-Match"],
            expose_headers=["ETag", "X-Mart-Version"],
        )
    app.add_middleware(HeadAsGet)
    if settings.preview:
        app.add_middleware(PreviewHeader)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
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
