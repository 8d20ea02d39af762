"""Serve the `refresh` flow as a deployment with a cron schedule on a real Prefect server.

Orchestration only. The embedded (ephemeral) server refuses schedules, so this needs
`prefect server start` and `PREFECT_API_URL` pointing at it. The process started here is the
runner: it stays up, picks up every scheduled (or manually triggered) run and executes it.
A run whose candidate needs a release decision pauses for it (see flows/refresh.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from metiers.core.config import SCHEDULE_CRON, SCHEDULE_NAME, SCHEDULE_TIMEZONE, prepare_environment

prepare_environment()

from prefect.schedules import Cron  # noqa: E402
from prefect.types.entrypoint import EntrypointType  # noqa: E402

from metiers.core.config import FLOW_TIMEOUT_SECONDS  # noqa: E402
from metiers.core.errors import UsageError  # noqa: E402
from metiers.core.source_registry import load_release_policy  # noqa: E402
from metiers.flows.refresh import refresh  # noqa: E402


def require_server() -> str:
    """The API of the Prefect server to register with; schedules need a real one."""
    url = os.environ.get("PREFECT_API_URL", "")
    if not url:
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value() or ""
    if not url:
        raise UsageError(
            "schedules need a running Prefect server: start one with `prefect server start`, "
            "then set PREFECT_API_URL=http://127.0.0.1:4200/api (the embedded server "
            "refuses schedules)"
        )
    return url


def check_schedule(cron: str, timezone: str) -> None:
    """Refuse a bad cron string or time zone before anything is registered."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        Cron(cron, timezone=timezone)
    except ValueError as error:
        raise UsageError(f"--cron: {error} (expected 5 fields, e.g. '{SCHEDULE_CRON}')") from None
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone: unknown time zone '{timezone}' (expected an IANA name such as "
            f"'{SCHEDULE_TIMEZONE}')"
        ) from None


def serve_refresh(
    parameters: dict,
    cron: str = SCHEDULE_CRON,
    timezone: str = SCHEDULE_TIMEZONE,
    name: str = SCHEDULE_NAME,
) -> None:
    """Register the deployment `refresh/<name>` with its schedule and run its flow runs until
    stopped (Ctrl-C pauses the schedule on the way out)."""
    check_schedule(cron, timezone)
    require_server()
    # A scheduled run pauses for a release decision when its candidate needs one: its time
    # limit covers that wait too.
    waiting = load_release_policy(Path(parameters["sources_file"])).approval_timeout_minutes
    refresh.with_options(timeout_seconds=FLOW_TIMEOUT_SECONDS + waiting * 60).serve(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={**parameters, "trigger": "deployment", "await_decision": True},
        description="Refresh the published mart from the raw folder (metiers refresh).",
        tags=["metiers"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
