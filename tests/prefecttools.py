"""A real Prefect server for the tests that need one (schedules, paused runs): started on a
free loopback port with its own home folder, plus the polling helper those tests share."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

# Bounds for a machine 5x slower than an idle one; `wait_until` fails at them, saying what it
# waited for.
STARTUP_SECONDS = 180
RUN_SECONDS = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    check: Callable[[], Any], seconds: float, what: str, processes: list[subprocess.Popen]
) -> Any:
    """Poll `check` until it returns something true, and return that; fail the test at
    `seconds`, or at once when one of `processes` has exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{what}: {process.args[:4]} exited with {process.returncode}")
        time.sleep(0.5)
    pytest.fail(f"{what}: not after {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """Terminate a process this test started, and kill it if it does not exit."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory):
    """`prefect server start` on a free loopback port, with its own home folder; yields the
    environment for processes that use it (PREFECT_API_URL among it)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_UI_ENABLED": "false",
        # Plan scheduled runs within seconds of registration instead of a minute.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    prefect = Path(sys.executable).parent / "prefect"
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(healthy, STARTUP_SECONDS, "prefect server", [server])
        yield env
    finally:
        stop(server)
        log.close()
