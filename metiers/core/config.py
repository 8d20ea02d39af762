"""Where things live and the few numbers the methodology lets an operator change."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from metiers.core.errors import UsageError
from metiers.core.limits import Limits
from metiers.core.paths import (
    CANDIDATE_DIR,
    DEFAULT_MARTS_DIR,
    DEFAULT_RAW_DIR,
    DEFAULT_SOURCES_FILE,
    GLOB_CHARACTERS,
    PROJECT_ROOT,
    PUBLISHED_NAME,
)

DEFAULT_MIN_RECORDS = 10
# `metiers schedule`: monthly, on the 1st at 06:00 Brussels time.
SCHEDULE_CRON = "0 6 1 * *"
SCHEDULE_TIMEZONE = "Europe/Brussels"
SCHEDULE_NAME = "monthly"
# Each Prefect task's time limit: generous for the bundled data, small enough that a hung
# read or build fails the run (with the task named) instead of blocking the next schedule.
TASK_TIMEOUT_SECONDS = {
    "discover": 600,
    "quarantine": 900,
    "build": 3600,
    "validate-marts": 1800,
    "publish": 600,
    "report": 900,
}
# The whole run. Intake tasks have no limit of their own: they run in Prefect's thread pool,
# where a task timeout cannot interrupt a blocking read; the flow's limit applies to them.
FLOW_TIMEOUT_SECONDS = 4 * 3600


@dataclass(frozen=True)
class RetryPolicy:
    """How a reading stage is retried after a transient failure, in both modes: the Prefect
    task options (flows/refresh.py) and the plain runner (metiers/refresh/runner.py) are made from
    this one declaration.

    Only an error of `retry_on` is retried: I/O trouble, such as a share that hiccups. A data
    problem is quarantined, never raised, and a bug fails the run at once. The wait before
    retry n (from 0) is `backoff_seconds * 2**n`, spread by up to `jitter_factor` of it so
    that intakes failing together do not retry in step.
    """

    retries: int
    backoff_seconds: float = 2.0
    jitter_factor: float = 0.0
    retry_on: tuple[type[BaseException], ...] = (OSError,)

    def delays(self) -> list[float]:
        """The nominal wait before each retry: 2, 4, 8 s for a backoff of 2 s."""
        return [self.backoff_seconds * 2**attempt for attempt in range(self.retries)]

    def wait(self, attempt: int, draw: float) -> float:
        """The wait before retry `attempt` (from 0): `draw` in [0, 1] places it between
        (1 - jitter_factor) and (1 + jitter_factor) times the nominal delay. (Prefect draws
        its own, at most (1 + jitter_factor) times it, about the nominal delay on average.)"""
        return self.delays()[attempt] * (1 + self.jitter_factor * (2 * draw - 1))

    def retries_on(self, error: BaseException) -> bool:
        return isinstance(error, self.retry_on)


# The stages that read the raw folder retry on I/O errors; the others fail at once.
RETRY_POLICIES = {
    "discover": RetryPolicy(retries=2),
    "intake": RetryPolicy(retries=3, jitter_factor=0.5),
}
# Oldest storage format that still holds everything we write: DuckDB 1.x clients open the file.
STORAGE_COMPATIBILITY_VERSION = "v1.0.0"


@dataclass(frozen=True)
class Settings:
    """Folders and thresholds of one refresh; everything else is derived from them."""

    raw_dir: Path = DEFAULT_RAW_DIR
    marts_dir: Path = DEFAULT_MARTS_DIR
    staging_dir: Path | None = None
    min_records: int = DEFAULT_MIN_RECORDS
    validation_batch_rows: int = 1_000_000
    # auto: the suites' rules evaluated in DuckDB (metiers/validate/sql_rules.py) for files of
    # sql_validation_min_rows rows or more (0: every file) and for the marts, GX on pandas
    # batches otherwise and for a rule DuckDB cannot translate; or always gx, or duckdb.
    # GX is imported only when it validates or writes a report.
    validation_engine: str = "auto"
    sql_validation_min_rows: int = 0
    # DuckDB's memory for the build and for SQL validation; beyond it, it spills to disk.
    duckdb_memory_limit: str | None = "2GB"
    history_keep: int = 5
    # The HTML validation report (GX Data Docs) costs seconds: a refresh writes it when a file
    # or a mart failed a rule, or when asked (`metiers refresh --report`).
    data_docs: bool = False
    sources_file: Path = DEFAULT_SOURCES_FILE
    # What one raw file may hold; by default the [limits] table of sources_file (reading
    # it checks the whole registry: a malformed one is a usage error here).
    limits: Limits | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources_file", Path(self.sources_file).resolve())
        if self.limits is None:
            # Imported here: the registry needs polars and pydantic, which a command that
            # never reads it (`--help`, the API) does not import.
            from metiers.core.source_registry import load_limits

            object.__setattr__(self, "limits", load_limits(self.sources_file))
        object.__setattr__(self, "raw_dir", Path(self.raw_dir).resolve())
        object.__setattr__(self, "marts_dir", Path(self.marts_dir).resolve())
        staging = self.staging_dir or self.marts_dir.parent / "staging"
        object.__setattr__(self, "staging_dir", Path(staging).resolve())
        if self.min_records < 1:
            raise ValueError("min_records must be at least 1")
        for name in ("staging_dir", "marts_dir"):
            folder = str(getattr(self, name))
            if any(character in folder for character in GLOB_CHARACTERS):
                # DuckDB reads staged and built files by path and expands these characters.
                raise UsageError(
                    f"the {name.removesuffix('_dir')} folder {folder!r} holds one of "
                    f"{' '.join(GLOB_CHARACTERS)}: choose a folder without them"
                )

    @property
    def registry(self) -> dict:
        """The declared sources (metiers.core.source_registry.SourceSpec by id)."""
        from metiers.core.source_registry import load_registry

        return load_registry(self.sources_file)

    @property
    def published_path(self) -> Path:
        return self.marts_dir / PUBLISHED_NAME

    @property
    def candidate_path(self) -> Path:
        return candidate_path(self.marts_dir)

    @property
    def quarantine_dir(self) -> Path:
        """Reports of rejected files: beside the marts folder (data/quarantine)."""
        return self.marts_dir.parent / "quarantine"

    @property
    def validation_dir(self) -> Path:
        """Data Docs of every run (HTML), one folder per run id."""
        return self.marts_dir / "validation"

    @property
    def history_dir(self) -> Path:
        return self.marts_dir / "history"


def published_path(marts_dir: Path | None = None) -> Path:
    return Path(marts_dir or DEFAULT_MARTS_DIR).resolve() / PUBLISHED_NAME


def candidate_path(marts_dir: Path | None = None) -> Path:
    """Where the candidate waiting for a release decision is (see metiers.publish.release)."""
    return Path(marts_dir or DEFAULT_MARTS_DIR).resolve() / CANDIDATE_DIR / PUBLISHED_NAME


def prepare_environment(project_root: Path | None = PROJECT_ROOT) -> None:
    """Keep Prefect's and GX's state inside the project (the checkout's .prefect, or
    ./.prefect for an installed package) and switch off their telemetry."""
    home = (project_root if project_root is not None else Path.cwd()) / ".prefect"
    os.environ.setdefault("PREFECT_HOME", str(home.resolve()))
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The first start of the embedded server creates its database: 20 s (Prefect's default
    # wait) is not always enough on a fresh, busy machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
