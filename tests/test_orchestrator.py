"""The project's local Prefect server (metiers.refresh.orchestrator, flows/server.py): which
server a refresh uses, a record that cannot mislead (damaged, stale, recycled pid), one server per
PREFECT_HOME even when runs start together, and a server that stops by itself when idle."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from metiers.core.errors import UsageError
from metiers.refresh import orchestrator
from metiers.refresh.orchestrator import ServerRecord

SERVER_START_SECONDS = 600  # a first start creates the database: minutes on a loaded machine


def a_record(**changes: object) -> ServerRecord:
    record = ServerRecord(
        pid=os.getpid(),
        port=4999,
        started_at="2026-12-01T00:00:00+00:00",
        process_start=orchestrator.process_start(os.getpid()),
        idle_minutes=30.0,
    )
    return replace(record, **changes)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=120)
    return process.pid


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PREFECT_HOME of the test's own, no configured server, default mode and idle time."""
    folder = tmp_path / "prefect"
    folder.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(folder))
    for name in ("PREFECT_API_URL", orchestrator.MODE_VARIABLE, orchestrator.IDLE_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"pid": 1}',
        b'{"pid": "x", "port": 1, "started_at": "", "process_start": "", "idle_minutes": 1}',
        b'{"pid": 0, "port": 4200, "started_at": "", "process_start": "", "idle_minutes": 1}',
        b'{"pid": 12, "port": 70000, "started_at": "", "process_start": "", "idle_minutes": 1}',
        b"\xff\xfe\x00garbage",
        b'{"pid": 12, "port": 4200' + b" " * 10_000 + b"}",
    ],
)
def test_a_damaged_record_is_no_record(home: Path, content: bytes) -> None:
    (home / orchestrator.RECORD_NAME).write_bytes(content)
    assert orchestrator.read_record(home) is None


def test_a_record_reads_back_as_written(home: Path) -> None:
    record = a_record()
    orchestrator.write_record(home, record)
    assert orchestrator.read_record(home) == record
    assert record.api_url == "http://127.0.0.1:4999/api"


def test_a_dead_or_recycled_pid_is_not_the_server() -> None:
    assert orchestrator.is_alive(a_record())
    assert not orchestrator.is_alive(a_record(pid=dead_pid()))
    # This process, but recorded with another start time: a recycled pid.
    assert not orchestrator.is_alive(a_record(process_start="1"))


def test_nothing_answers_on_a_closed_port() -> None:
    assert not orchestrator.is_healthy(a_record(port=orchestrator.free_port()), timeout=5)


def test_a_configured_api_is_used_as_it_is(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    assert orchestrator.flow_server() is None
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:1/api"
    assert not (home / orchestrator.RECORD_NAME).exists(), "nothing was started"


def test_the_embedded_server_can_be_chosen(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(orchestrator.MODE_VARIABLE, "embedded")
    assert orchestrator.flow_server() is None
    assert "PREFECT_API_URL" not in os.environ
    assert not (home / orchestrator.RECORD_NAME).exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (orchestrator.MODE_VARIABLE, "cloud"),
        (orchestrator.IDLE_VARIABLE, "0"),
        (orchestrator.IDLE_VARIABLE, "-5"),
        (orchestrator.IDLE_VARIABLE, "nan"),
        (orchestrator.IDLE_VARIABLE, "inf"),
        (orchestrator.IDLE_VARIABLE, "ten"),
    ],
)
def test_a_bad_setting_is_a_usage_error_naming_it(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError, match=name):
        orchestrator.flow_server()
    assert not (home / orchestrator.RECORD_NAME).exists()


def test_stop_without_a_server_says_so_and_drops_a_stale_record(home: Path) -> None:
    assert orchestrator.stop(home) is False
    orchestrator.write_record(home, a_record(pid=dead_pid()))
    assert orchestrator.stop(home) is False
    assert not (home / orchestrator.RECORD_NAME).exists()


def test_a_record_names_only_its_own_server(home: Path) -> None:
    """A server that stops removes the record only if it still names it."""
    newer = a_record(pid=os.getpid())
    orchestrator.write_record(home, newer)
    orchestrator.forget_record(home, pid=dead_pid())
    assert orchestrator.read_record(home) == newer
    orchestrator.forget_record(home, pid=os.getpid())
    assert orchestrator.read_record(home) is None


