"""Run history: one record per refresh, whatever its outcome.

Records are appended to MARTS_DIR/runs.jsonl (one JSON object per line, under the refresh
lock), so a run that publishes nothing (unchanged inputs, rejected data, a crash in a task)
is recorded too. Each publication copies the log into its `meta_runs` table, so analysts see
the runs up to that version in the mart itself.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from metiers.core.config import Settings
from metiers.ingest.raw_files import relative_raw_path

RUNS_LOG = "runs.jsonl"


@dataclass
class RunRecord:
    """What one refresh did: its outcome, the inputs it read and where its time went."""

    run_id: str
    started_at: str
    mode: str  # incremental or full; release for the record of a release decision
    # cli, flow, deployment (the schedule served by `metiers schedule`), bench; for a release
    # decision: its channel (cli, prefect, embargo)
    trigger: str
    ended_at: str | None = None
    # published, candidate (waits for a release decision), unchanged, rejected, failed
    status: str = "running"
    version: str | None = None
    failed_task: str | None = None
    error: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    rows_per_source: dict[str, int] = field(default_factory=dict)
    seconds_per_stage: dict[str, float] = field(default_factory=dict)
    # What the run published but must not keep silent: optional sources left out, files that
    # contribute no value ({source, file, code, message}; codes: meta_sources.warning_code).
    warnings: list[dict[str, str]] = field(default_factory=list)
    # A release decision ({action, by, reason, channel, release_at}): on the refresh that
    # released its version automatically or left it waiting, and on the record of a decision
    # taken later (mode "release": `metiers release`, `reject`, `rollback`, a Prefect form).
    decision: dict[str, str | None] | None = None
    current_stage: str | None = field(default=None, repr=False)

    @classmethod
    def start(cls, run_id: str, full: bool, trigger: str) -> RunRecord:
        return cls(
            run_id=run_id,
            started_at=datetime.now(UTC).isoformat(),
            mode="full" if full else "incremental",
            trigger=trigger,
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; the stage a run fails in is the task it names as failed."""
        self.current_stage = name
        started = time.perf_counter()
        try:
            yield
        except BaseException:
            self.failed_task = self.failed_task or name
            raise
        finally:
            elapsed = time.perf_counter() - started
            self.seconds_per_stage[name] = round(self.seconds_per_stage.get(name, 0) + elapsed, 3)
        self.current_stage = None

    def note_inputs(self, files: list[Any], settings: Settings) -> None:
        """Every raw file with its hash and whether this run read it or reused it."""
        self.inputs = [
            {
                "source": item.source,
                "path": relative_raw_path(item.raw_path, settings),
                "sha256": item.sha256,
                "intake": "reused" if item.reused_by(self.run_id) else "ingested",
                "status": "accepted" if item.accepted else "rejected",
                "rows": item.staged.rows if item.staged else None,
            }
            for item in files
        ]
        rows: dict[str, int] = {}
        for item in files:
            if item.accepted and item.staged:
                rows[item.source] = rows.get(item.source, 0) + item.staged.rows
        self.rows_per_source = rows

    def finish(self, status: str, version: str | None = None) -> None:
        self.status = status
        self.version = version
        self.ended_at = datetime.now(UTC).isoformat()

    def fail(self, error: BaseException, status: str = "failed") -> None:
        """Name the task that failed and why, in one line. A run whose version went live
        stays `published` (a later step, the report, may still fail): the record never says
        "failed" for a version that is being served."""
        self.failed_task = self.failed_task or self.current_stage
        # The headline and the first problem: enough to act on, short enough for a table.
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        message = " ".join(lines[:2])[:500]
        self.error = f"{type(error).__name__}: {message}" if message else type(error).__name__
        if self.status == "published":
            self.ended_at = datetime.now(UTC).isoformat()
            return
        self.finish(status)

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record.pop("current_stage", None)
        return record


def runs_log_path(settings: Settings) -> Path:
    return settings.marts_dir / RUNS_LOG


