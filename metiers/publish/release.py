"""Candidate, decision, release: readers see a new version only once it is released.

A refresh that validates publishes a *candidate* (MARTS_DIR/candidate/metiers.duckdb, read
only, with its state in candidate.json). The release policy (`[release]` in sources.toml)
says whether it needs a decision: by default only when it has a flagged change against the
released version (figure_changes). Without one it is released at once; otherwise it waits
for `metiers release` (now, or at an embargo time), `metiers reject`, or the decision of a
paused Prefect run. The first release of an empty history never waits.

Releasing copies the candidate, compares it once more with the version readers see (it may
have changed since: a rollback), writes its revisions (metier_revisions), its release notes
(meta_release_notes) and the release log so far (meta_releases), keeps it in history/ and
swaps it in with one atomic rename (metiers.publish.publication.go_live). Every decision is
appended to MARTS_DIR/releases.jsonl. A rejected candidate moves to candidate/rejected/ and
is never released. A rollback is a release too, with its reason, logged and in the notes.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from metiers.core.config import Settings
from metiers.core.errors import UsageError
from metiers.core.source_registry import load_change_threshold, load_release_policy
from metiers.core.timing import timed_stage
from metiers.publish import release_notes
from metiers.publish.changes import record_changes
from metiers.publish.publication import (
    HISTORY_MODE,
    Publication,
    check_mart_file,
    go_live,
    history,
    history_files,
    history_path,
    published_version,
    refresh_lock,
    rejected_files,
    stamp,
)
from metiers.publish.runs import RunRecord, append_run, is_time
from metiers.validate.intake import Intake
from metiers.validate.suites import ValidationOutcome

BRUSSELS = ZoneInfo("Europe/Brussels")
STATE_NAME = "candidate.json"
RELEASES_LOG = "releases.jsonl"
# Statuses of a candidate: waiting for a decision, scheduled (approved, embargoed until
# release_at), released, rejected, superseded (a newer candidate replaced it undecided).
OPEN = ("waiting", "scheduled")
# Relative difference under which two values of a figure are the same value (float noise).
SAME_VALUE = 1e-9
log = logging.getLogger(__name__)


@dataclass
class Candidate:
    """The state of the latest candidate (candidate.json)."""

    version: str
    status: str
    build_key: str
    base_version: str | None
    flagged_changes: int
    created_at: str
    run_id: str
    release_at: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Decision:
    """Who decided what, when and why; one line of the release log and of meta_releases."""

    action: str  # released_automatically, approved, scheduled, rejected, rolled_back, superseded
    version: str
    previous_version: str | None
    decided_at: datetime
    decided_by: str
    reason: str | None
    release_at: datetime | None
    released_at: datetime | None
    flagged_changes: int
    channel: str  # policy, cli, prefect
    release_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        for key in ("decided_at", "release_at", "released_at"):
            record[key] = record[key].isoformat() if record[key] else None
        return record


@dataclass(frozen=True)
class Outcome:
    """What a decision did: `released`, `scheduled` or `rejected`, and the version."""

    status: str
    version: str
    release_at: datetime | None = None
    path: str = ""


def candidate_dir(settings: Settings) -> Path:
    return settings.candidate_path.parent


def candidate_path(settings: Settings) -> Path:
    """Where the candidate waiting for a decision is readable (`--candidate`, the preview)."""
    return settings.candidate_path


def rejected_path(settings: Settings, version: str) -> Path:
    return candidate_dir(settings) / "rejected" / f"metiers-{version}.duckdb"


def releases_log_path(settings: Settings) -> Path:
    return settings.marts_dir / RELEASES_LOG


def default_decider() -> str:
    """The person deciding from a terminal: the operating system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _write_json(path: Path, document: dict) -> None:
    """Whole or not at all: a temporary file, synced, renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


STATUSES = (*OPEN, "released", "rejected", "superseded")


def _checked(document: object) -> Candidate:
    """A Candidate from candidate.json's content, with the types a decision relies on: a
    document that is not one is a damaged state (ValueError)."""
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    known = {item.name for item in fields(Candidate)}
    candidate = Candidate(**{key: value for key, value in document.items() if key in known})
    texts = (candidate.version, candidate.build_key, candidate.created_at, candidate.run_id)
    if not all(isinstance(text, str) for text in texts) or not candidate.version:
        raise ValueError("version, build_key, created_at and run_id must be text")
    if candidate.status not in STATUSES:
        raise ValueError(f"unknown status {candidate.status!r}")
    if not isinstance(candidate.flagged_changes, int) or isinstance(
        candidate.flagged_changes, bool
    ):
        raise ValueError("flagged_changes must be a whole number")
    if candidate.release_at is not None and not is_time(candidate.release_at):
        raise ValueError(f"release_at {candidate.release_at!r} is not a time with its zone")
    if candidate.status == "scheduled" and candidate.release_at is None:
        raise ValueError("a scheduled candidate needs its release_at")
    for name in ("base_version", "decided_by", "decided_at", "reason"):
        if getattr(candidate, name) is not None and not isinstance(getattr(candidate, name), str):
            raise ValueError(f"{name} must be text")
    return candidate


def read_candidate(settings: Settings) -> Candidate | None:
    """The latest candidate's state; None when there never was one. A damaged state file, or
    one about another version than the candidate file beside it (a run stopped between
    moving the file in and writing its state), reads as that file's candidate waiting for a
    decision: never as released, approved or scheduled."""
    path = candidate_dir(settings) / STATE_NAME
    state = None
    try:
        state = _checked(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        state = None  # no candidate yet, or one whose state was never written
    except (OSError, ValueError, TypeError, RecursionError) as error:
        log.warning("candidate state %s is unreadable (%s): the candidate waits", path, error)
    on_disk = (
        published_version(candidate_path(settings)) if candidate_path(settings).is_file() else None
    )
    if state is not None and (on_disk is None or on_disk == state.version):
        return state
    if on_disk is None:
        return None
    return Candidate(
        version=on_disk,
        status="waiting",
        build_key="",
        base_version=published_version(settings.published_path),
        flagged_changes=0,
        created_at=datetime.now(UTC).isoformat(),
        run_id="",
    )


def _save(settings: Settings, candidate: Candidate) -> None:
    _write_json(candidate_dir(settings) / STATE_NAME, asdict(candidate))


def decision_note(decision: Decision) -> dict[str, str | None]:
    """The decision as the run log keeps it."""
    return {
        "action": decision.action,
        "by": decision.decided_by,
        "reason": decision.reason,
        "channel": decision.channel,
        "release_at": decision.release_at.isoformat() if decision.release_at else None,
    }


def log_decision_run(settings: Settings, decision: Decision) -> None:
    """A decision taken apart from a refresh, in the run log too (mode `release`), so the
    log says who decided what and when beside the refreshes."""
    at = decision.decided_at.isoformat()
    record = RunRecord(
        run_id=decision.release_id,
        started_at=at,
        mode="release",
        trigger=decision.channel,
        ended_at=at,
        status=decision.action,
        version=decision.version,
        decision=decision_note(decision),
    )
    append_run(record, settings)


def append_decision(settings: Settings, decision: Decision) -> None:
    """One line per decision in MARTS_DIR/releases.jsonl, whole, synced; a decision taken
    apart from a refresh also goes into the run log."""
    path = releases_log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(decision.as_dict(), ensure_ascii=False) + "\n"
    if path.exists() and path.stat().st_size and not path.read_bytes().endswith(b"\n"):
        line = "\n" + line  # a writer killed mid-line must not swallow this one
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    if decision.channel != "policy":
        log_decision_run(settings, decision)


def _is_decision(record: object) -> bool:
    """True for a line with what meta_releases and `metiers releases` read, in their types."""
    if not isinstance(record, dict):
        return False
    texts = ("release_id", "action", "version", "decided_by", "channel")
    if not all(isinstance(record.get(name), str) and record[name] for name in texts):
        return False
    if not is_time(record.get("decided_at")):
        return False
    for name in ("release_at", "released_at"):
        if record.get(name) is not None and not is_time(record[name]):
            return False
    for name in ("previous_version", "reason"):
        if record.get(name) is not None and not isinstance(record[name], str):
            return False
    flagged = record.get("flagged_changes")
    return isinstance(flagged, int) and not isinstance(flagged, bool)


def read_decisions(settings: Settings) -> list[dict[str, Any]]:
    """The release log, oldest first; a line that is not a decision (a torn write) is
    skipped with a warning."""
    path = releases_log_path(settings)
    if not path.exists():
        return []
    decisions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            record = None
        if _is_decision(record):
            decisions.append(record)
            continue
        log.warning("%s line %d skipped: not a release decision", path, number)
    return decisions


def _decision(
    action: str,
    version: str,
    settings: Settings,
    decided_by: str,
    channel: str,
    reason: str | None = None,
    now: datetime | None = None,
    release_at: datetime | None = None,
    flagged: int = 0,
) -> Decision:
    at = _now(now)
    return Decision(
        action=action,
        version=version,
        previous_version=published_version(settings.published_path)
        if settings.published_path.exists()
        else None,
        decided_at=at,
        decided_by=decided_by,
        reason=reason,
        release_at=release_at,
        released_at=at if action in ("released_automatically", "approved", "rolled_back") else None,
        flagged_changes=flagged,
        channel=channel,
        release_id=f"{at.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}",
    )


def _record_decisions(connection: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """meta_releases: the release log so far plus this release."""
    connection.execute("DELETE FROM meta_releases")
    if not rows:
        return
    columns = [item.name for item in fields(Decision)]
    frame = pl.DataFrame(  # noqa: F841 - read by DuckDB by name
        [{column: row.get(column) for column in columns} for row in rows],
        schema={column: pl.String for column in columns} | {"flagged_changes": pl.Int32},
    ).to_arrow()
    connection.execute(
        "INSERT INTO meta_releases BY NAME SELECT * REPLACE ("
        "decided_at::TIMESTAMPTZ AS decided_at, release_at::TIMESTAMPTZ AS release_at, "
        "released_at::TIMESTAMPTZ AS released_at) FROM frame"
    )


def _lineage(connection: duckdb.DuckDBPyConnection, database: str) -> pl.DataFrame:
    return connection.sql(
        f"SELECT slug, figure, indicator, period, value FROM {database}.metier_figure_lineage"
    ).pl()


def record_revisions(
    connection: duckdb.DuckDBPyConnection, previous: Path, version: str, released_on: date
) -> int:
    """metier_revisions of the file being released: figures whose value differs from the
    released one for the same period (revised on `released_on`), plus earlier revisions whose
    period is still the one shown. Returns the number of figures revised by this release."""
    connection.execute("DELETE FROM metier_revisions")
    if not previous.exists():
        return 0
    escaped = str(previous).replace("'", "''")
    connection.execute(f"ATTACH '{escaped}' AS released (READ_ONLY)")
    try:
        new = _lineage(connection, "main")
        old = _lineage(connection, "released")
        has_revisions = connection.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = 'released' AND table_name = 'metier_revisions'"
        ).fetchall()[0][0]
        earlier = (
            connection.sql(
                "SELECT slug, figure, indicator, period, revised_on, revised_in_version, "
                "previous_value, value FROM released.metier_revisions"
            ).pl()
            if has_revisions
            else None
        )
    finally:
        connection.execute("DETACH released")
    joined = new.join(old, on=["slug", "indicator"], suffix="_old").filter(
        (pl.col("period") == pl.col("period_old"))
        & pl.col("value").is_not_null()
        & pl.col("value_old").is_not_null()
        & (
            (pl.col("value") - pl.col("value_old")).abs()
            > SAME_VALUE * pl.max_horizontal(pl.lit(1.0), pl.col("value_old").abs())
        )
    )
    revised = joined.select(
        "slug",
        "figure",
        "indicator",
        "period",
        pl.lit(released_on).alias("revised_on"),
        pl.lit(version).alias("revised_in_version"),
        pl.col("value_old").cast(pl.Float64).alias("previous_value"),
        pl.col("value").cast(pl.Float64).alias("value"),
    )
    frames = [revised]
    if earlier is not None and not earlier.is_empty():
        still = earlier.join(
            new.select("slug", "indicator", "period"), on=["slug", "indicator", "period"]
        ).join(revised.select("slug", "indicator"), on=["slug", "indicator"], how="anti")
        frames.append(still.select(revised.columns).cast(revised.schema))
    rows = pl.concat(frames)  # noqa: F841 - read by DuckDB by name
    connection.execute("INSERT INTO metier_revisions BY NAME SELECT * FROM rows")
    return revised.height


def _finalise(path: Path, settings: Settings, decision: Decision) -> Decision:
    """Write into the file about to go live what only its release knows: changes and
    revisions against the version readers see now, the release notes, the release log.
    Returns the decision with the flagged changes counted against that version."""
    released_on = decision.decided_at.astimezone(BRUSSELS).date()
    with duckdb.connect(str(path)) as connection:
        threshold = load_change_threshold(settings.sources_file)
        flagged = record_changes(connection, settings.published_path, threshold)
        record_revisions(connection, settings.published_path, decision.version, released_on)
        announcement = release_notes.Announcement(
            decision.version, decision.action, decision.reason, decision.decided_at
        )
        release_notes.record(connection, settings.published_path, announcement, threshold)
        decision = replace(decision, flagged_changes=flagged)
        _record_decisions(connection, [*read_decisions(settings), decision.as_dict()])
        connection.execute("CHECKPOINT")
    return decision


def _make_writable_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o644)


def _release_file(path: Path, settings: Settings, decision: Decision) -> None:
    """Finalise `path` (a writable file of its own) and make it the released version."""
    try:
        decision = _finalise(path, settings, decision)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    go_live(path, decision.version, settings)
    append_decision(settings, decision)


def _needs_decision(settings: Settings, flagged: int) -> bool:
    if not settings.published_path.exists():
        return False  # the first release of an empty history
    approval = load_release_policy(settings.sources_file).approval
    return approval == "always" or (approval == "flagged" and flagged > 0)


def _supersede(settings: Settings, now: datetime | None = None) -> None:
    """A newer candidate replaces one still waiting: the older is logged as superseded."""
    current = read_candidate(settings)
    if current is None or current.status not in OPEN:
        return
    append_decision(
        settings,
        _decision("superseded", current.version, settings, "policy", "policy", now=now),
    )
    current.status = "superseded"
    _save(settings, current)
    with contextlib.suppress(FileNotFoundError):
        candidate_path(settings).unlink()


@timed_stage("publish")
def publish(
    build_path: Path,
    intake: Intake,
    mart_outcomes: list[ValidationOutcome],
    settings: Settings,
    run_id: str,
    run: RunRecord | None = None,
    key: str = "",
) -> Publication:
    """Stamp the validated build file and offer it: released at once when the policy needs
    no decision, otherwise kept as the candidate waiting for one (the caller holds the
    refresh lock)."""
    stamped = stamp(build_path, intake, mart_outcomes, settings, run_id, run, key)
    waits = _needs_decision(settings, stamped.flagged_changes)
    if waits:
        _supersede(settings)
        target = candidate_path(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        build_path.chmod(HISTORY_MODE)
        os.replace(build_path, target)
        _save(
            settings,
            Candidate(
                version=stamped.version,
                status="waiting",
                build_key=key,
                base_version=published_version(settings.published_path),
                flagged_changes=stamped.flagged_changes,
                created_at=stamped.at.isoformat(),
                run_id=run_id,
            ),
        )
        path, status = target, "candidate"
    else:
        decision = _decision(
            "released_automatically",
            stamped.version,
            settings,
            "policy",
            "policy",
            flagged=stamped.flagged_changes,
        )
        _release_file(build_path, settings, decision)
        # Released: a candidate still waiting from an earlier run is out of date now.
        _supersede(settings)
        path, status = settings.published_path, "published"
    if run is not None:
        run.decision = (
            {
                "action": "waiting",
                "by": None,
                "reason": None,
                "channel": "policy",
                "release_at": None,
            }
            if waits
            else decision_note(decision)
        )
        run.finish(status, stamped.version)
    return Publication(
        version=stamped.version,
        path=str(path),
        published_at=stamped.at.isoformat(),
        reference_year=stamped.reference_year,
        run_id=run_id,
        excluded_sources=list(intake.excluded_sources),
        flagged_changes=stamped.flagged_changes,
        rejected=rejected_files(intake),
        status=status,
        needs_decision=waits,
    )


def unchanged_candidate(settings: Settings, key: str, run_id: str) -> Publication | None:
    """The candidate built from exactly these inputs and rules, when it waits or was
    rejected: building it again would change nothing (a rejected one stays rejected until
    an input changes)."""
    current = read_candidate(settings)
    if current is None or not key or current.build_key != key:
        return None
    if current.status not in (*OPEN, "rejected"):
        return None
    path = (
        candidate_path(settings)
        if current.status in OPEN
        else rejected_path(settings, current.version)
    )
    if not path.is_file():
        return None
    return Publication(
        version=current.version,
        path=str(path),
        published_at=current.created_at,
        reference_year=None,
        run_id=run_id,
        flagged_changes=current.flagged_changes,
        status="unchanged",
        needs_decision=current.status in OPEN,
    )


def _open_candidate(settings: Settings, version: str | None) -> Candidate:
    candidate = read_candidate(settings)
    if candidate is None or candidate.status not in OPEN or not candidate_path(settings).is_file():
        state = f" (the latest, {candidate.version}, is {candidate.status})" if candidate else ""
        raise UsageError(f"no candidate waits for a decision in {candidate_dir(settings)}{state}")
    if version is not None and version != candidate.version:
        raise UsageError(
            f"the candidate waiting is {candidate.version}, not {version}: nothing was decided"
        )
    return candidate


def release(
    settings: Settings,
    decided_by: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
    version: str | None = None,
    channel: str = "cli",
) -> Outcome:
    """Approve the waiting candidate: released now, or at `at` (an embargo; released by the
    first `release_due` at or after that time). `version`, when given, must be the
    candidate's: a decision about one candidate never releases another."""
    decided_by = decided_by or default_decider()
    moment = _now(now)
    with refresh_lock(settings.marts_dir):
        candidate = _open_candidate(settings, version)
        if at is not None and at.astimezone(UTC) > moment:
            at = at.astimezone(UTC)
            decision = _decision(
                "scheduled",
                candidate.version,
                settings,
                decided_by,
                channel,
                reason,
                moment,
                at,
                candidate.flagged_changes,
            )
            append_decision(settings, decision)
            candidate.status = "scheduled"
            candidate.release_at = at.isoformat()
            candidate.decided_by, candidate.decided_at = decided_by, moment.isoformat()
            candidate.reason = reason
            _save(settings, candidate)
            return Outcome("scheduled", candidate.version, at, str(candidate_path(settings)))
        return _release_candidate(settings, candidate, decided_by, reason, moment, channel, at)


