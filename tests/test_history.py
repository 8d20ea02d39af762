"""Published versions kept in history, listed, and rolled back atomically; validation
without publication; the HTML validation report of every run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from rawdata import person, small_raw, write_register
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.publish.release import release
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # refreshes of their own

runner = CliRunner()


def published(settings: Settings) -> tuple[str, float]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        version = connection.execute("SELECT version FROM meta_publication").fetchone()[0]
        rate = connection.execute("SELECT freelance_rate_max FROM metier_figures").fetchone()[0]
    return version, rate


@pytest.fixture(scope="module")
def three_versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[str]]:
    root = tmp_path_factory.mktemp("history")
    settings = Settings(
        raw_dir=root / "raw", marts_dir=root / "marts", history_keep=2, data_docs=True
    )
    versions = []
    # 400 -> 500 (+25%) is a flagged change: its candidate waits and is approved here;
    # 500 -> 600 (+20%, not above the threshold) is released at once.
    for rate_max in (400, 500, 600):
        small_raw(settings.raw_dir, rate_max)
        publication = run_refresh(settings)
        assert publication.status == ("candidate" if rate_max == 500 else "published")
        if publication.status == "candidate":
            release(settings, decided_by="test", version=publication.version)
        versions.append(publication.version)
    return settings, versions


def test_history_keeps_the_last_n_versions(three_versions) -> None:
    settings, versions = three_versions
    result = runner.invoke(
        app, ["history", "--format", "json", "--marts-dir", str(settings.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    # history_keep=2: the first of three versions is gone; newest first, current marked
    assert [row["version"] for row in rows] == [versions[2], versions[1]]
    assert [row["current"] for row in rows] == [True, False]
    assert all(row["run_id"] and row["inputs_digest"] for row in rows)
    assert rows[0]["input_files"] == 6  # catalogue, 4 register years, facts


def test_rollback_restores_the_previous_version_readable_at_once(
    three_versions, tmp_path: Path
) -> None:
    settings, versions = three_versions
    assert published(settings) == (versions[2], 600.0)
    result = runner.invoke(
        app, ["rollback", "--reason", "test rollback", "--marts-dir", str(settings.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    assert versions[1] in result.output
    # an analyst's new read-only connection, in another process, sees the restored version
    script = (
        "import duckdb, sys\n"
        "c = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(c.execute('SELECT version FROM meta_publication').fetchone()[0])\n"
        "print(c.execute('SELECT freelance_rate_max FROM metier_figures').fetchone()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(settings.published_path)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert out == [versions[1], "500.0"]
    # and forward again, by naming the version
    result = runner.invoke(
        app,
        [
            "rollback",
            "--reason",
            "test rollback",
            versions[2],
            "--marts-dir",
            str(settings.marts_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert published(settings) == (versions[2], 600.0)


def test_rollback_to_an_unknown_version_is_refused(three_versions) -> None:
    settings, versions = three_versions
    before = settings.published_path.read_bytes()
    result = runner.invoke(
        app,
        [
            "rollback",
            "--reason",
            "test rollback",
            versions[0],
            "--marts-dir",
            str(settings.marts_dir),
        ],
    )
    assert result.exit_code == 2
    assert "not in history" in result.output and versions[2] in result.output
    assert settings.published_path.read_bytes() == before


def test_every_run_asked_for_writes_data_docs(three_versions) -> None:
    settings, _versions = three_versions
    pages = sorted(settings.validation_dir.glob("*/gx/uncommitted/data_docs/local_site/index.html"))
    assert len(pages) == 3
    site = pages[-1].parent
    # one validation page per source file and per mart suite
    suites = {path.name for path in (site / "validations").iterdir()}
    assert {"metiers", "register", "facts", "metier_figures", "metier_cards"} <= suites


def test_validate_checks_without_publishing(tmp_path: Path) -> None:
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    small_raw(raw, 450)
    result = runner.invoke(app, ["validate", "--raw-dir", str(raw), "--marts-dir", str(marts)])
    assert result.exit_code == 0, result.output
    assert "register_2025.parquet" in result.output and "ok" in result.output
    assert not (marts / "metiers.duckdb").exists()
    write_register(raw, 2025, [person(2025, "P1", "2654.5", region="XX")])
    result = runner.invoke(app, ["validate", "--raw-dir", str(raw), "--marts-dir", str(marts)])
    assert result.exit_code == 1
    assert "REJECTED" in result.output and "'region'" in result.output
    reports = list((tmp_path / "quarantine").glob("*/register/register_2025.parquet.json"))
    assert len(reports) == 1
    assert json.loads(reports[0].read_text())["problems"][0]["column"] == "region"
    assert not (marts / "metiers.duckdb").exists()
