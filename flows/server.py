"""The project's local Prefect server: Prefect's API, UI and services on loopback, as
`prefect server start` runs them, stopping itself after some minutes without a request.

Started detached by `metiers.refresh.orchestrator` (`python -m metiers.flows.server --port N
--idle-minutes M`); its state (the database) is PREFECT_HOME's, as for the embedded server.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path
from typing import Any

from metiers.core.config import prepare_environment

prepare_environment()


class ActivityWatch:
    """ASGI middleware noting when the last request or connection ended, and how many are
    open: the server is idle only when none is open (a browser on the UI polls, a flow run
    keeps its event socket open)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.open = 0
        self.last_activity = time.monotonic()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        self.open += 1
        self.last_activity = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last_activity = time.monotonic()

    def idle_seconds(self) -> float:
        return 0.0 if self.open else time.monotonic() - self.last_activity


def stop_when_idle(server: Any, watch: ActivityWatch, idle_seconds: float, home: Path) -> None:
    """Ask uvicorn to shut down (gracefully: the services stop, the database is closed).

    Decided under the server lock, record removed first: a run that found this server
    checked its health under the same lock, which counts as activity, so the server it
    found does not stop under it; a run that comes after finds no record and starts one."""
    from metiers.refresh.orchestrator import forget_record, server_lock

    while not server.should_exit:
        time.sleep(min(5.0, max(idle_seconds / 4, 0.2)))
        if not getattr(server, "started", True):
            watch.last_activity = time.monotonic()  # still starting: not idle
            continue
        if watch.idle_seconds() <= idle_seconds:
            continue
        with server_lock(home):
            if watch.idle_seconds() > idle_seconds:
                forget_record(home, os.getpid())
                print(f"idle for {idle_seconds:.0f} s: stopping", flush=True)
                server.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle-minutes", type=float, required=True)
    options = parser.parse_args()

    import uvicorn
    from prefect.server.api.server import create_app

    from metiers.refresh.orchestrator import forget_record

    home = Path(os.environ["PREFECT_HOME"])
    watch = ActivityWatch(create_app(final=True))
    config = uvicorn.Config(
        watch, host="127.0.0.1", port=options.port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    threading.Thread(
        target=stop_when_idle,
        args=(server, watch, options.idle_minutes * 60, home),
        name="idle-watch",
        daemon=True,
    ).start()
    try:
        server.run()
    finally:
        forget_record(home, os.getpid())


if __name__ == "__main__":
    main()
