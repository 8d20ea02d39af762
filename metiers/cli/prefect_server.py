"""`metiers prefect start|status|stop`: the project's local Prefect server, on which
`metiers refresh` runs its flow."""

from __future__ import annotations

import json

import typer

from metiers.cli.options import ServerReportFormat, TextOrJson
from metiers.core.config import prepare_environment

app = typer.Typer(
    help="The project's local Prefect server, on which `metiers refresh` runs its flow: "
    "Prefect's API, UI and run history on loopback, state in PREFECT_HOME.",
    no_args_is_help=True,
)


@app.command("start")
def prefect_start() -> None:
    """Start the local server (or find it running) and print its address; it stops after
    METIERS_PREFECT_SERVER_IDLE_MINUTES (default 30) without a request."""
    from metiers.refresh import orchestrator

    prepare_environment()
    server = orchestrator.begin()
    record = server.wait()
    state = "started" if server.started else "already running"
    typer.echo(f"{state}: {record.url} (pid {record.pid})")
    typer.echo(f"export PREFECT_API_URL={record.api_url}")


@app.command("status")
def prefect_status(output: ServerReportFormat = TextOrJson.text) -> None:
    """Say which Prefect server a refresh would use, and whether the local one runs."""
    from metiers.refresh import orchestrator

    prepare_environment()
    report = orchestrator.status()
    if output is TextOrJson.json:
        typer.echo(json.dumps(report, indent=2))
        return
    if report["configured_api_url"]:
        typer.echo(f"refresh uses PREFECT_API_URL={report['configured_api_url']}")
    elif report["mode"] == "embedded":
        typer.echo("refresh uses Prefect's embedded server (METIERS_PREFECT_SERVER=embedded)")
    else:
        typer.echo("refresh uses the local server (started on demand)")
    if report["running"]:
        health = "answering" if report["healthy"] else "not answering yet"
        typer.echo(
            f"local server: {report['url']} (pid {report['pid']}, since "
            f"{report['started_at']}, {health}; stops after {report['idle_minutes']:g} idle "
            "minutes)"
        )
    else:
        typer.echo("local server: not running")
    typer.echo(f"state: {report['prefect_home']}; log: {report['log']}")


@app.command("stop")
def prefect_stop() -> None:
    """Stop the local server now (a later refresh starts it again)."""
    from metiers.refresh import orchestrator

    prepare_environment()
    stopped = orchestrator.stop()
    typer.echo("stopped" if stopped else "not running")
