"""`metiers schedule` against a real Prefect server started by the test on loopback: the
deployment is registered with its cron schedule, reads back through the Prefect client, and a
triggered run completes and publishes."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prefecttools import RUN_SECONDS, STARTUP_SECONDS, stop, wait_until
from rawdata import person, write_catalogue, write_register
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.publish.runs import read_runs

BRUSSELS = ZoneInfo("Europe/Brussels")


def next_first_of_month_at_six(after: datetime) -> datetime:
    """The next 1st of a month at 06:00 in Brussels, computed without cron."""
    local = after.astimezone(BRUSSELS)
    year, month = local.year, local.month
    candidate = datetime(year, month, 1, 6, tzinfo=BRUSSELS)
    if candidate <= local:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        candidate = datetime(year, month, 1, 6, tzinfo=BRUSSELS)
    return candidate


def test_schedule_needs_a_real_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # No server configured, even when a test server of this process is up (it would serve).
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, ["schedule"])
    assert result.exit_code == 2
    assert "prefect server start" in result.output


def test_schedule_refuses_a_bad_cron_or_time_zone() -> None:
    result = CliRunner().invoke(app, ["schedule", "--cron", "every month"])
    assert result.exit_code == 2 and "--cron" in result.output
    result = CliRunner().invoke(app, ["schedule", "--timezone", "Europe/Bruxelles"])
    assert result.exit_code == 2 and "unknown time zone" in result.output


def test_schedule_registers_the_monthly_deployment_and_runs_it(
    prefect_server: dict, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    raw, marts = tmp_path / "raw", tmp_path / "marts"
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in range(2022, 2026):
        write_register(raw, year, [person(year, f"P{i}", "2654.5") for i in range(15)])
    log = (tmp_path / "serve.log").open("wb")
    serving = subprocess.Popen(
        [sys.executable, "-m", "metiers", "schedule", "--name", "test-monthly",
         "--raw-dir", str(raw), "--marts-dir", str(marts)],
        env=prefect_server, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with (
            temporary_settings(updates={PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}),
            get_client(sync_client=True) as client,
        ):

            def deployment():
                try:
                    return client.read_deployment_by_name("refresh/test-monthly")
                except Exception:
                    return None

            found = wait_until(deployment, STARTUP_SECONDS, "deployment", [serving])
            schedules = [entry.schedule for entry in found.schedules]
            assert [(s.cron, s.timezone) for s in schedules] == [("0 6 1 * *", "Europe/Brussels")]
            assert found.parameters["marts_dir"] == str(marts.resolve())
            # The server plans the next run on the 1st of next month at 06:00 Brussels time.
            planned = wait_until(
                lambda: client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[found.id]))
                ),
                STARTUP_SECONDS, "scheduled runs", [serving],
            )  # fmt: skip
            first_planned = min(run.expected_start_time for run in planned)
            assert first_planned == next_first_of_month_at_six(datetime.now(BRUSSELS))
            # A run triggered now is picked up by the serving process and completes.
            triggered = client.create_flow_run_from_deployment(found.id)

            def finished():
                state = client.read_flow_run(triggered.id).state
                return state if state and state.is_final() else None

            state = wait_until(finished, RUN_SECONDS, "triggered run", [serving])
            assert state.is_completed(), f"{state.name}: {state.message}"
    finally:
        stop(serving)
        log.close()
    run = read_runs(Settings(marts_dir=marts))[-1]
    assert (run["trigger"], run["status"]) == ("deployment", "published")
    assert (marts / "metiers.duckdb").exists()
