"""The commands that make and publish the marts: `refresh`, `validate`, `rollback` and
`schedule`. The only module of `metiers/` that imports `flows/`, and only when run."""

from __future__ import annotations

import gc
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from metiers.cli.options import (
    MartsDir,
    RawDir,
    SourcesFile,
    folder_callback,
    folder_problem,
    registry_callback,
)
from metiers.core.config import (
    DEFAULT_MIN_RECORDS,
    SCHEDULE_CRON,
    SCHEDULE_NAME,
    SCHEDULE_TIMEZONE,
    Settings,
    prepare_environment,
)
from metiers.core.errors import EXIT_DATA_REJECTED, UsageError
from metiers.core.paths import DEFAULT_MARTS_DIR, DEFAULT_RAW_DIR, DEFAULT_SOURCES_FILE

app = typer.Typer()


class TaskRunner(StrEnum):
    default = "default"
    dask = "dask"


class _StderrHandler(logging.StreamHandler):
    """Writes to the standard error of the moment, not the one it was made with (a test
    runner swaps it for every command it invokes)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current sys.stderr: a stream handed in is ignored."""


def check_folders(settings: Settings) -> None:
    """The folders a refresh or a validation writes beside the marts (staging, quarantine,
    validation reports, history): each must be a folder or creatable as one."""
    for folder in (
        settings.marts_dir,
        settings.staging_dir,
        settings.quarantine_dir,
        settings.validation_dir,
        settings.history_dir,
    ):
        problem = folder_problem(folder, writable=True)
        if problem:
            raise UsageError(problem)


@app.command()
def refresh(
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    staging_dir: Annotated[
        Path | None,
        typer.Option(
            "--staging-dir",
            help="Typed staging Parquet [default: MARTS_DIR/../staging].",
            file_okay=False,
            callback=folder_callback,
        ),
    ] = None,
    min_records: Annotated[
        int,
        typer.Option("--min-records", min=1, help="Disclosure threshold: records a figure needs."),
    ] = DEFAULT_MIN_RECORDS,
    sources: Annotated[
        Path,
        typer.Option(
            "--sources",
            help="Source registry (TOML) declaring every source.",
            dir_okay=False,
            callback=registry_callback,
        ),
    ] = DEFAULT_SOURCES_FILE,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect/--no-prefect",
            help="Run as the Prefect flow `refresh` (on the project's local Prefect server, "
            "started if needed; see `metiers prefect`) or as plain calls.",
        ),
    ] = True,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read, validate and build everything, even files whose content hash is "
            "unchanged, and publish a new version even when nothing changed.",
        ),
    ] = False,
    task_runner: Annotated[
        TaskRunner,
        typer.Option(
            "--task-runner",
            help="Where the flow runs its per-file intake tasks: Prefect's default (threads "
            "in this process) or a Dask cluster (prefect-dask).",
        ),
    ] = TaskRunner.default,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Scheduler of a running Dask cluster (tcp://host:8786); without it, "
            "--task-runner dask starts a local cluster of 2 workers for the run.",
        ),
    ] = None,
    report: Annotated[
        bool,
        typer.Option(
            "--report",
            help="Write the HTML validation report (GX Data Docs) even when every file and "
            "mart passes; it is always written when one fails.",
        ),
    ] = False,
) -> None:
    """Ingest, validate, build and publish the marts; the published file changes only when
    everything validates. Unchanged raw files (same sha256) are not read again, and when no
    input changed the published file is left exactly as it is (exit 0, "unchanged"), found
    without starting Prefect."""
    prepare_environment()
    try:
        if not prefect and (task_runner != TaskRunner.default or dask_address):
            raise UsageError("--task-runner and --dask-address need the Prefect flow")
        settings = Settings(
            raw_dir=raw_dir,
            marts_dir=marts_dir,
            staging_dir=staging_dir,
            min_records=min_records,
            sources_file=sources,
            data_docs=report,
        )
        check_folders(settings)
        from metiers.refresh.pipeline import check_registry

        # A registry mistake is said before anything starts (Prefect's server included).
        check_registry(settings)
        publication = None
        if not full:
            from metiers.refresh.pipeline import refresh_if_unchanged

            publication = refresh_if_unchanged(settings, trigger="cli")
        if publication is None and prefect:
            from metiers.refresh import orchestrator

            # The server boots while Prefect and the flow are imported.
            server = orchestrator.flow_server()
            from metiers.flows.refresh import run_refresh_flow

            if server is not None:
                record = server.wait()
                if server.started:
                    typer.echo(
                        f"started the local Prefect server: {record.url} (UI and run "
                        f"history; it stops after {record.idle_minutes:g} idle minutes, or "
                        "with `metiers prefect stop`)",
                        err=True,
                    )
            publication = run_refresh_flow(
                task_runner=task_runner.value,
                dask_address=dask_address,
                raw_dir=str(raw_dir),
                marts_dir=str(marts_dir),
                staging_dir=str(staging_dir) if staging_dir else None,
                min_records=min_records,
                sources_file=str(sources),
                full=full,
                trigger="cli",
                data_docs=report,
            )
        elif publication is None:
            from metiers.refresh.pipeline import run_refresh

            # Our progress lines only: the libraries' own INFO chatter stays quiet. One
            # handler per process (tests invoke the command many times).
            progress = logging.getLogger("metiers")
            if not any(isinstance(item, _StderrHandler) for item in progress.handlers):
                handler = _StderrHandler()
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                progress.addHandler(handler)
            progress.setLevel(logging.INFO)
            publication = run_refresh(settings, full=full)
    finally:
        # The interpreter's last collection walks every object Prefect, GX and polars
        # made (0.7 s after a flow run); frozen, they are left to the process's exit.
        gc.freeze()
    if publication.status == "unchanged":
        typer.echo(
            f"unchanged: no input changed since version {publication.version}; "
            f"{publication.path} was left as it is (use --full to rebuild)"
        )
        if publication.needs_decision:
            typer.echo(
                f"candidate {publication.version} still waits for a decision: `metiers review`, "
                "then `metiers release` or `metiers reject --reason TEXT`"
            )
        return
    if publication.status == "candidate":
        typer.echo(
            f"candidate {publication.path} (version {publication.version}, reference year "
            f"{publication.reference_year}) waits for a decision: "
            f"{publication.flagged_changes} flagged change(s); readers still see the released "
            "version. Review it with `metiers review`, then `metiers release` or "
            "`metiers reject --reason TEXT`"
        )
    else:
        typer.echo(
            f"published {publication.path} (version {publication.version}, "
            f"reference year {publication.reference_year})"
        )
    for source in publication.excluded_sources:
        typer.echo(
            f"warning: optional source '{source}' was left out: a file failed validation "
            "(see meta_sources and the quarantine reports)",
            err=True,
        )
    for problem in publication.rejected:
        typer.echo(f"  - {problem}", err=True)
    if publication.flagged_changes and publication.status != "candidate":
        typer.echo(
            f"{publication.flagged_changes} figure change(s) were flagged (released under the "
            "policy of [release] in sources.toml): `metiers changes --flagged`"
        )


