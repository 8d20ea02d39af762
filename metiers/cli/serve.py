"""`metiers serve`: the published mart over HTTP. FastAPI and uvicorn are imported only when
it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from metiers.cli.options import MartsDir
from metiers.core.paths import DEFAULT_MARTS_DIR

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="TCP port [default: 8000; 8001 with --preview]."
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Web origin allowed to call the API from a browser (repeat for several); "
            "none by default.",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request.")
    ] = False,
    preview: Annotated[
        bool,
        typer.Option(
            "--preview",
            help="Serve the candidate waiting for a release decision instead of the released "
            "version (on port 8001 unless --port says otherwise; every answer carries "
            "X-Metiers-Preview: candidate).",
        ),
    ] = False,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Serve the released mart read-only over HTTP (JSON, HTML card, OpenAPI schema at
    /openapi.json). A release or rollback is picked up by the next request, no restart.
    Readers only ever see released versions; --preview serves the candidate apart."""
    from metiers.api import ApiSettings
    from metiers.api import serve as run_server
    from metiers.api.app import DEFAULT_PORT, PREVIEW_PORT

    run_server(
        ApiSettings(marts_dir=marts_dir, cors_origins=tuple(cors_origin or ()), preview=preview),
        host=host,
        port=port or (PREVIEW_PORT if preview else DEFAULT_PORT),
        access_log=access_log,
    )
