"""Which Prefect server the default `metiers refresh` runs its flow against.

Prefect's embedded server starts with every process that runs a flow: 10-20 s on an idle
2-core machine, over a minute on a busy one, paid by every refresh. The default here is the
project's own local server instead: started once (by the first refresh that has work, or by
`metiers prefect start`) as a detached process serving Prefect's API and UI on loopback, with
its state in PREFECT_HOME like the embedded one, found again by later runs through a small
record in PREFECT_HOME, and stopped by itself after some idle minutes. A run against it pays
the flow's own bookkeeping only, and its history stays in the UI.

Chosen in this order: PREFECT_API_URL when set (an operator's server, or a test harness);
the embedded server when METIERS_PREFECT_SERVER=embedded; the local server otherwise.

No Prefect import here: the server is found or started before Prefect reads its settings.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from metiers.core.errors import MetiersError, UsageError

RECORD_NAME = "metiers-server.json"
LOCK_NAME = "metiers-server.lock"
LOG_NAME = "metiers-server.log"
MODE_VARIABLE = "METIERS_PREFECT_SERVER"
IDLE_VARIABLE = "METIERS_PREFECT_SERVER_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 30.0
# A first start creates the database: a minute and more on a busy machine.
START_DEADLINE_SECONDS = 300.0
STOP_DEADLINE_SECONDS = 60.0
LOG_TAIL_CHARACTERS = 2000


class ServerProblem(MetiersError):
    """The local Prefect server could not be started or reached (the log says why)."""


@dataclass(frozen=True)
class ServerRecord:
    """What a later run needs to find the server again, and to know it is the same process."""

    pid: int
    port: int
    started_at: str
    process_start: str
    idle_minutes: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"


def prefect_home() -> Path:
    from metiers.core.config import prepare_environment

    prepare_environment()
    return Path(os.environ["PREFECT_HOME"])


def idle_minutes() -> float:
    """Minutes without a request after which the local server stops itself."""
    text = os.environ.get(IDLE_VARIABLE, "")
    if not text:
        return DEFAULT_IDLE_MINUTES
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not minutes > 0 or minutes == float("inf"):
        raise UsageError(f"{IDLE_VARIABLE}={text!r}: expected a positive number of minutes")
    return minutes


def configured_api_url() -> str | None:
    """An API the operator (or a test harness) set: used as it is, nothing is started."""
    return os.environ.get("PREFECT_API_URL") or None


def process_stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (Linux); empty where /proc is not
    there or the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return []
    return stat.rsplit(")", 1)[-1].split()


def process_start(pid: int) -> str:
    """The kernel's start time of a process, so a recycled pid is not taken for the server."""
    fields = process_stat(pid)
    return fields[19] if len(fields) > 19 else ""