def _release_candidate(
    settings: Settings,
    candidate: Candidate,
    decided_by: str,
    reason: str | None,
    moment: datetime,
    channel: str,
    release_at: datetime | None = None,
) -> Outcome:
    staged = settings.marts_dir / f".release-{os.getpid()}.duckdb"
    try:
        _make_writable_copy(candidate_path(settings), staged)
    except OSError as error:
        staged.unlink(missing_ok=True)
        raise UsageError(
            f"could not read the candidate {candidate_path(settings)}: {error}"
        ) from error
    check_mart_file(
        staged, candidate.version, candidate_path(settings), action="released", kind="candidate"
    )
    decision = _decision(
        "approved",
        candidate.version,
        settings,
        decided_by,
        channel,
        reason,
        moment,
        release_at,
        candidate.flagged_changes,
    )
    _release_file(staged, settings, decision)
    candidate.status = "released"
    candidate.decided_by = candidate.decided_by or decided_by
    candidate.decided_at = candidate.decided_at or moment.isoformat()
    candidate.reason = candidate.reason or reason
    _save(settings, candidate)
    with contextlib.suppress(FileNotFoundError):
        candidate_path(settings).unlink()
    return Outcome("released", candidate.version, release_at, str(settings.published_path))


def release_due(settings: Settings, now: datetime | None = None) -> Outcome | None:
    """Release the scheduled candidate when its embargo time has come; None otherwise."""
    moment = _now(now)
    candidate = read_candidate(settings)
    if candidate is None or candidate.status != "scheduled" or candidate.release_at is None:
        return None
    if datetime.fromisoformat(candidate.release_at) > moment:
        return None
    with refresh_lock(settings.marts_dir):
        candidate = read_candidate(settings)  # again, under the lock
        if candidate is None or candidate.status != "scheduled" or candidate.release_at is None:
            return None
        release_at = datetime.fromisoformat(candidate.release_at)
        if release_at > moment:
            return None
        return _release_candidate(
            settings,
            candidate,
            candidate.decided_by or default_decider(),
            candidate.reason,
            moment,
            "embargo",
            release_at,
        )