@app.command()
def validate(
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
) -> None:
    """Ingest and validate every raw file without building or publishing anything. Exit 1
    when a file is rejected; quarantine reports and the HTML report are written as in a
    refresh."""
    prepare_environment()
    from metiers.refresh.pipeline import validate_only

    settings = Settings(raw_dir=raw_dir, marts_dir=marts_dir, sources_file=sources)
    check_folders(settings)
    report = validate_only(settings)
    for item in report.files:
        status = "ok" if item.accepted else f"REJECTED ({len(item.problems)} problem(s))"
        typer.echo(f"{item.source:<20} {Path(item.raw_path).name:<40} {status}")
        for problem in item.problems[:5]:
            typer.echo(f"    - {problem.describe()}")
        if item.report:
            typer.echo(f"    report: {item.report}")
    if report.html:
        typer.echo(f"validation report: {report.html}")
    if any(not item.accepted for item in report.files):
        raise typer.Exit(EXIT_DATA_REJECTED)


@app.command()
def rollback(
    version: Annotated[
        str | None,
        typer.Argument(help="Version to publish again [default: the one before the current]."),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="Why (required): recorded in meta_releases and in the notes."
        ),
    ] = "",
    decided_by: Annotated[
        str | None,
        typer.Option("--by", help="Who decides [default: the operating system user]."),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Release an earlier version from history again, atomically: a release like any other,
    with its reason, logged (`metiers releases`) and announced in its notes."""
    from metiers.publish.release import rollback as roll_back

    restored = roll_back(Settings(marts_dir=marts_dir), version, reason, decided_by)
    typer.echo(f"published version {restored} again")


@app.command()
def schedule(
    cron: Annotated[
        str, typer.Option("--cron", help="When to refresh, as a 5-field cron string.")
    ] = SCHEDULE_CRON,
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone the cron string is read in.")
    ] = SCHEDULE_TIMEZONE,
    name: Annotated[str, typer.Option("--name", help="Deployment name.")] = SCHEDULE_NAME,
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
) -> None:
    """Serve the refresh flow as the Prefect deployment `refresh/NAME` with a cron schedule
    (default: monthly, on the 1st at 06:00 Europe/Brussels). Needs a real Prefect server
    (`prefect server start`) and PREFECT_API_URL; runs until stopped, executing each
    scheduled or manually triggered run."""
    prepare_environment()
    from metiers.flows.schedule import serve_refresh

    serve_refresh(
        {
            "raw_dir": str(raw_dir.resolve()),
            "marts_dir": str(marts_dir.resolve()),
            "sources_file": str(sources.resolve()),
        },
        cron=cron,
        timezone=timezone,
        name=name,
    )
