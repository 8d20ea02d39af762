"""`metiers serve` on a real uvicorn in another process: it binds loopback by default, and new
versions published while it serves requests are picked up with no restart and no failed
request."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deliverytools import SEED_SLUG, copy_published, publish_variant

from metiers.core.config import Settings
from metiers.core.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow  # a real uvicorn under load

# Bounds for a machine 5x slower than an idle one; a wait that reaches one fails, saying what
# it waited for.
START_SECONDS = 120
SERVED_SECONDS = 120
# Responses of one version the load sees before the next version is published.
RESPONSES_PER_VERSION = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(marts_dir: Path, log: Path) -> Iterator[str]:
    """`metiers serve` with its default host; yields the base URL once /health answers."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "metiers", "serve", "--port", str(port),
             "--marts-dir", str(marts_dir)],
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                with contextlib.suppress(httpx.TransportError):  # not listening yet
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                if process.poll() is not None:
                    pytest.fail(f"server exited ({process.returncode}): {log.read_text()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"server not answering /health after {START_SECONDS} s: "
                                f"{log.read_text()}")  # fmt: skip
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_binds_loopback_by_default(bundled_mart: Settings, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with running_server(bundled_mart.marts_dir, log) as base:
        assert httpx.get(f"{base}/metiers/{SEED_SLUG}").status_code == 200
    port = base.rsplit(":", 1)[1]
    assert f"Uvicorn running on http://127.0.0.1:{port}" in log.read_text()


def test_new_versions_are_served_under_load_without_a_failed_request(
    bundled_mart: Settings, tmp_path: Path
) -> None:
    marts = copy_published(bundled_mart, tmp_path)
    failures: list[str] = []
    seen: Counter[str] = Counter()
    stop = threading.Event()
    lock = threading.Lock()

    def hammer(base: str) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.get(f"/metiers/{SEED_SLUG}")
                except httpx.HTTPError as error:
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                with lock:
                    if response.status_code != 200:
                        failures.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    document = response.json()
                    headcount = next(
                        entry for entry in document["figures"] if entry["indicator"] == "headcount"
                    )
                    # Version and content come from the same file, never a mix.
                    seen[f"{document['publication']['version']} {headcount['display']}"] += 1

    def wait_until_served(expected: str) -> None:
        """Poll until the load got RESPONSES_PER_VERSION responses of `expected`."""
        deadline = time.monotonic() + SERVED_SECONDS
        while time.monotonic() < deadline:
            with lock:
                if seen[expected] >= RESPONSES_PER_VERSION or failures:
                    return
            time.sleep(0.05)
        with lock:
            pytest.fail(
                f"{RESPONSES_PER_VERSION} responses of {expected!r} not served within "
                f"{SERVED_SECONDS} s; served {dict(seen)}"
            )

    with running_server(marts.marts_dir, tmp_path / "server.log") as base:
        first = httpx.get(f"{base}/health").json()["version"]
        workers = [threading.Thread(target=hammer, args=(base,)) for _ in range(4)]
        for worker in workers:
            worker.start()
        published = []
        try:
            current = f"{first} ~200"
            for number in range(1, 4):
                wait_until_served(current)
                version = f"2999010{number}T000000Z-switch{number:02d}"
                publish_variant(marts, version, f"~{number}00")
                current = f"{version} ~{number}00"
                published.append(current)
            wait_until_served(current)
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=SERVED_SECONDS)
        last = httpx.get(f"{base}/health").json()["version"]
    if any(worker.is_alive() for worker in workers):
        pytest.fail(f"a load thread did not stop within {SERVED_SECONDS} s")
    assert failures == []
    assert seen[f"{first} ~200"] > 0
    for expected in published:
        assert seen[expected] > 0, (expected, seen)
    assert set(seen) == {f"{first} ~200", *published}
    assert last == published[-1].split()[0]