def reject(
    settings: Settings,
    reason: str,
    decided_by: str | None = None,
    now: datetime | None = None,
    version: str | None = None,
    channel: str = "cli",
) -> Outcome:
    """Refuse the waiting candidate: kept under candidate/rejected/ for inspection, never
    released; readers keep the released version."""
    if not reason or not reason.strip():
        raise UsageError("a rejection needs a reason (--reason TEXT)")
    decided_by = decided_by or default_decider()
    with refresh_lock(settings.marts_dir):
        candidate = _open_candidate(settings, version)
        target = rejected_path(settings, candidate.version)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(candidate_path(settings), target)
        decision = _decision(
            "rejected",
            candidate.version,
            settings,
            decided_by,
            channel,
            reason.strip(),
            now,
            flagged=candidate.flagged_changes,
        )
        append_decision(settings, decision)
        candidate.status = "rejected"
        candidate.decided_by, candidate.decided_at = decided_by, decision.decided_at.isoformat()
        candidate.reason = reason.strip()
        _save(settings, candidate)
        return Outcome("rejected", candidate.version, path=str(target))


def rollback(
    settings: Settings,
    version: str | None = None,
    reason: str | None = None,
    decided_by: str | None = None,
    now: datetime | None = None,
) -> str:
    """Release a version from history again, with a reason; by default the one before the
    current. The history file is copied, and the copy checked (version, readable tables)
    before it is released: a damaged or mislabelled entry is refused, the released file left
    as it is. Like any release it is logged, in meta_releases and in its notes. Returns the
    version now released."""
    if not reason or not reason.strip():
        raise UsageError("a rollback needs a reason (--reason TEXT)")
    decided_by = decided_by or default_decider()
    with refresh_lock(settings.marts_dir):
        kept = history(settings)
        if version is None:
            older = [row for row in kept if not row.get("current") and "error" not in row]
            current = next((row for row in kept if row.get("current")), None)
            if current is not None:
                older = [row for row in older if row["version"] < current["version"]]
            if not older:
                raise UsageError("no earlier version in history to roll back to")
            version = older[0]["version"]
        source = history_path(settings, version)
        if source not in history_files(settings) or not source.is_file():
            available = ", ".join(row["version"] for row in kept) or "none"
            raise UsageError(f"version {version} is not in history (available: {available})")
        staged = settings.marts_dir / f".rollback-{os.getpid()}.duckdb"
        try:
            # A writable copy of its own: the history file is only read, and what is checked
            # is exactly what goes live.
            try:
                _make_writable_copy(source, staged)
            except OSError as error:
                raise UsageError(f"could not read history file {source}: {error}") from error
            check_mart_file(staged, version, source)
            decision = _decision(
                "rolled_back", version, settings, decided_by, "cli", reason.strip(), now
            )
            _release_file(staged, settings, decision)
        finally:
            staged.unlink(missing_ok=True)
        return version


