"""Shared fixtures: Prefect and GX kept inside the project, one published sample mart."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# The real Prefect server of tests/prefecttools.py, a fixture for every test module.
from prefecttools import prefect_server  # noqa: F401

from metiers.core.config import Settings, prepare_environment
from metiers.core.paths import PROJECT_ROOT

prepare_environment()

BUNDLED_RAW = PROJECT_ROOT / "data" / "raw"
# Fixtures that start a Prefect server or refresh raw folders of their own: every test that
# uses one is marked `slow`, wherever it is written (the bad-input files of each topic share
# `baseline` and `corpus_run` with tests/test_bad_inputs.py). Other slow tests carry the
# marker themselves. `pytest -m "not slow"` is the quick run; plain `pytest` runs everything.
SLOW_FIXTURES = frozenset({"prefect_harness", "prefect_server", "baseline", "corpus_run"})
# The real publishers' files live in ../shared beside the checkout (CI lays it there too).
SHARED_DIR = Path(os.environ.get("METIERS_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the real files must be there: tests on them may not quietly skip.

    Prefect's logging is set up here, once per process (each xdist worker too): it binds its
    handlers to the sys.stderr of that moment. Set up first inside a test's CliRunner, they
    would keep that runner's stream, closed once the test ends, and every later Prefect log
    line would fail."""
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()

    if os.environ.get("CI") and not (SHARED_DIR / "data" / "external").is_dir():
        raise pytest.UsageError(
            f"CI is set but {SHARED_DIR / 'data' / 'external'} is missing: the adapters' "
            "tests need the real publishers' files (set METIERS_SHARED_DIR)"
        )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server per test process (each xdist worker), shared by every test
    that runs a flow: a server start costs tens of seconds on a busy machine."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        # In the environment too: the CLI chooses its server from it (metiers.refresh.orchestrator),
        # and commands run in child processes use the same test server.
        before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = PREFECT_API_URL.value()
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = before


@pytest.fixture(scope="session")
def bundled_mart(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The bundled sample refreshed once (without Prefect) into a temporary marts folder."""
    from metiers.refresh.pipeline import run_refresh

    root = tmp_path_factory.mktemp("bundled")
    settings = Settings(raw_dir=BUNDLED_RAW, marts_dir=root / "marts")
    run_refresh(settings)
    return settings
