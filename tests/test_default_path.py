"""The default path a new user takes: `metiers refresh` as the README gives it.

A data rejection is an ordinary outcome in every mode (message and exit code, no
traceback); a refresh with nothing changed says `unchanged` without starting Prefect or
importing GX; a clean refresh writes the HTML report only when asked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rawdata import person, sources_releasing_everything, write_catalogue, write_register

from metiers.core.config import Settings
from metiers.refresh.pipeline import run_refresh

CATALOGUE = [
    {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
     "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3},
]  # fmt: skip


def small_raw(raw: Path) -> None:
    write_catalogue(raw, CATALOGUE)
    for year in range(2022, 2026):
        write_register(raw, year, [person(year, f"P{i}", "2654.5") for i in range(12)], "csv")


def metiers(
    *args: str, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """The installed command, in a process of its own (what a user's terminal shows)."""
    return subprocess.run(
        [sys.executable, "-m", "metiers", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_default_refresh_rejects_an_empty_register_file_without_traceback(
    prefect_harness, tmp_path: Path
) -> None:
    """The Prefect flow (the default mode) on a raw folder whose register file is empty: exit
    1, the message naming the file and the rule, and no Python traceback anywhere."""
    from prefect.settings import PREFECT_API_URL

    raw = tmp_path / "raw"
    small_raw(raw)
    (raw / "register" / "register_2024.csv").write_bytes(b"")
    result = metiers(
        "refresh", "--raw-dir", str(raw), "--marts-dir", str(tmp_path / "marts"),
        env={"PREFECT_API_URL": PREFECT_API_URL.value()},
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert "register/register_2024.csv" in output and "file is empty" in output
    assert "error: " in result.stderr
    # the flow ran (its lines are there) and ended Failed with the clean message
    assert "Flow run" in output and "Failed" in output
    assert not (tmp_path / "marts" / "metiers.duckdb").exists()


NOOP_PROBE = """
import json, sys
from typer.testing import CliRunner
from metiers.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({
    "exit_code": result.exit_code,
    "output": result.output,
    "prefect": "prefect" in sys.modules,
    "gx": "great_expectations" in sys.modules,
}))
"""


@pytest.mark.parametrize("mode", ["--prefect", "--no-prefect"])
def test_a_refresh_with_nothing_changed_starts_no_orchestrator(tmp_path: Path, mode: str) -> None:
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    small_raw(raw)
    publication = run_refresh(Settings(raw_dir=raw, marts_dir=marts))
    before = (marts / "metiers.duckdb").stat()
    probe = subprocess.run(
        [sys.executable, "-c", NOOP_PROBE, "refresh", mode, "--raw-dir", str(raw),
         "--marts-dir", str(marts)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["exit_code"] == 0, seen["output"]
    assert f"unchanged: no input changed since version {publication.version}" in seen["output"]
    assert not seen["prefect"] and not seen["gx"]
    after = (marts / "metiers.duckdb").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # the no-op is a run of its own in the log, every file reused
    runs = [json.loads(line) for line in (marts / "runs.jsonl").read_text().splitlines()]
    assert [run["status"] for run in runs] == ["published", "unchanged"]
    assert runs[-1]["version"] == publication.version
    assert {item["intake"] for item in runs[-1]["inputs"]} == {"reused"}
    assert len(runs[-1]["inputs"]) == 5  # the catalogue and four register years


def test_a_changed_file_is_not_mistaken_for_a_no_op(tmp_path: Path) -> None:
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    small_raw(raw)
    sources = sources_releasing_everything(tmp_path)  # 12 -> 15 persons is a flagged change
    first = run_refresh(Settings(raw_dir=raw, marts_dir=marts, sources_file=sources))
    write_register(raw, 2025, [person(2025, f"P{i}", "2654.5") for i in range(15)], "csv")
    result = metiers(
        "refresh", "--no-prefect", "--raw-dir", str(raw), "--marts-dir", str(marts),
        "--sources", str(sources),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout and first.version not in result.stdout
    import duckdb

    with duckdb.connect(str(marts / "metiers.duckdb"), read_only=True) as connection:
        (headcount,) = connection.execute("SELECT headcount FROM metier_figures").fetchone()
    assert headcount == 15


def test_data_docs_only_when_asked_or_when_a_rule_fails(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    small_raw(raw)
    clean = Settings(raw_dir=raw, marts_dir=tmp_path / "clean")
    run_refresh(clean)
    assert not clean.validation_dir.exists() or not any(clean.validation_dir.iterdir())
    asked = Settings(raw_dir=raw, marts_dir=tmp_path / "asked", data_docs=True)
    run_refresh(asked)
    assert list(asked.validation_dir.glob("*/gx/uncommitted/data_docs/local_site/index.html"))
    # a rejected register file: the report is written without asking, and names the rule
    write_register(raw, 2025, [person(2025, "P1", "2654.5", sex="X")], "csv")
    failing = Settings(raw_dir=raw, marts_dir=tmp_path / "failing")
    with pytest.raises(Exception, match="sex"):
        run_refresh(failing)
    pages = list(failing.validation_dir.rglob("validations/**/*.html"))
    assert pages
    texts = [page.read_text(encoding="utf-8") for page in pages]
    assert any("sex" in text and "values must belong" in text for text in texts)
