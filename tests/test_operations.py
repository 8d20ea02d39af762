"""Operations: incremental refresh, the run record (`meta_runs`, `metiers runs`), freshness
(`metiers status`, stale lineage) and progress output."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import duckdb
import pytest
from rawdata import (
    person,
    sources_releasing_everything,
    write_catalogue,
    write_facts,
    write_register,
)
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.errors import DataRejected
from metiers.core.progress import track
from metiers.publish.runs import read_runs
from metiers.refresh import pipeline
from metiers.refresh.pipeline import run_refresh
from metiers.validate.intake_cache import intake_key

pytestmark = pytest.mark.slow  # many refreshes of their own

runner = CliRunner()
YEARS = range(2022, 2026)
DAY = 86400


def persons(year: int, count: int) -> list[dict]:
    return [person(year, f"P{index}", "2654.5", age=30 + index) for index in range(count)]


def small_raw(raw: Path) -> None:
    """One métier, 12 persons a year in 2022-2025, one freelance-rate fact."""
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in YEARS:
        write_register(raw, year, persons(year, 12))
    write_facts(
        raw,
        [{"slug": "monteur", "indicator": "freelance_rate", "value_min": 300,
          "value_max": 500, "unit": "eur_per_day", "year": 2025, "source": "Test",
          "source_url": "https://example.org"}],
    )  # fmt: skip


def file_state(path: Path) -> tuple[str, int, int]:
    """Bytes (as a hash), modification time and inode of a file."""
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mtime_ns, stat.st_ino


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def three_refreshes(tmp_path_factory: pytest.TempPathFactory):
    """First refresh, a second with nothing changed, a third after one register year grew
    from 12 to 20 persons. Every version is released at once (release policy `never`): these
    tests are about what a refresh reads again, not about release decisions."""
    root = tmp_path_factory.mktemp("operations")
    settings = Settings(
        raw_dir=root / "raw",
        marts_dir=root / "marts",
        sources_file=sources_releasing_everything(root),
    )
    small_raw(settings.raw_dir)
    first = run_refresh(settings)
    after_first = file_state(settings.published_path)
    second = run_refresh(settings)
    after_second = file_state(settings.published_path)
    write_register(settings.raw_dir, 2025, persons(2025, 20))
    third = run_refresh(settings)
    return settings, (first, second, third), (after_first, after_second)


def test_unchanged_inputs_leave_the_published_file_alone(three_refreshes) -> None:
    settings, (first, second, _third), (after_first, after_second) = three_refreshes
    assert first.status == "published"
    assert second.status == "unchanged"
    assert second.version == first.version
    # Same bytes, same modification time, same inode: the file was not rewritten.
    assert after_second == after_first
    runs = read_runs(settings)
    assert [run["status"] for run in runs] == ["published", "unchanged", "published"]
    unchanged = runs[1]
    assert {item["intake"] for item in unchanged["inputs"]} == {"reused"}
    assert len(unchanged["inputs"]) == 6  # catalogue, 4 register years, facts
    assert "build" not in unchanged["seconds_per_stage"]
    assert unchanged["version"] == first.version


def test_one_changed_register_year_is_the_only_file_read_again(three_refreshes) -> None:
    settings, (_first, _second, third), _states = three_refreshes
    assert third.status == "published"
    rows = query(settings, "SELECT path, intake, status FROM meta_sources ORDER BY path")
    read_again = [path for path, intake, _status in rows if intake == "ingested"]
    assert read_again == ["register/register_2025.parquet"]
    assert {status for _p, _i, status in rows} == {"validated"}
    last = read_runs(settings)[-1]
    assert [item["path"] for item in last["inputs"] if item["intake"] == "ingested"] == [
        "register/register_2025.parquet"
    ]
    # The register's rows per source: 12 + 12 + 12 + 20 persons.
    assert last["rows_per_source"]["register"] == 56
    meta_runs = query(
        settings, "SELECT status, files_read, files_reused FROM meta_runs ORDER BY started_at"
    )
    assert meta_runs == [("published", 6, 0), ("unchanged", 0, 6), ("published", 1, 5)]


def test_the_new_figures_appear_in_figure_changes(three_refreshes) -> None:
    settings, (first, _second, _third), _states = three_refreshes
    changes = {
        indicator: (previous, old, new, flagged)
        for indicator, previous, old, new, flagged in query(
            settings,
            "SELECT indicator, previous_version, old_value, new_value, flagged "
            "FROM figure_changes WHERE slug = 'monteur'",
        )
    }
    # Headcount is the 2025 persons: 12 before, 20 now; +67% is above the 20% threshold.
    assert changes["headcount"] == (first.version, 12, 20, True)
    # Annual growth 2022 -> 2025 (three years): 0 before, (20 / 12)^(1/3) - 1 now.
    _previous, old, new, _flagged = changes["growth_rate"]
    assert old == pytest.approx(0.0)
    assert new == pytest.approx((20 / 12) ** (1 / 3) - 1)


def test_full_refresh_reads_everything_and_publishes(tmp_path: Path) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)
    first = run_refresh(settings)
    again = run_refresh(settings, full=True)
    assert again.status == "published"
    assert again.version != first.version
    intakes = query(settings, "SELECT DISTINCT intake FROM meta_sources")
    assert intakes == [("ingested",)]
    assert read_runs(settings)[-1]["mode"] == "full"


def test_a_lost_staging_batch_is_read_again(tmp_path: Path) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)
    run_refresh(settings)
    for batch in (settings.staging_dir / "register").glob("register_2023.parquet.*.parquet"):
        batch.unlink()
    result = run_refresh(settings)
    assert result.status == "unchanged"
    last = read_runs(settings)[-1]
    read_again = [item["path"] for item in last["inputs"] if item["intake"] == "ingested"]
    assert read_again == ["register/register_2023.parquet"]
    assert list((settings.staging_dir / "register").glob("register_2023.parquet.*.parquet"))


def test_changed_rules_or_settings_invalidate_what_was_reused(tmp_path: Path) -> None:
    settings = Settings(
        raw_dir=tmp_path / "raw",
        marts_dir=tmp_path / "marts",
        sources_file=sources_releasing_everything(tmp_path),  # newly withheld: released at once
    )
    small_raw(settings.raw_dir)
    path = settings.raw_dir / "register" / "register_2024.parquet"
    key = intake_key("register", path, "a" * 64, settings)
    assert key != intake_key("register", path, "b" * 64, settings)
    assert key != intake_key(
        "register", path, "a" * 64, Settings(raw_dir=settings.raw_dir, staging_dir=tmp_path / "s")
    )
    run_refresh(settings)
    stricter = Settings(
        raw_dir=settings.raw_dir,
        marts_dir=settings.marts_dir,
        min_records=13,
        sources_file=settings.sources_file,
    )
    result = run_refresh(stricter)
    assert result.status == "published", "a new disclosure threshold rebuilds the marts"
    # 12 persons a year is now below the threshold: the headcount is withheld.
    assert query(stricter, "SELECT headcount FROM metier_figures") == [(None,)]


def test_a_failed_run_names_its_task_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)

    def broken_build(*_args, **_kwargs):
        raise RuntimeError("disk full while writing the build file")

    monkeypatch.setattr(pipeline, "build_marts", broken_build)
    with pytest.raises(RuntimeError):
        run_refresh(settings)
    failed = read_runs(settings)[-1]
    assert failed["status"] == "failed"
    assert failed["failed_task"] == "build"
    assert failed["error"] == "RuntimeError: disk full while writing the build file"
    assert not settings.published_path.exists()
    monkeypatch.undo()
    # A required source without files: rejected before intake, and said so.
    for path in (settings.raw_dir / "register").iterdir():
        path.unlink()
    with pytest.raises(DataRejected):
        run_refresh(settings)
    rejected = read_runs(settings)[-1]
    assert (rejected["status"], rejected["failed_task"]) == ("rejected", "discover")
    assert "register" in rejected["error"]
    result = runner.invoke(app, ["runs", "--marts-dir", str(settings.marts_dir)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["run", "started", "(UTC)"]
    assert "rejected" in lines[1] and "discover:" in lines[1]
    assert "failed" in lines[2] and "build: RuntimeError: disk full" in lines[2]


def test_runs_command_lists_the_latest_runs_newest_first(three_refreshes) -> None:
    settings, (_first, second, third), _states = three_refreshes
    result = runner.invoke(
        app, ["runs", "--format", "json", "--limit", "2", "--marts-dir", str(settings.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [run["version"] for run in shown] == [third.version, second.version]
    assert [run["status"] for run in shown] == ["published", "unchanged"]
    table = runner.invoke(app, ["runs", "--marts-dir", str(settings.marts_dir)])
    rows = table.output.splitlines()[1:]
    assert len(rows) == 3
    # newest first: read 1 / reused 5, then 0 / 6, then 6 / 0
    assert [row.split()[5:8] for row in rows] == [
        ["published", "1", "5"],
        ["unchanged", "0", "6"],
        ["published", "6", "0"],
    ]


def test_status_shows_stale_sources_and_lineage_flags_them(tmp_path: Path) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)
    facts = settings.raw_dir / "facts" / "facts.csv"
    old = time.time() - 400 * DAY  # facts declare a cadence of 180 days
    os.utime(facts, (old, old))
    run_refresh(settings)
    args = ["--raw-dir", str(settings.raw_dir), "--marts-dir", str(settings.marts_dir)]
    result = runner.invoke(app, ["status", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["stale_sources"] == ["facts"]
    by_source = {row["source_id"]: row for row in report["sources"]}
    assert by_source["facts"]["age_days"] == pytest.approx(400, abs=0.1)
    assert by_source["facts"]["cadence_days"] == 180
    assert by_source["register"]["stale"] is False
    assert by_source["register"]["newest_file"].startswith("register/register_")
    assert report["publication"]["reference_year"] == 2025
    assert report["last_run"]["status"] == "published"
    table = runner.invoke(app, ["status", *args])
    facts_line = next(line for line in table.output.splitlines() if line.startswith("facts"))
    assert "STALE" in facts_line and "400d" in facts_line
    assert runner.invoke(app, ["status", "--fail-on-stale", *args]).exit_code == 1
    # The figures fed by the stale source say so in their lineage; the others do not.
    lineage = query(
        settings,
        "SELECT source_id, bool_and(source_stale), bool_or(source_stale) "
        "FROM metier_figure_lineage WHERE source_id IS NOT NULL GROUP BY 1 ORDER BY 1",
    )
    assert ("facts", True, True) in lineage
    assert all(not any_stale for source, _all, any_stale in lineage if source != "facts")


def test_progress_logs_plain_lines_when_not_interactive(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("metiers.core.progress.interactive", lambda: False)
    with caplog.at_level(logging.INFO, logger="metiers"):
        seen = list(track(["a.csv", "b.csv", "c.csv"], 3, "intake"))
    assert seen == ["a.csv", "b.csv", "c.csv"]
    assert [record.getMessage() for record in caplog.records] == [
        "intake 1/3: a.csv",
        "intake 2/3: b.csv",
        "intake 3/3: c.csv",
    ]


def test_progress_draws_a_bar_in_a_terminal(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("metiers.core.progress.interactive", lambda: True)
    with caplog.at_level(logging.INFO, logger="metiers"):
        seen = list(track(range(5), 5, "intake"))
    assert seen == [0, 1, 2, 3, 4]
    # One summary line instead of a line per item.
    assert [record.getMessage() for record in caplog.records] == ["intake: 5 done"]


def test_a_damaged_cache_or_run_log_line_is_read_around(tmp_path: Path) -> None:
    """A truncated intake record is a cache miss (the file is read again), and a torn last
    line of the run log (a writer killed mid-line) is skipped, not an error."""
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)
    run_refresh(settings)
    records = list((settings.staging_dir / "register").glob("register_2024.parquet.*.intake.json"))
    assert len(records) == 1
    records[0].write_bytes(records[0].read_bytes()[:40])
    with (settings.marts_dir / "runs.jsonl").open("a", encoding="utf-8") as log:
        log.write('{"run_id": "torn", "sta')
    result = run_refresh(settings)
    assert result.status == "unchanged"
    runs = read_runs(settings)
    assert [run["status"] for run in runs] == ["published", "unchanged"]
    read_again = [item["path"] for item in runs[-1]["inputs"] if item["intake"] == "ingested"]
    assert read_again == ["register/register_2024.parquet"]
