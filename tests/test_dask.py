"""The flow `refresh` on a Dask cluster (prefect-dask) publishes the marts the default task
runner publishes: same tables, same rows, same values."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import duckdb
import pytest
from conftest import BUNDLED_RAW

from metiers.core.errors import UsageError

pytest.importorskip("prefect_dask")


def mart_tables(path: Path) -> dict[str, list[tuple]]:
    """Every published table but the meta_ tables of the run (ids, times), rows sorted."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT starts_with(table_name, 'meta_')"
            ).fetchall()
        ]
        return {
            name: connection.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            for name in names
        }


def same_value(left: object, right: object) -> bool:
    """Equal, floats up to their last bits: DuckDB's parallel sums may add in another order
    from one build to the next, whatever the task runner (seen between two default runs)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(same_value, left, right))
    return left == right


def same_row(left: tuple, right: tuple) -> bool:
    return len(left) == len(right) and all(map(same_value, left, right))


def test_dask_cluster_publishes_the_default_runners_marts(prefect_harness, tmp_path, monkeypatch):
    from metiers.flows.refresh import run_refresh_flow

    stage_log = tmp_path / "stages.jsonl"
    monkeypatch.setenv("METIERS_STAGE_LOG", str(stage_log))
    # full: each run reads every file itself (no intake cached by an earlier run).
    common = {"raw_dir": str(BUNDLED_RAW), "min_records": 10, "full": True}
    default = run_refresh_flow("default", marts_dir=str(tmp_path / "default" / "marts"), **common)
    default_ingests = {line for line in stage_log.read_text().splitlines() if '"ingest"' in line}
    stage_log.unlink()
    on_dask = run_refresh_flow(
        "dask",
        # Two worker processes of one thread each: the intake runs outside this process.
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True},
        marts_dir=str(tmp_path / "dask" / "marts"),
        **common,
    )
    assert default_ingests
    ingest_pids = {
        json.loads(line)["pid"]
        for line in stage_log.read_text().splitlines()
        if json.loads(line)["stage"] == "ingest"
    }
    build_pids = {
        json.loads(line)["pid"]
        for line in stage_log.read_text().splitlines()
        if json.loads(line)["stage"] in ("build", "publish")
    }
    # Intake ran on the workers; the one writer of the DuckDB file is this process.
    assert os.getpid() not in ingest_pids and len(ingest_pids) >= 1
    assert build_pids == {os.getpid()}

    default_tables = mart_tables(Path(default.path))
    dask_tables = mart_tables(Path(on_dask.path))
    assert set(dask_tables) == set(default_tables)
    assert {"metier_figures", "metier_regions", "metier_salaries", "metier_cards"} <= set(
        default_tables
    )
    for name, rows in default_tables.items():
        assert len(dask_tables[name]) == len(rows), name
        for ours, theirs in zip(dask_tables[name], rows, strict=True):
            differing = [
                (index, mine, other)
                for index, (mine, other) in enumerate(zip(ours, theirs, strict=True))
                if not same_value(mine, other)
            ]
            assert not differing, (name, ours[:3], differing)
    assert len(default_tables["metier_figures"]) >= 40


def test_task_runner_options_are_checked():
    from metiers.flows.refresh import task_runner_for

    assert task_runner_for("default") is None
    with pytest.raises(UsageError, match="--task-runner dask"):
        task_runner_for("default", "tcp://127.0.0.1:8786")
    with pytest.raises(UsageError, match="unknown task runner"):
        task_runner_for("ray")
    runner = task_runner_for("dask", "tcp://127.0.0.1:8786")
    assert runner.address == "tcp://127.0.0.1:8786"
