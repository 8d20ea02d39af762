"""The release decision of a scheduled run, end to end on a real Prefect server: the run of
the deployment served by `metiers schedule` publishes a candidate with flagged changes and
pauses; readers keep the released version while it waits; a test resumes it through
Prefect's API with "approve" and sees the release, another with "reject" and sees readers
unchanged and the candidate set aside.

Every run here reads a raw folder of one métier, "monteur", with 20 editors (ISCO 2654.5) in
each register year 2022-2025: the released headcount is 20, shown "~20", and its growth 0.
The run's raw folder then changes the 2025 count, which moves the headcount by more than the
20% threshold and the growth away from zero: 2 flagged changes."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from prefecttools import RUN_SECONDS, STARTUP_SECONDS, stop, wait_until
from rawdata import person, write_catalogue, write_register
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # a Prefect server, a serving process, refreshes

DEPLOYMENT = "refresh/release-approval"
runner = CliRunner()
BRUSSELS = ZoneInfo("Europe/Brussels")
FRENCH_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre"]  # fmt: skip


def write_raw(raw: Path, editors_2025: int) -> None:
    """One métier; 20 editors in 2022-2024 and `editors_2025` in 2025."""
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in range(2022, 2026):
        editors = editors_2025 if year == 2025 else 20
        write_register(raw, year, [person(year, f"M{i}", "2654.5") for i in range(editors)])


def french(day: date) -> str:
    """A date as the French card writes it: "2 décembre 2026"."""
    return f"{day.day} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def card(marts: Path, *options: str) -> tuple[str, dict[str, dict]]:
    """The version and the figures by indicator of `metiers figures monteur`."""
    result = runner.invoke(
        app,
        ["figures", "monteur", "--format", "json", "--marts-dir", str(marts), *options],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    figures = {figure["indicator"]: figure for figure in document["figures"]}
    return document["publication"]["version"], figures


def release_log(marts: Path) -> list[dict]:
    """MARTS_DIR/releases.jsonl, read line by line here (not by the code under test)."""
    lines = (marts / "releases.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def meta_releases(path: Path) -> list[dict]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as connection:
        cursor = connection.execute(
            "SELECT action, version, decided_by, channel, reason FROM meta_releases "
            "ORDER BY decided_at"
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def api(server: dict) -> Iterator:
    """A synchronous Prefect client on the test's server (and the settings that point
    Prefect's own helpers, such as resume_flow_run, at it)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: server["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def served(prefect_server: dict, tmp_path_factory: pytest.TempPathFactory):
    """`metiers schedule` serving the deployment; each test's run names its own folders."""
    root = tmp_path_factory.mktemp("served")
    log = (root / "serve.log").open("wb")
    serving = subprocess.Popen(
        [sys.executable, "-m", "metiers", "schedule", "--name", DEPLOYMENT.split("/")[1],
         "--raw-dir", str(root / "raw"), "--marts-dir", str(root / "marts")],
        env=prefect_server, cwd=root, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with api(prefect_server) as client:

            def deployment():
                try:
                    return client.read_deployment_by_name(DEPLOYMENT)
                except Exception:
                    return None

            found = wait_until(deployment, STARTUP_SECONDS, "deployment", [serving])
        yield prefect_server, found.id, serving
    finally:
        stop(serving)
        log.close()


def released_then_changed(tmp_path: Path, editors_2025: int) -> Settings:
    """A first version released (20 editors a year, no decision: nothing released before),
    then the raw folder changed for the scheduled run."""
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    write_raw(settings.raw_dir, 20)
    first = run_refresh(settings)
    assert first.status == "published"
    write_raw(settings.raw_dir, editors_2025)
    return settings


def run_until_paused(served, settings: Settings, **parameters: str) -> tuple[UUID, str]:
    """Trigger a run of the deployment on `settings`' folders (and `parameters`); wait until
    it pauses for the decision. Returns the run's id and the decision form's description."""
    from prefect.input.run_input import keyset_from_paused_state

    server, deployment_id, serving = served
    with api(server) as client:
        run = client.create_flow_run_from_deployment(
            deployment_id,
            parameters={
                "raw_dir": str(settings.raw_dir),
                "marts_dir": str(settings.marts_dir),
                **parameters,
            },
        )

        def paused():
            state = client.read_flow_run(run.id).state
            if state is not None and state.is_final():
                pytest.fail(f"the run ended without pausing: {state.name}: {state.message}")
            return state if state is not None and state.is_paused() else None

        state = wait_until(paused, RUN_SECONDS, "paused run", [serving])
        keyset = keyset_from_paused_state(state)

        def description():
            try:
                return client.read_flow_run_input(run.id, keyset["description"])
            except Exception:
                return None

        text = wait_until(description, STARTUP_SECONDS, "decision form", [serving])
        schema = json.loads(client.read_flow_run_input(run.id, keyset["schema"]))
    assert set(schema["properties"]) == {"decision", "reason", "decided_by", "release_at"}
    return run.id, json.loads(text) if text.startswith('"') else text


def resume_until_final(served, run_id: UUID, run_input: dict | None):
    """Resume the paused run with `run_input` (None: nobody answers) and wait for its end."""
    from prefect.flow_runs import resume_flow_run

    server, _deployment_id, serving = served
    with api(server) as client:
        if run_input is not None:
            resume_flow_run(run_id, run_input=run_input)

        def final():
            state = client.read_flow_run(run_id).state
            return state if state is not None and state.is_final() else None

        return wait_until(final, RUN_SECONDS, "resumed run", [serving])


def assert_readers_on_the_first_version(settings: Settings, first_version: str, digest: str):
    assert sha256(settings.published_path) == digest
    version, figures = card(settings.marts_dir)
    assert version == first_version
    assert (figures["headcount"]["value"], figures["headcount"]["display"]) == (20.0, "~20")


def test_an_approved_candidate_is_released(served, tmp_path: Path) -> None:
    # 30 editors in 2025: headcount 20 -> 30 (+50%), growth 0 -> 1.5 ** (1/3) - 1
    settings = released_then_changed(tmp_path, 30)
    first_version, _ = card(settings.marts_dir)
    digest = sha256(settings.published_path)

    run_id, description = run_until_paused(served, settings)
    # While the run waits, readers see the first version, byte for byte.
    assert_readers_on_the_first_version(settings, first_version, digest)
    candidate_version, candidate = card(settings.marts_dir, "--candidate")
    assert candidate_version != first_version
    assert (candidate["headcount"]["value"], candidate["headcount"]["display"]) == (30.0, "~30")
    # The form says what is decided: the candidate, its 2 flagged changes, the headcount's.
    assert f"Candidate **{candidate_version}**: 2 flagged change(s)" in description
    assert f"released version {first_version}" in description
    assert "| monteur | headcount | ~20 | ~30 |" in description

    days = {datetime.now(BRUSSELS).date()}
    state = resume_until_final(
        served, run_id, {"decision": "approve", "reason": "checked", "decided_by": "test"}
    )
    assert state.is_completed(), f"{state.name}: {state.message}"
    days.add(datetime.now(BRUSSELS).date())

    version, figures = card(settings.marts_dir)
    assert version == candidate_version
    # The 2025 headcount was released as 20 before: the card marks it revised on the day of
    # the approval (Brussels time).
    assert figures["headcount"]["value"] == 30.0
    assert figures["headcount"]["display"] in {f"~30 (révisé le {french(day)})" for day in days}
    assert figures["growth_rate"]["value"] == pytest.approx(1.5 ** (1 / 3) - 1)
    assert not settings.candidate_path.exists()
    expected = {
        "action": "approved",
        "version": candidate_version,
        "decided_by": "test",
        "channel": "prefect",
        "reason": "checked",
    }
    rows = meta_releases(settings.published_path)
    assert [row["action"] for row in rows] == ["released_automatically", "approved"]
    assert rows[-1] == expected
    logged = release_log(settings.marts_dir)
    assert [entry["action"] for entry in logged] == ["released_automatically", "approved"]
    assert {key: logged[-1][key] for key in expected} == expected
    assert logged[-1]["previous_version"] == first_version
    assert logged[-1]["flagged_changes"] == 2


def test_a_rejected_candidate_leaves_readers_unchanged(served, tmp_path: Path) -> None:
    # 12 editors in 2025: headcount 20 -> 12 (-40%), growth 0 -> 0.6 ** (1/3) - 1
    settings = released_then_changed(tmp_path, 12)
    first_version, _ = card(settings.marts_dir)
    digest = sha256(settings.published_path)

    run_id, description = run_until_paused(served, settings)
    assert_readers_on_the_first_version(settings, first_version, digest)
    candidate_version, candidate = card(settings.marts_dir, "--candidate")
    assert (candidate["headcount"]["value"], candidate["headcount"]["display"]) == (12.0, "~12")
    assert "| monteur | headcount | ~20 | ~12 |" in description

    reason = "the 2025 register is incomplete"
    state = resume_until_final(
        served, run_id, {"decision": "reject", "reason": reason, "decided_by": "test"}
    )
    assert state.is_completed(), f"{state.name}: {state.message}"

    assert_readers_on_the_first_version(settings, first_version, digest)
    rejected = settings.candidate_path.parent / "rejected" / f"metiers-{candidate_version}.duckdb"
    assert rejected.is_file()
    assert not settings.candidate_path.exists()
    logged = release_log(settings.marts_dir)
    assert [entry["action"] for entry in logged] == ["released_automatically", "rejected"]
    expected = {
        "action": "rejected",
        "version": candidate_version,
        "decided_by": "test",
        "channel": "prefect",
        "reason": reason,
    }
    assert {key: logged[-1][key] for key in expected} == expected
    assert logged[-1]["released_at"] is None
    # The readers' file still records only its own release.
    assert [row["action"] for row in meta_releases(settings.published_path)] == [
        "released_automatically"
    ]


def test_a_candidate_nobody_decides_on_keeps_waiting(served, tmp_path: Path) -> None:
    """After `[release] approval_timeout_minutes` (1 here) without an answer the run ends
    Failed; the candidate is neither released nor rejected: it waits for `metiers release`."""
    from metiers.core.paths import DEFAULT_SOURCES_FILE

    text = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8")
    assert "approval_timeout_minutes = 1440" in text
    sources = tmp_path / "sources.toml"
    sources.write_text(
        text.replace("approval_timeout_minutes = 1440", "approval_timeout_minutes = 1"),
        encoding="utf-8",
    )
    # 26 editors in 2025: headcount 20 -> 26 (+30%)
    settings = released_then_changed(tmp_path, 26)
    first_version, _ = card(settings.marts_dir)
    digest = sha256(settings.published_path)

    run_id, _description = run_until_paused(served, settings, sources_file=str(sources))
    candidate_version, _ = card(settings.marts_dir, "--candidate")
    state = resume_until_final(served, run_id, None)
    # Prefect fails a pause that expired, whatever the flow does next; metiers' part is that
    # the candidate is left exactly as it was, waiting.
    assert state.is_failed(), f"{state.name}: {state.message}"

    assert_readers_on_the_first_version(settings, first_version, digest)
    assert settings.candidate_path.is_file()
    state_file = json.loads((settings.candidate_path.parent / "candidate.json").read_text("utf-8"))
    assert (state_file["version"], state_file["status"]) == (candidate_version, "waiting")
    assert [entry["action"] for entry in release_log(settings.marts_dir)] == [
        "released_automatically"
    ]
    # The candidate is still there to decide on, from the command line.
    result = runner.invoke(
        app,
        ["release", "--by", "test", "--version", candidate_version,
         "--marts-dir", str(settings.marts_dir), "--sources", str(sources)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    version, figures = card(settings.marts_dir)
    assert (version, figures["headcount"]["value"]) == (candidate_version, 26.0)
    assert release_log(settings.marts_dir)[-1]["channel"] == "cli"