def append_run(record: RunRecord, settings: Settings) -> None:
    """Append one line; a single write of a whole line keeps the log readable after a
    crash."""
    path = runs_log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record.as_dict(), ensure_ascii=False, default=str) + "\n"
    if _ends_mid_line(path):
        line = "\n" + line  # a writer killed mid-line: its torn line must not swallow ours
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _ends_mid_line(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except OSError:  # missing or empty
        return False


class RunLog(list[dict[str, Any]]):
    """The run records of the log, oldest first, and how many lines were not one (a torn
    line of a killed writer, a hand edit, stray bytes): those are skipped and counted."""

    def __init__(self, records: Iterable[dict[str, Any]] = (), skipped: int = 0) -> None:
        super().__init__(records)
        self.skipped = skipped


# The fields every reader relies on, with their JSON types; the others may be missing.
REQUIRED_FIELDS = ("run_id", "started_at", "status", "mode", "trigger")
OPTIONAL_TEXT = ("ended_at", "version", "failed_task", "error")
INPUT_TEXT = ("path", "sha256", "intake")


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def is_time(value: Any) -> bool:
    """An ISO timestamp with its zone, as `RunRecord` writes them."""
    try:
        return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_run_record(record: Any) -> bool:
    """True when `record` has what `metiers runs`, `metiers status` and `meta_runs` read, with
    the right types: a JSON object that is not a run record is skipped, not a crash."""
    if not isinstance(record, dict):
        return False
    if not all(_is_text(record.get(name)) for name in REQUIRED_FIELDS):
        return False
    if not is_time(record["started_at"]):
        return False
    if any(
        record.get(name) is not None and not isinstance(record[name], str) for name in OPTIONAL_TEXT
    ):
        return False
    if record.get("ended_at") is not None and not is_time(record["ended_at"]):
        return False
    inputs = record.get("inputs", [])
    if not isinstance(inputs, list) or not all(
        isinstance(item, dict) and all(isinstance(item.get(name), str) for name in INPUT_TEXT)
        for item in inputs
    ):
        return False
    warnings = record.get("warnings", [])
    if not isinstance(warnings, list) or not all(
        isinstance(item, dict) and all(isinstance(value, str) for value in item.values())
        for item in warnings
    ):
        return False
    for name in ("rows_per_source", "seconds_per_stage"):
        mapping = record.get(name, {})
        if not isinstance(mapping, dict) or not all(_is_number(v) for v in mapping.values()):
            return False
    return True


def _printable(record: dict[str, Any]) -> bool:
    """False for text JSON escapes can hold but UTF-8 cannot (a lone surrogate, "\\ud800"):
    printing such a record would crash `metiers runs`."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return False
    return True


def parse_runs(data: bytes) -> RunLog:
    """Run records from the log's bytes: each line decoded strictly (UTF-8, JSON, a run
    record) on its own, so one bad line costs that line only."""
    records, skipped = [], 0
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):  # bad UTF-8 or JSON, absurd nesting
            skipped += 1
            continue
        if is_run_record(record) and _printable(record):
            records.append(record)
        else:
            skipped += 1
    return RunLog(records, skipped)


def read_runs(settings: Settings) -> RunLog:
    """Every recorded run, oldest first (a list), with `.skipped`: how many lines of the log
    were not a run record and were left out."""
    try:
        data = runs_log_path(settings).read_bytes()
    except FileNotFoundError:
        return RunLog()
    return parse_runs(data)


def runs_table_rows(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `meta_runs`: nested parts as JSON text, times as timestamps."""
    return [
        {
            "run_id": run["run_id"],
            "started_at": datetime.fromisoformat(run["started_at"]),
            "ended_at": datetime.fromisoformat(run["ended_at"]) if run.get("ended_at") else None,
            "status": run["status"],
            "mode": run["mode"],
            "trigger": run["trigger"],
            "version": run.get("version"),
            "failed_task": run.get("failed_task"),
            "error": run.get("error"),
            "files_read": sum(1 for item in run.get("inputs", []) if item["intake"] == "ingested"),
            "files_reused": sum(1 for item in run.get("inputs", []) if item["intake"] == "reused"),
            "input_hashes": json.dumps(
                {item["path"]: item["sha256"] for item in run.get("inputs", [])}
            ),
            "inputs": json.dumps(run.get("inputs", []), ensure_ascii=False),
            "rows_per_source": json.dumps(run.get("rows_per_source", {})),
            "seconds_per_stage": json.dumps(run.get("seconds_per_stage", {})),
            "warnings": json.dumps(run.get("warnings", []), ensure_ascii=False),
            "decision": json.dumps(run["decision"], ensure_ascii=False)
            if isinstance(run.get("decision"), dict)
            else None,
        }
        for run in runs
    ]
