"""The `metiers` command: parses, calls the library, prints. Exit codes: 0 published or done,
1 data rejected, 2 usage error, 3 internal error."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from metiers.config import (
    DEFAULT_MARTS_DIR,
    DEFAULT_MIN_RECORDS,
    DEFAULT_RAW_DIR,
    DEFAULT_SOURCES_FILE,
    SCHEDULE_CRON,
    SCHEDULE_NAME,
    SCHEDULE_TIMEZONE,
    Settings,
    prepare_environment,
)
from metiers.errors import EXIT_DATA_REJECTED, EXIT_INTERNAL, EXIT_USAGE, MetiersError

app = typer.Typer(
    help="Métiers en chiffres: labour-market figures per occupation, from raw files to a "
    "published DuckDB mart and the 'Le métier en chiffres' card.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class Lang(StrEnum):
    fr = "fr"
    nl = "nl"
    en = "en"


class TaskRunner(StrEnum):
    default = "default"
    dask = "dask"


class CardFormat(StrEnum):
    text = "text"
    json = "json"


# Commands that write into their folders (the others only read the published file).
WRITING_COMMANDS = {"refresh", "validate", "rollback", "schedule"}


def folder_problem(path: Path, writable: bool) -> str | None:
    """Why `path` cannot serve as a folder (it is a file, lies under a file, or cannot be
    read, written or created); None when it can. Checked before any work, so an operator's
    slip is a usage error (exit 2), not an internal one."""
    path = Path(os.path.abspath(path))
    if path.is_symlink() and not path.exists():
        return f"{path} is a link to nothing"
    if path.exists():
        if not path.is_dir():
            return f"{path} is a file, not a folder"
        if not os.access(path, os.R_OK | os.X_OK):
            return f"{path} cannot be read (permission denied)"
        if writable and not os.access(path, os.W_OK):
            return f"{path} cannot be written (permission denied or read-only file system)"
        return None
    for parent in path.parents:
        if parent.is_symlink() and not parent.exists():
            return f"{path} cannot be created: {parent} is a link to nothing"
        if not parent.exists():
            continue
        if not parent.is_dir():
            return f"{path} cannot be a folder: {parent} is a file"
        if writable and not os.access(parent, os.W_OK | os.X_OK):
            return f"{path} cannot be created: {parent} cannot be written"
        return None
    return None


def output_file_problem(path: Path) -> str | None:
    """Why a file cannot be written at `path`; None when it can."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} cannot be written (permission denied)"
    return folder_problem(path.parent, writable=True)


def _folder_option(ctx: typer.Context, value: Path | None) -> Path | None:
    if value is not None and not ctx.resilient_parsing:
        problem = folder_problem(value, writable=ctx.info_name in WRITING_COMMANDS)
        if problem:
            raise typer.BadParameter(problem)
    return value


def _output_folder_option(ctx: typer.Context, value: Path) -> Path:
    if not ctx.resilient_parsing:
        problem = folder_problem(value, writable=True)
        if problem:
            raise typer.BadParameter(problem)
    return value


def _raw_folder_option(ctx: typer.Context, value: Path | None) -> Path | None:
    if value is not None and not ctx.resilient_parsing:
        problem = folder_problem(value, writable=False)
        if problem:
            raise typer.BadParameter(problem)
    return value


def _output_file_option(ctx: typer.Context, value: Path | None) -> Path | None:
    if value is not None and not ctx.resilient_parsing:
        problem = output_file_problem(value)
        if problem:
            raise typer.BadParameter(problem)
    return value


def _registry_option(ctx: typer.Context, value: Path) -> Path:
    """The registry is read once here, so a missing or malformed one is a usage error."""
    if ctx.resilient_parsing:
        return value
    from metiers.sources.registry import RegistryError, load_registry

    try:
        load_registry(value.resolve())
    except (RegistryError, OSError) as error:
        raise typer.BadParameter(str(error)) from None
    return value


MartsDir = Annotated[
    Path,
    typer.Option(
        "--marts-dir",
        help="Folder of the published metiers.duckdb.",
        file_okay=False,
        callback=_folder_option,
    ),
]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of titles and strings.")]
RawDir = Annotated[
    Path,
    typer.Option(
        "--raw-dir",
        help="Raw sources, one folder per source.",
        file_okay=False,
        callback=_raw_folder_option,
    ),
]
SourcesFile = Annotated[
    Path,
    typer.Option(
        "--sources", help="Source registry (TOML).", dir_okay=False, callback=_registry_option
    ),
]


