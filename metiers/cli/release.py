"""The commands that decide what readers see: `review` (the candidate's flagged changes, and
an HTML page of the cards before and after), `release` (now or at an embargo time),
`reject`, `notes` (a release's notes in FR/NL/EN) and `releases` (the release log)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from metiers.cli.options import (
    Lang,
    LangOption,
    ListingFormat,
    MartsDir,
    SourcesFile,
    TextOrJson,
    output_file_callback,
)
from metiers.core.config import Settings
from metiers.core.errors import UsageError
from metiers.core.paths import DEFAULT_MARTS_DIR, DEFAULT_SOURCES_FILE

app = typer.Typer()
BRUSSELS = ZoneInfo("Europe/Brussels")

DecidedBy = Annotated[
    str | None,
    typer.Option("--by", help="Who decides [default: the operating system user]."),
]
Version = Annotated[
    str | None,
    typer.Option(
        "--version",
        help="The candidate's version, to be sure the decision is about the one reviewed.",
    ),
]


@app.command()
def review(
    output: ListingFormat = TextOrJson.text,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write an HTML review page: the changes and, per métier, the released "
            "and candidate cards side by side.",
            dir_okay=False,
            callback=output_file_callback,
        ),
    ] = None,
    lang: LangOption = Lang.fr,
    every_change: Annotated[
        bool, typer.Option("--all", help="List the changes that are not flagged too.")
    ] = False,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
) -> None:
    """The candidate's flagged changes against the released version, per métier, with the
    old and new display strings in French, Dutch and English."""
    import polars as pl

    from metiers.core.source_registry import load_change_threshold
    from metiers.publish.changes import changes_in_languages
    from metiers.publish.release import read_candidate

    settings = Settings(marts_dir=marts_dir, sources_file=sources)
    candidate = read_candidate(settings)
    if candidate is None or candidate.status not in ("waiting", "scheduled"):
        latest = f" (the latest, {candidate.version}, is {candidate.status})" if candidate else ""
        raise UsageError(f"no candidate waits for a decision in {marts_dir}{latest}")
    if not settings.published_path.exists():
        raise UsageError(f"no released version at {settings.published_path} to compare with")
    rows = changes_in_languages(
        settings.candidate_path,
        settings.published_path,
        load_change_threshold(settings.sources_file),
    )
    if not every_change:
        rows = rows.filter(pl.col("flagged"))
    summary = {
        "candidate": candidate.version,
        "status": candidate.status,
        "release_at": candidate.release_at,
        "released_version": rows["previous_version"][0] if rows.height else None,
        "flagged_changes": int(rows["flagged"].sum()) if rows.height else 0,
        "changes": rows.to_dicts(),
    }
    if html is not None:
        _write_review_page(settings, rows, candidate.version, lang.value, html)
    if output is TextOrJson.json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        waiting = (
            f"scheduled for {candidate.release_at}"
            if candidate.status == "scheduled"
            else "waiting for a decision"
        )
        typer.echo(
            f"candidate {candidate.version} ({waiting}): {summary['flagged_changes']} flagged "
            f"change(s) against the released version"
        )
        for slug in rows["slug"].unique(maintain_order=True).to_list():
            typer.echo(f"\n{slug}")
            for row in rows.filter(pl.col("slug") == slug).iter_rows(named=True):
                mark = "!" if row["flagged"] else " "
                typer.echo(f" {mark} {row['indicator']}: {row['reason'] or ''} ({row['cause']})")
                for code in ("fr", "nl", "en"):
                    old = row[f"old_display_{code}"] or "—"
                    new = row[f"new_display_{code}"] or "—"
                    typer.echo(f"     {code}: {old} -> {new}")
        typer.echo("\ndecide with `metiers release [--at TIME]` or `metiers reject --reason TEXT`")
    if html is not None:
        typer.echo(f"wrote {html}", err=output is TextOrJson.json)


def _write_review_page(
    settings: Settings, rows: object, version: str, lang: str, out: Path
) -> None:
    import duckdb

    from metiers.present import page, review_page

    slugs = rows["slug"].unique(maintain_order=True).to_list()  # type: ignore[attr-defined]
    cards: dict[str, tuple[str | None, str | None]] = {}
    with (
        duckdb.connect(str(settings.published_path), read_only=True) as before,
        duckdb.connect(str(settings.candidate_path), read_only=True) as after,
    ):
        released = before.execute("SELECT max(version) FROM meta_publication").fetchall()[0][0]
        titles = dict(
            after.execute("SELECT slug, title FROM metier_cards WHERE lang = ?", [lang]).fetchall()
        )
        for slug in slugs:
            cards[slug] = (_page_or_none(page, before, slug, lang), page.render(after, slug, lang))
    document = review_page.render(
        rows.to_dicts(),  # type: ignore[attr-defined]
        cards,
        candidate=version,
        released=released,
        lang=lang,
        titles=titles,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(document, encoding="utf-8")


def _page_or_none(page: object, connection: object, slug: str, lang: str) -> str | None:
    """The released card of a métier, or None when the released version does not have it."""
    try:
        return page.render(connection, slug, lang)  # type: ignore[attr-defined]
    except UsageError:
        return None


@app.command("release")
def release_command(
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Embargo: release at this time (ISO 8601; Europe/Brussels without an offset). "
            "The candidate becomes visible at the first `metiers release --due`, refresh or "
            "release check at or after it, never before.",
        ),
    ] = None,
    due: Annotated[
        bool,
        typer.Option(
            "--due",
            help="Only release a scheduled candidate whose embargo time has come (for cron "
            "or a timer; does nothing otherwise).",
        ),
    ] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (recorded).")] = None,
    decided_by: DecidedBy = None,
    version: Version = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
    sources: SourcesFile = DEFAULT_SOURCES_FILE,
) -> None:
    """Approve the candidate: readers see it now, or from the --at time on."""
    from metiers.publish.release import parse_time, release, release_due

    settings = Settings(marts_dir=marts_dir, sources_file=sources)
    if due:
        if at is not None:
            raise UsageError("--due releases what is due now: it takes no --at")
        outcome = release_due(settings)
        if outcome is None:
            typer.echo("nothing due")
            return
    else:
        outcome = release(
            settings,
            decided_by=decided_by,
            reason=reason,
            at=parse_time(at) if at else None,
            version=version,
        )
    if outcome.status == "scheduled" and outcome.release_at is not None:
        local = outcome.release_at.astimezone(BRUSSELS)
        typer.echo(
            f"version {outcome.version} scheduled for release at {local.isoformat()} "
            f"(Europe/Brussels); readers see the current version until then"
        )
    else:
        typer.echo(f"released version {outcome.version} to {outcome.path}")


@app.command()
def reject(
    reason: Annotated[str, typer.Option("--reason", help="Why (required, recorded).")] = "",
    decided_by: DecidedBy = None,
    version: Version = None,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """Refuse the candidate: it is kept under MARTS_DIR/candidate/rejected for inspection
    and never released; readers keep the released version."""
    from metiers.publish.release import reject as refuse

    outcome = refuse(Settings(marts_dir=marts_dir), reason, decided_by=decided_by, version=version)
    typer.echo(f"rejected version {outcome.version}; kept for inspection at {outcome.path}")


@app.command()
def notes(
    version: Annotated[
        str | None,
        typer.Argument(help="A released version (see `metiers history`) [default: the current]."),
    ] = None,
    lang: LangOption = Lang.fr,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """The release notes of a release, ready to publish: what changed and why."""
    from metiers.publish.publication import history_path
    from metiers.publish.release import read_notes

    settings = Settings(marts_dir=marts_dir)
    path = history_path(settings, version) if version else settings.published_path
    if not path.is_file():
        where = "in history (see `metiers history`)" if version else f"at {path}"
        raise UsageError(f"no released version {version or ''} {where}".replace("  ", " "))
    found, lines = read_notes(path, lang.value)
    if not lines:
        raise UsageError(f"version {found} has no release notes (released before notes existed)")
    typer.echo("\n".join(lines))


@app.command()
def releases(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many decisions.")] = 20,
    output: ListingFormat = TextOrJson.text,
    marts_dir: MartsDir = DEFAULT_MARTS_DIR,
) -> None:
    """The release log, newest first: every candidate released (automatically, approved,
    at an embargo time), rejected, superseded or rolled back to, by whom, when and why."""
    from metiers.publish.release import read_candidate, read_decisions

    settings = Settings(marts_dir=marts_dir)
    decisions = list(reversed(read_decisions(settings)))[:limit]
    if output is TextOrJson.json:
        typer.echo(json.dumps(decisions, ensure_ascii=False, indent=2))
        return
    candidate = read_candidate(settings)
    if candidate is not None and candidate.status in ("waiting", "scheduled"):
        typer.echo(f"candidate {candidate.version}: {candidate.status}")
    if not decisions:
        typer.echo(f"no release decision in {settings.marts_dir}", err=True)
        return
    for row in decisions:
        when = row.get("decided_at") or ""
        reason = f"  ({row['reason']})" if row.get("reason") else ""
        embargo = f"  at {row['release_at']}" if row.get("release_at") else ""
        typer.echo(
            f"{when[:19]}  {row['action']:<22} {row['version']}  by {row.get('decided_by')}"
            f"{embargo}{reason}"
        )