def read_notes(path: Path, lang: str) -> tuple[str | None, list[str]]:
    """The version and release notes of a released file, in `lang`."""
    with duckdb.connect(str(path), read_only=True) as connection:
        version = connection.execute("SELECT max(version) FROM meta_publication").fetchall()[0][0]
        has_notes = connection.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta_release_notes'"
        ).fetchall()[0][0]
        if not has_notes:
            return version, []
        lines = connection.execute(
            "SELECT text FROM meta_release_notes WHERE lang = ? ORDER BY line_number", [lang]
        ).fetchall()
    return version, [line[0] for line in lines]


def parse_time(text: str) -> datetime:
    """An ISO 8601 date and time; without an offset it is Europe/Brussels time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"release time {text!r} is not a date and time: use ISO 8601, e.g. "
            "2027-01-15T09:00 (Europe/Brussels) or 2027-01-15T08:00+00:00"
        ) from None
    return moment.replace(tzinfo=BRUSSELS) if moment.tzinfo is None else moment


SUMMARY_ROWS = 40


def decision_summary(settings: Settings) -> str:
    """The waiting candidate's flagged changes as Markdown, for the Prefect UI's form: one
    table row per change (French strings), the first SUMMARY_ROWS of them."""
    from metiers.publish.changes import changes_since

    candidate = _open_candidate(settings, None)
    rows = changes_since(
        candidate_path(settings),
        settings.published_path,
        load_change_threshold(settings.sources_file),
    ).filter(pl.col("flagged"))
    lines = [
        f"Candidate **{candidate.version}**: {rows.height} flagged change(s) against the "
        f"released version {candidate.base_version or '(none)'}. Approve to release it "
        "(optionally at `release_at`, Europe/Brussels), reject (with a reason) to keep "
        "readers on the released version. `metiers review --html FILE` shows the cards "
        "side by side.",
        "",
        "| métier | indicator | before | after | why |",
        "|---|---|---|---|---|",
    ]
    for row in rows.head(SUMMARY_ROWS).iter_rows(named=True):
        cells = [
            row["slug"],
            row["indicator"],
            row["old_display"] or "—",
            row["new_display"] or "—",
            f"{row['reason']} ({row['cause']})",
        ]
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    if rows.height > SUMMARY_ROWS:
        lines.append(f"\n… and {rows.height - SUMMARY_ROWS} more: `metiers review`.")
    return "\n".join(lines)