def is_alive(record: ServerRecord) -> bool:
    """The recorded process still runs (an exited one not yet reaped by its parent is a
    zombie: dead), and is the one that was started."""
    try:
        os.kill(record.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # It exists but belongs to another user: alive as far as kill can tell; its state
        # and start time below decide.
        pass
    fields = process_stat(record.pid)
    if fields and fields[0] in {"Z", "X", "x"}:
        return False
    now = fields[19] if len(fields) > 19 else ""
    return not record.process_start or not now or now == record.process_start


def is_healthy(record: ServerRecord, timeout: float = 2.0) -> bool:
    """Prefect's API answers its health check."""
    try:
        with urllib.request.urlopen(f"{record.api_url}/health", timeout=timeout) as answer:
            return answer.status == 200 and answer.read(64).strip() == b"true"
    except (OSError, urllib.error.URLError, ValueError):
        return False


def read_record(home: Path) -> ServerRecord | None:
    """The record, or None when it is missing or damaged (a damaged one is replaced)."""
    try:
        data = json.loads((home / RECORD_NAME).read_bytes()[:4096])
        record = ServerRecord(
            pid=int(data["pid"]),
            port=int(data["port"]),
            started_at=str(data["started_at"]),
            process_start=str(data["process_start"]),
            idle_minutes=float(data["idle_minutes"]),
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if record.pid <= 0 or not 0 < record.port < 65536:
        return None
    return record


def write_record(home: Path, record: ServerRecord) -> None:
    temporary = home / f".{RECORD_NAME}.{os.getpid()}"
    temporary.write_text(json.dumps(asdict(record)), encoding="utf-8")
    os.replace(temporary, home / RECORD_NAME)


def forget_record(home: Path, pid: int) -> None:
    """Remove the record if it still names `pid` (a newer server keeps its own)."""
    record = read_record(home)
    if record is None or record.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            (home / RECORD_NAME).unlink()


@contextlib.contextmanager
def server_lock(home: Path) -> Iterator[None]:
    """One process at a time decides whether to start a server (two servers on one database
    would fight over it)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_tail(home: Path) -> str:
    try:
        text = (home / LOG_NAME).read_bytes()[-LOG_TAIL_CHARACTERS:]
    except OSError:
        return "(no log)"
    return text.decode("utf-8", errors="replace").strip() or "(empty log)"


def spawn(home: Path, minutes: float) -> tuple[ServerRecord, subprocess.Popen]:
    """Start the server process, detached from this one (its own session, no shared pipes),
    so it outlives the run that started it."""
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name != "PREFECT_API_URL"}
    with open(home / LOG_NAME, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "metiers.flows.server",
                "--port",
                str(port),
                "--idle-minutes",
                str(minutes),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
            close_fds=True,
        )
    record = ServerRecord(
        pid=process.pid,
        port=port,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        process_start=process_start(process.pid),
        idle_minutes=minutes,
    )
    return record, process


@dataclass
class PendingServer:
    """A server found or just started; `wait` blocks until it answers."""

    home: Path
    record: ServerRecord
    started: bool
    process: subprocess.Popen | None = None

    def wait(self, deadline_seconds: float = START_DEADLINE_SECONDS) -> ServerRecord:
        deadline = time.monotonic() + deadline_seconds
        while True:
            if is_healthy(self.record):
                return self.record
            if self.process is not None:
                self.process.poll()  # reap it if it ended, so it does not linger as a zombie
            if not is_alive(self.record):
                with server_lock(self.home):
                    forget_record(self.home, self.record.pid)
                raise ServerProblem(
                    f"the local Prefect server (pid {self.record.pid}) stopped before it "
                    f"answered; its log ({self.home / LOG_NAME}) ends with:\n"
                    f"{log_tail(self.home)}"
                )
            if time.monotonic() > deadline:
                raise ServerProblem(
                    f"the local Prefect server (pid {self.record.pid}, {self.record.url}) did "
                    f"not answer within {deadline_seconds:.0f} s; its log "
                    f"({self.home / LOG_NAME}) ends with:\n{log_tail(self.home)}"
                )
            time.sleep(0.2)


def begin(home: Path | None = None) -> PendingServer:
    """The running local server, or a new one being started: returns at once, so the caller
    can import Prefect and its flow while the server boots."""
    home = home or prefect_home()
    minutes = idle_minutes()
    with server_lock(home):
        record = read_record(home)
        if record is not None and is_alive(record):
            # A request now counts as activity: the server will not stop for idleness
            # before this run has used it (it decides under the same lock).
            is_healthy(record)
            return PendingServer(home, record, started=False)
        record, process = spawn(home, minutes)
        write_record(home, record)
    return PendingServer(home, record, started=True, process=process)


def flow_server() -> PendingServer | None:
    """Point this process's Prefect at the server its flow should use. None when the API is
    configured already or the embedded server was chosen (nothing to wait for)."""
    mode = os.environ.get(MODE_VARIABLE, "local").strip().lower() or "local"
    if mode not in {"local", "embedded"}:
        raise UsageError(f"{MODE_VARIABLE}={mode!r}: expected 'local' or 'embedded'")
    if configured_api_url() or mode == "embedded":
        return None
    pending = begin()
    os.environ["PREFECT_API_URL"] = pending.record.api_url
    return pending


def stop(home: Path | None = None, deadline_seconds: float = STOP_DEADLINE_SECONDS) -> bool:
    """Stop the local server (SIGTERM, then SIGKILL at the deadline); False if none ran."""
    home = home or prefect_home()
    with server_lock(home):
        record = read_record(home)
        if record is None or not is_alive(record):
            if record is not None:
                forget_record(home, record.pid)
            return False
        os.kill(record.pid, signal.SIGTERM)
        deadline = time.monotonic() + deadline_seconds
        while is_alive(record) and time.monotonic() < deadline:
            time.sleep(0.2)
        if is_alive(record):
            os.kill(record.pid, signal.SIGKILL)
        forget_record(home, record.pid)
    return True


def status(home: Path | None = None) -> dict[str, object]:
    """What `metiers prefect status` prints."""
    home = home or prefect_home()
    configured = configured_api_url()
    record = read_record(home)
    running = record is not None and is_alive(record)
    return {
        "prefect_home": str(home),
        "configured_api_url": configured,
        "mode": os.environ.get(MODE_VARIABLE, "local") or "local",
        "running": running,
        "healthy": bool(running and record is not None and is_healthy(record)),
        "pid": record.pid if running and record else None,
        "url": record.url if running and record else None,
        "started_at": record.started_at if running and record else None,
        "idle_minutes": record.idle_minutes if running and record else idle_minutes(),
        "log": str(home / LOG_NAME),
    }
