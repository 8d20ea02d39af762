"""The commands that say what happened: `history` (published versions), `runs` (refresh
runs), `status` (freshness of each source) and `changes` (figures that moved)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from metiers.cli.options import (
    CandidateOption,
    ChangesFormat,
    ListingFormat,
    MartsDir,
    RawDir,
    SourcesFile,
    TableCsvOrJson,
    TableFormat,
    TableOrJson,
    TextOrJson,
)
from metiers.core.config import Settings
from metiers.core.errors import EXIT_DATA_REJECTED, EXIT_USAGE, UsageError
from metiers.core.paths import DEFAULT_MARTS_DIR, DEFAULT_RAW_DIR, DEFAULT_SOURCES_FILE

app = typer.Typer()


@app.command("history")
def history_command(
    output: ListingFormat = TextOrJson.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """List the published versions kept under MARTS_DIR/history, newest first."""
    from metiers.publish.publication import history

    rows = history(Settings(marts_dir=marts_dir))
    if output is TextOrJson.json:
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
def runs(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs to show.")] = 10,
    output: TableFormat = TableOrJson.table,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """The latest refresh runs, newest first: status, mode, files read and reused, warnings
    (a count in the table, the list in JSON), seconds per stage, and the task and reason of
    a failed run (from MARTS_DIR/runs.jsonl)."""
    from metiers.publish.runs import read_runs, runs_log_path

    settings = Settings(marts_dir=marts_dir)
    log = read_runs(settings)
    recorded = list(reversed(log))[:limit]
    if log.skipped:
        typer.echo(
            f"warning: {log.skipped} line(s) of {runs_log_path(settings)} skipped: not a run "
            "record",
            err=True,
        )
    if output is TableOrJson.json:
        typer.echo(json.dumps(recorded, ensure_ascii=False, indent=2))
        return
    if not recorded:
        typer.echo(f"no run recorded in {runs_log_path(settings)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    typer.echo(
        f"{'run':<24} {'started (UTC)':<20} {'secs':>6}  {'mode':<11} {'status':<9} "
        f"{'read':>4} {'reused':>6} {'warn':>4}  version / failure"
    )
    for run in recorded:
        inputs = run.get("inputs", [])
        read = sum(1 for item in inputs if item["intake"] == "ingested")
        seconds = sum(run.get("seconds_per_stage", {}).values())
        outcome = run.get("version") or ""
        if run["status"] in ("failed", "rejected"):
            outcome = f"{run.get('failed_task') or '?'}: {run.get('error') or ''}"
        decision = run.get("decision")
        if isinstance(decision, dict) and decision.get("by"):
            outcome += f" (by {decision['by']}"
            outcome += f": {decision['reason']})" if decision.get("reason") else ")"
        typer.echo(
            f"{run['run_id']:<24} {run['started_at'][:19].replace('T', ' '):<20} "
            f"{seconds:>6.1f}  {run['mode']:<11} {run['status']:<9} {read:>4} "
            f"{len(inputs) - read:>6} {len(run.get('warnings', [])):>4}  {outcome}"
        )


@app.command()
def status(
    raw_dir: RawDir = DEFAULT_RAW_DIR,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
    output: TableFormat = TableOrJson.table,
    fail_on_stale: Annotated[
        bool,
        typer.Option("--fail-on-stale", help="Exit 1 when a source is older than its cadence."),
    ] = False,
) -> None:
    """Freshness: the last release, the candidate waiting for a decision, the last run, and
    each source's age against the cadence it declares (sources.toml cadence_days); stale
    sources are marked."""
    from metiers.publish.status import status_report

    report = status_report(Settings(raw_dir=raw_dir, marts_dir=marts_dir, sources_file=sources))
    if output is TableOrJson.json:
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
        candidate = report["candidate"]
        if candidate:
            when = f", release at {candidate['release_at']}" if candidate["release_at"] else ""
            typer.echo(
                f"candidate: version {candidate['version']} {candidate['status']} "
                f"({candidate['flagged_changes']} flagged change(s){when}): `metiers review`"
            )
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
    output: ChangesFormat = TableCsvOrJson.table,
    candidate: CandidateOption = False,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Figures that moved between publications, for the content team to review: by default
    the released version's changes against the one released before it; with --candidate,
    the candidate's against the released version."""
    import polars as pl

    from metiers.core.source_registry import load_change_threshold
    from metiers.present import mart
    from metiers.present.export import csv_safe_frame
    from metiers.publish.changes import changes_since
    from metiers.publish.publication import history_path

    settings = Settings(marts_dir=marts_dir)
    if since:
        earlier = history_path(settings, since)
        if not earlier.exists():
            raise UsageError(f"version {since} is not in history (see `metiers history`)")
        current = settings.candidate_path if candidate else settings.published_path
        if not current.exists():
            raise UsageError(f"no file at {current}")
        rows = changes_since(current, earlier, load_change_threshold(settings.sources_file))
    else:
        with mart.connect_published(marts_dir, candidate=candidate) as connection:
            rows = connection.sql("SELECT * FROM figure_changes").pl()
    if flagged:
        rows = rows.filter(pl.col("flagged"))
    if output is TableCsvOrJson.json:
        typer.echo(json.dumps(rows.to_dicts(), ensure_ascii=False, indent=2, default=str))
    elif output is TableCsvOrJson.csv:
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