class _StderrHandler(logging.StreamHandler):
    """Writes to the standard error of the moment, not the one it was made with (a test
    runner swaps it for every command it invokes)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current sys.stderr: a stream handed in is ignored."""


def _fail(error: BaseException) -> typer.Exit:
    if isinstance(error, MetiersError):
        typer.echo(f"error: {error}", err=True)
        return typer.Exit(error.exit_code)
    typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
    return typer.Exit(EXIT_INTERNAL)


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
            callback=_folder_option,
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
            callback=_registry_option,
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
            from metiers.errors import UsageError

            raise UsageError("--task-runner and --dask-address need the Prefect flow")
        settings = Settings(
            raw_dir=raw_dir,
            marts_dir=marts_dir,
            staging_dir=staging_dir,
            min_records=min_records,
            sources_file=sources,
            data_docs=report,
        )
        _check_folders(settings)
        publication = None
        if not full:
            from metiers.pipeline import refresh_if_unchanged

            publication = refresh_if_unchanged(settings, trigger="cli")
        if publication is None and prefect:
            from metiers import orchestrator

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
            from metiers.pipeline import run_refresh

            # Our progress lines only: the libraries' own INFO chatter stays quiet. One
            # handler per process (tests invoke the command many times).
            progress = logging.getLogger("metiers")
            if not any(isinstance(item, _StderrHandler) for item in progress.handlers):
                handler = _StderrHandler()
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                progress.addHandler(handler)
            progress.setLevel(logging.INFO)
            publication = run_refresh(settings, full=full)
    except Exception as error:
        raise _fail(error) from None
    finally:
        # The interpreter's last collection walks every object Prefect, GX and polars
        # made (0.7 s after a flow run); frozen, they are left to the process's exit.
        gc.freeze()
    if publication.status == "unchanged":
        typer.echo(
            f"unchanged: no input changed since version {publication.version}; "
            f"{publication.path} was left as it is (use --full to rebuild)"
        )
        return
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
    if publication.flagged_changes:
        typer.echo(
            f"{publication.flagged_changes} figure change(s) need review: "
            "`metiers changes --flagged`"
        )