def test_activity_counts_open_connections_and_their_end() -> None:
    from metiers.flows.server import ActivityWatch

    release = asyncio.Event()

    async def app(scope: dict, receive: object, send: object) -> None:
        if scope["type"] == "websocket":
            await release.wait()

    watch = ActivityWatch(app)

    async def scenario() -> list[float]:
        seen = []
        await watch({"type": "lifespan"}, None, None)
        watch.last_activity -= 100  # as if the last request ended 100 s ago
        seen.append(watch.idle_seconds())
        socket = asyncio.create_task(watch({"type": "websocket"}, None, None))
        await asyncio.sleep(0)
        watch.last_activity -= 100
        seen.append(watch.idle_seconds())  # a socket is open: not idle
        release.set()
        await socket
        seen.append(watch.idle_seconds())  # it just closed
        return seen

    lifespan_only, while_open, after_close = asyncio.run(scenario())
    assert lifespan_only >= 100, "the lifespan scope is not a request"
    assert while_open == 0
    assert after_close < 5
    assert watch.open == 0


def test_an_idle_server_is_asked_to_stop_and_forgets_its_record(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metiers.flows import server as server_module

    class Uvicorn:
        should_exit = False

    class Watch:
        def __init__(self, idle: float) -> None:
            self.idle = idle

        def idle_seconds(self) -> float:
            return self.idle

    orchestrator.write_record(home, a_record())
    busy = Uvicorn()
    ticks = []

    def tick(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) > 3:
            busy.should_exit = True  # end the loop; the busy server was never asked to stop

    monkeypatch.setattr(server_module.time, "sleep", tick)
    server_module.stop_when_idle(busy, Watch(0.0), idle_seconds=60, home=home)
    assert orchestrator.read_record(home) is not None, "a busy server keeps its record"

    idle = Uvicorn()
    server_module.stop_when_idle(idle, Watch(61.0), idle_seconds=60, home=home)
    assert idle.should_exit
    assert orchestrator.read_record(home) is None


BEGIN = """
import json, sys
from metiers.refresh import orchestrator
server = orchestrator.begin()
record = server.wait()
print(json.dumps({"pid": record.pid, "started": server.started}))
"""


def begin_elsewhere(home: Path) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", BEGIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.5)


@pytest.mark.slow
def test_runs_that_start_together_share_one_server_which_stop_ends(home: Path) -> None:
    """Two processes asking at once get one server; a third finds it running; stop ends it,
    and the CLI says so."""
    from typer.testing import CliRunner

    from metiers.cli import app

    first, second = begin_elsewhere(home), begin_elsewhere(home)
    try:
        answers = []
        for process in (first, second):
            out, err = process.communicate(timeout=SERVER_START_SECONDS)
            assert process.returncode == 0, err.decode()
            answers.append(json.loads(out))
        assert answers[0]["pid"] == answers[1]["pid"], answers
        assert sorted(answer["started"] for answer in answers) == [False, True]
        record = orchestrator.read_record(home)
        assert record is not None and record.pid == answers[0]["pid"]
        assert orchestrator.is_healthy(record)

        again = orchestrator.begin(home)
        assert not again.started and again.record == record

        status = CliRunner().invoke(app, ["prefect", "status", "--format", "json"])
        assert status.exit_code == 0, status.output
        report = json.loads(status.output)
        assert report["running"] and report["healthy"] and report["pid"] == record.pid
        assert report["url"] == record.url
    finally:
        stopped = CliRunner().invoke(app, ["prefect", "stop"])
    assert stopped.exit_code == 0 and stopped.output.strip() == "stopped", stopped.output
    assert not orchestrator.is_alive(record)
    assert orchestrator.read_record(home) is None
    assert CliRunner().invoke(app, ["prefect", "stop"]).output.strip() == "not running"


@pytest.mark.slow
def test_an_idle_server_stops_by_itself(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(orchestrator.IDLE_VARIABLE, "0.05")  # 3 s without a request
    server = orchestrator.begin(home)
    try:
        record = server.wait(SERVER_START_SECONDS)
        wait_until(lambda: not orchestrator.is_alive(record), 300, "the idle server stopping")
    finally:
        orchestrator.stop(home)
    assert orchestrator.read_record(home) is None
    log = (home / orchestrator.LOG_NAME).read_text(encoding="utf-8", errors="replace")
    assert "idle for 3 s: stopping" in log, log[-2000:]