@app.command()
def figures(
    slug: Annotated[str, typer.Argument(help="Slug of the métier, see `metiers list`.")],
    lang: LangOption = Lang.fr,
    output: Annotated[
        CardFormat, typer.Option("--format", help="text draws the card; json gives every figure.")
    ] = CardFormat.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Show the card of one métier from the published mart."""
    from metiers import cards, mart

    try:
        with mart.connect_published(marts_dir) as connection:
            if output is CardFormat.json:
                document = mart.card_document(connection, slug, lang.value)
            else:
                figures_row, card = mart.metier(connection, slug, lang.value)
    except Exception as error:
        raise _fail(error) from None
    if output is CardFormat.json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))
    else:
        typer.echo(cards.render_text(figures_row, card, lang.value))


@app.command("list")
def list_command(
    lang: LangOption = Lang.fr,
    output: Annotated[CardFormat, typer.Option("--format", help="text or json.")] = CardFormat.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """List the métiers of the published mart."""
    from metiers import display, mart

    try:
        with mart.connect_published(marts_dir) as connection:
            rows = mart.list_metiers(connection, lang.value)
    except Exception as error:
        raise _fail(error) from None
    if output is CardFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(row["slug"]) for row in rows), default=4)
    for row in rows:
        count = (
            display.headcount(row["headcount"], lang.value) if row["headcount"] is not None else "—"
        )
        typer.echo(f"{row['slug']:<{width}}  {row['esco_code']:<10} {count:>8}  {row['title']}")


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Words to look for, e.g. 'monteuse'.")],
    lang: Annotated[
        Lang | None,
        typer.Option("--lang", help="Search labels of this language only [default: all]."),
    ] = None,
    output: Annotated[CardFormat, typer.Option("--format", help="text or json.")] = CardFormat.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Find métiers by title or ESCO label, ignoring case and accents."""
    from metiers import mart

    try:
        with mart.connect_published(marts_dir) as connection:
            rows = mart.search(connection, text, lang.value if lang else None)
    except Exception as error:
        raise _fail(error) from None
    if output is CardFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo(f"no métier matches '{text}'", err=True)
        raise typer.Exit(1)
    width = max(len(row["slug"]) for row in rows)
    for row in rows:
        typer.echo(
            f"{row['slug']:<{width}}  {row['title']}  "
            f"[{row['matched_in']} ({row['matched_lang']}): {row['matched_label']}]"
        )


@app.command("history")
def history_command(
    output: Annotated[CardFormat, typer.Option("--format", help="text or json.")] = CardFormat.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """List the published versions kept under MARTS_DIR/history, newest first."""
    from metiers.config import Settings
    from metiers.publish import history

    rows = history(Settings(marts_dir=marts_dir))
    if output is CardFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        typer.echo(f"no version in {Settings(marts_dir=marts_dir).history_dir}", err=True)
        raise typer.Exit(EXIT_USAGE)
    for row in rows:
        if "error" in row:
            typer.echo(f"  {row['version']}  unreadable: {row['error']}")
            continue
        marker = "*" if row["current"] else " "
        excluded = (
            f"  excluded: {', '.join(row['excluded_sources'])}" if row["excluded_sources"] else ""
        )
        typer.echo(
            f"{marker} {row['version']}  run {row['run_id']}  published {row['published_at']}  "
            f"inputs {row['inputs_digest']} ({row['input_files']} files){excluded}"
        )


@app.command()
def rollback(
    version: Annotated[
        str | None,
        typer.Argument(help="Version to publish again [default: the one before the current]."),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Publish an earlier version from history again, atomically."""
    from metiers.config import Settings
    from metiers.publish import rollback as roll_back

    try:
        restored = roll_back(Settings(marts_dir=marts_dir), version)
    except Exception as error:
        raise _fail(error) from None
    typer.echo(f"published version {restored} again")


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
    from metiers.config import Settings
    from metiers.pipeline import validate_only

    settings = Settings(raw_dir=raw_dir, marts_dir=marts_dir, sources_file=sources)
    try:
        _check_folders(settings)
        report = validate_only(settings)
    except Exception as error:
        raise _fail(error) from None
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


class ChangesFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def changes(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Compare with this version from history [default: the "
            "publication before the current one].",
        ),
    ] = None,
    flagged: Annotated[
        bool, typer.Option("--flagged", help="Only the changes that need review.")
    ] = False,
    output: Annotated[
        ChangesFormat, typer.Option("--format", help="table, csv (UTF-8 with BOM) or json.")
    ] = ChangesFormat.table,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Figures that moved between publications, for the content team to review."""
    import polars as pl

    from metiers import mart
    from metiers.changes import changes_since
    from metiers.config import Settings
    from metiers.export import csv_safe_frame
    from metiers.publish import history_path
    from metiers.sources.registry import load_change_threshold

    settings = Settings(marts_dir=marts_dir)
    try:
        if since:
            earlier = history_path(settings, since)
            if not earlier.exists():
                raise _usage(f"version {since} is not in history (see `metiers history`)")
            rows = changes_since(
                settings.published_path, earlier, load_change_threshold(settings.sources_file)
            )
        else:
            with mart.connect_published(marts_dir) as connection:
                rows = connection.sql("SELECT * FROM figure_changes").pl()
    except Exception as error:
        raise _fail(error) from None
    if flagged:
        rows = rows.filter(pl.col("flagged"))
    if output is ChangesFormat.json:
        typer.echo(json.dumps(rows.to_dicts(), ensure_ascii=False, indent=2, default=str))
    elif output is ChangesFormat.csv:
        sys.stdout.write("\ufeff" + csv_safe_frame(rows).write_csv())
    else:
        for row in rows.iter_rows(named=True):
            mark = "!" if row["flagged"] else " "
            typer.echo(
                f"{mark} {row['slug']:<45} {row['indicator']:<22} "
                f"{row['old_display'] or '—':>14} -> {row['new_display'] or '—':<14} "
                f"{row['reason'] or ''}"
            )
        if rows.is_empty():
            typer.echo("no change", err=True)


class TableFormat(StrEnum):
    table = "table"
    json = "json"


@app.command()
def runs(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs to show.")] = 10,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table or json.")
    ] = TableFormat.table,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """The latest refresh runs, newest first: status, mode, files read and reused, seconds
    per stage, and the task and reason of a failed run (from MARTS_DIR/runs.jsonl)."""
    from metiers.config import Settings
    from metiers.runs import read_runs, runs_log_path

    settings = Settings(marts_dir=marts_dir)
    log = read_runs(settings)
    recorded = list(reversed(log))[:limit]
    if log.skipped:
        typer.echo(
            f"warning: {log.skipped} line(s) of {runs_log_path(settings)} skipped: not a run "
            "record",
            err=True,
        )
    if output is TableFormat.json:
        typer.echo(json.dumps(recorded, ensure_ascii=False, indent=2))
        return
    if not recorded:
        typer.echo(f"no run recorded in {runs_log_path(settings)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    typer.echo(
        f"{'run':<24} {'started (UTC)':<20} {'secs':>6}  {'mode':<11} {'status':<9} "
        f"{'read':>4} {'reused':>6}  version / failure"
    )
    for run in recorded:
        inputs = run.get("inputs", [])
        read = sum(1 for item in inputs if item["intake"] == "ingested")
        seconds = sum(run.get("seconds_per_stage", {}).values())
        outcome = run.get("version") or ""
        if run["status"] in ("failed", "rejected"):
            outcome = f"{run.get('failed_task') or '?'}: {run.get('error') or ''}"
        typer.echo(
            f"{run['run_id']:<24} {run['started_at'][:19].replace('T', ' '):<20} "
            f"{seconds:>6.1f}  {run['mode']:<11} {run['status']:<9} {read:>4} "
            f"{len(inputs) - read:>6}  {outcome}"
        )


@app.command()
def status(
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table or json.")
    ] = TableFormat.table,
    fail_on_stale: Annotated[
        bool,
        typer.Option("--fail-on-stale", help="Exit 1 when a source is older than its cadence."),
    ] = False,
) -> None:
    """Freshness: the last publication, the last run, and each source's age against the
    cadence it declares (sources.toml cadence_days); stale sources are marked."""
    from metiers.config import Settings
    from metiers.status import status_report

    report = status_report(Settings(raw_dir=raw_dir, marts_dir=marts_dir, sources_file=sources))
    if output is TableFormat.json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        publication = report["publication"]
        if publication:
            typer.echo(
                f"published: version {publication['version']} at {publication['published_at']} "
                f"({publication['age_days']:.1f} days ago), reference year "
                f"{publication['reference_year']}"
            )
        else:
            typer.echo(f"published: nothing yet in {marts_dir}")
        last = report["last_run"]
        if last:
            failure = f" in {last['failed_task']}: {last['error']}" if last.get("error") else ""
            typer.echo(f"last run:  {last['run_id']} {last['status']}{failure}")
        if report["skipped_run_lines"]:
            typer.echo(
                f"run log:   {report['skipped_run_lines']} line(s) skipped: not a run record"
            )
        typer.echo(
            f"\n{'source':<20} {'cadence':>8} {'age':>8} {'files':>5}  {'state':<6} newest file"
        )
        for row in report["sources"]:
            cadence = f"{row['cadence_days']}d" if row["cadence_days"] is not None else "—"
            age = f"{row['age_days']:.0f}d" if row["age_days"] is not None else "—"
            state = "STALE" if row["stale"] else "ok"
            typer.echo(
                f"{row['source_id']:<20} {cadence:>8} {age:>8} {row['files']:>5}  {state:<6} "
                f"{row['newest_file'] or '—'}"
            )
    if fail_on_stale and report["stale_sources"]:
        raise typer.Exit(EXIT_DATA_REJECTED)


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
    try:
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
    except Exception as error:
        raise _fail(error) from None


@app.command()
def dictionary(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the markdown here (e.g. docs/data-dictionary.md), not stdout.",
            dir_okay=False,
            callback=_output_file_option,
        ),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Print the data dictionary of the published mart, from its table and column comments."""
    from metiers import mart
    from metiers.dictionary import render

    try:
        with mart.connect_published(marts_dir) as connection:
            text = render(connection)
    except Exception as error:
        raise _fail(error) from None
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; loopback unless you mean otherwise.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
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
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Serve the published mart read-only over HTTP (JSON, HTML card, OpenAPI schema at
    /openapi.json). A refresh or rollback is picked up by the next request, no restart."""
    from metiers.api import ApiSettings
    from metiers.api import serve as run_server

    run_server(
        ApiSettings(marts_dir=marts_dir, cors_origins=tuple(cors_origin or ())),
        host=host,
        port=port,
        access_log=access_log,
    )


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    parquet = "parquet"


@app.command()
def export(
    output: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="json: one file per métier plus index.json; csv: cards.csv; parquet: one "
            "file per mart table.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder to write into.", file_okay=False, callback=_output_folder_option
        ),
    ],
    separator: Annotated[
        str,
        typer.Option(
            "--separator",
            help="CSV separator: ',' or ';' (';' also writes decimal commas, for spreadsheets "
            "set to Belgian locales).",
        ),
    ] = ",",
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Export the published mart (read-only) as JSON, CSV or Parquet files."""
    from metiers.export import export as write_export

    try:
        written = write_export(marts_dir, out, output.value, separator)
    except Exception as error:
        raise _fail(error) from None
    typer.echo(f"wrote {len(written)} file(s) to {out}")


@app.command()
def card(
    slug: Annotated[str, typer.Argument(help="Slug of the métier, see `metiers list`.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="HTML file to write.", dir_okay=False, callback=_output_file_option
        ),
    ],
    lang: LangOption = Lang.fr,
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg",
            help="Also write the headcount trend chart to this SVG file.",
            dir_okay=False,
            callback=_output_file_option,
        ),
    ] = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Write the card of one métier as a self-contained HTML page (no network needed to view
    it), with the headcount trend chart inline."""
    from metiers import mart, page

    try:
        with mart.connect_published(marts_dir) as connection:
            html = page.render(connection, slug, lang.value)
            chart = page.render_trend_svg(connection, slug, lang.value) if svg else None
    except Exception as error:
        raise _fail(error) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {out}")
    if svg and chart is not None:
        svg.parent.mkdir(parents=True, exist_ok=True)
        svg.write_text(chart, encoding="utf-8")
        typer.echo(f"wrote {svg}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run, e.g. 'SELECT * FROM metier_trend'.")],
    output: Annotated[
        ChangesFormat, typer.Option("--format", help="table, csv or json.")
    ] = ChangesFormat.table,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Run read-only SQL on the published file; statements that write are refused."""
    from metiers.query import as_csv, as_json, as_table, run_query

    try:
        result = run_query(sql, marts_dir)
    except Exception as error:
        raise _fail(error) from None
    if output is ChangesFormat.json:
        typer.echo(as_json(result))
    elif output is ChangesFormat.csv:
        sys.stdout.write(as_csv(result))
    else:
        typer.echo(as_table(result))


prefect_app = typer.Typer(
    help="The project's local Prefect server, on which `metiers refresh` runs its flow: "
    "Prefect's API, UI and run history on loopback, state in PREFECT_HOME.",
    no_args_is_help=True,
)
app.add_typer(prefect_app, name="prefect")


@prefect_app.command("start")
def prefect_start() -> None:
    """Start the local server (or find it running) and print its address; it stops after
    METIERS_PREFECT_SERVER_IDLE_MINUTES (default 30) without a request."""
    from metiers import orchestrator

    prepare_environment()
    try:
        server = orchestrator.begin()
        record = server.wait()
    except Exception as error:
        raise _fail(error) from None
    state = "started" if server.started else "already running"
    typer.echo(f"{state}: {record.url} (pid {record.pid})")
    typer.echo(f"export PREFECT_API_URL={record.api_url}")


@prefect_app.command("status")
def prefect_status(
    output: Annotated[
        CardFormat, typer.Option("--format", help="text, or json for scripts.")
    ] = CardFormat.text,
) -> None:
    """Say which Prefect server a refresh would use, and whether the local one runs."""
    from metiers import orchestrator

    prepare_environment()
    try:
        report = orchestrator.status()
    except Exception as error:
        raise _fail(error) from None
    if output == CardFormat.json:
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


@prefect_app.command("stop")
def prefect_stop() -> None:
    """Stop the local server now (a later refresh starts it again)."""
    from metiers import orchestrator

    prepare_environment()
    try:
        stopped = orchestrator.stop()
    except Exception as error:
        raise _fail(error) from None
    typer.echo("stopped" if stopped else "not running")


def _check_folders(settings: Settings) -> None:
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
            raise _usage(problem)


def _usage(message: str) -> Exception:
    from metiers.errors import UsageError

    return UsageError(message)


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
