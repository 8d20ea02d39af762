"""The Prefect flow `refresh` publishes what the plain stages publish, and fails the same way."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from rawdata import person, write_catalogue, write_register

from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected
from metiers.refresh.pipeline import run_refresh


def other_raw_folder(raw: Path) -> None:
    """A catalogue and register unlike the bundled sample: two métiers, four years."""
    write_catalogue(
        raw,
        [
            {"slug": "boulanger", "title_fr": "Boulanger", "title_nl": "Bakker",
             "title_en": "Baker", "esco_code": "7512", "training_years_min": 1,
             "training_years_max": 3, "training_plus_experience": "false"},
            {"slug": "patissier", "title_fr": "Pâtissier", "title_nl": "Banketbakker",
             "title_en": "Pastry cook", "esco_code": "7512.3", "training_years_min": 2,
             "training_years_max": 2, "training_plus_experience": "true"},
        ],
    )  # fmt: skip
    for year in range(2022, 2026):
        rows = [
            person(year, f"P{index}", "7512.3" if index < 12 else "7512.1", age=20 + index)
            for index in range(12 + 3 * (year - 2022))
        ]
        write_register(raw, year, rows, "csv" if year % 2 else "parquet")


def figures(marts: Path) -> list[tuple]:
    with duckdb.connect(str(marts / "metiers.duckdb"), read_only=True) as connection:
        return connection.execute(
            "SELECT slug, headcount, growth_rate, average_age FROM metier_figures ORDER BY slug"
        ).fetchall()


def test_flow_publishes_the_same_figures_as_the_plain_stages(
    prefect_harness, tmp_path: Path
) -> None:
    from metiers.flows.refresh import refresh

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    publication = refresh(raw_dir=str(raw), marts_dir=str(tmp_path / "flow"))
    run_refresh(Settings(raw_dir=raw, marts_dir=tmp_path / "plain"))
    assert Path(publication.path) == tmp_path / "flow" / "metiers.duckdb"
    got = figures(tmp_path / "flow")
    assert got == figures(tmp_path / "plain")
    # boulanger (7512) holds all 21 persons of 2025; patissier (7512.3) the first 12
    assert [(slug, headcount) for slug, headcount, _g, _a in got] == [
        ("boulanger", 21.0),
        ("patissier", 12.0),
    ]
    # patissier: 12 persons every year -> no growth; ages 20..31 -> mean 25.5
    assert got[1][2] == pytest.approx(0.0)
    assert got[1][3] == pytest.approx(25.5)


def test_flow_reports_rejected_data(prefect_harness, tmp_path: Path) -> None:
    from metiers.flows.refresh import refresh

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    write_register(raw, 2025, [person(2025, "P1", "7512", sex="X")], "parquet")
    with pytest.raises(DataRejected) as rejected:
        refresh(raw_dir=str(raw), marts_dir=str(tmp_path / "marts"))
    assert "'sex'" in str(rejected.value)
    assert not (tmp_path / "marts" / "metiers.duckdb").exists()


def _task_runs(flow_run_id, settle_seconds: float = 150) -> dict[str, list]:
    """Task runs of a flow run by task name, with their states, from the Prefect API. Task
    states reach the server as events, a moment after the flow returns: wait until every one
    is final and their number stops changing; fail, saying so, if they have not settled
    within `settle_seconds` (generous for a machine 5x slower than an idle one)."""
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline, previous = time.monotonic() + settle_seconds, None
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            states = sorted((run.name, run.state.name if run.state else "") for run in runs)
            settled = all(run.state and run.state.is_final() for run in runs)
            if settled and states == previous:
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"task runs of flow run {flow_run_id} not settled after {settle_seconds} s "
                    f"(all final: {settled}): {states}"
                )
            previous = states
            time.sleep(0.5)
    by_name: dict[str, list] = {}
    for task_run in runs:
        by_name.setdefault(task_run.name.rsplit("-", 1)[0], []).append(task_run.state)
    return by_name


def test_flow_caches_intake_on_paths_and_hashes(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unchanged file is not read again: the intake task reuses metiers' own JSON intake
    record (the cache `--no-prefect` uses too); Prefect keeps no cached result of its own."""
    import metiers.flows.refresh as flow_module
    from metiers.publish.runs import read_runs
    from metiers.refresh import pipeline

    raw, marts = tmp_path / "raw", tmp_path / "marts"
    other_raw_folder(raw)
    first = flow_module.refresh(raw_dir=str(raw), marts_dir=str(marts))
    published = marts / "metiers.duckdb"
    before = (published.read_bytes(), published.stat().st_mtime_ns)
    read: list[str] = []
    real_take_in = pipeline.take_in

    def counting_take_in(source, raw_path, *args, **kwargs):
        read.append(Path(raw_path).name)
        return real_take_in(source, raw_path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "take_in", counting_take_in)
    state = flow_module.refresh(raw_dir=str(raw), marts_dir=str(marts), return_state=True)
    second = state.result()
    assert (second.status, second.version) == ("unchanged", first.version)
    assert (published.read_bytes(), published.stat().st_mtime_ns) == before
    assert read == [], "no raw file read again"
    intakes = _task_runs(state.state_details.flow_run_id)["intake"]
    assert len(intakes) == 5  # the catalogue and four register years; and no build
    # Prefect's own cache is off: the tasks ran, and found metiers' intake records.
    assert [task_state.name for task_state in intakes] == ["Completed"] * 5
    assert "build" not in _task_runs(state.state_details.flow_run_id)
    last = read_runs(Settings(marts_dir=marts))[-1]
    assert {item["intake"] for item in last["inputs"]} == {"reused"}
    assert len(list((tmp_path / "staging").rglob("*.intake.json"))) == 5
    # One register year changes: only that file is read again.
    write_register(raw, 2024, [person(2024, f"P{i}", "7512.3") for i in range(30)], "parquet")
    state = flow_module.refresh(raw_dir=str(raw), marts_dir=str(marts), return_state=True)
    assert state.result().status == "published"
    assert read == ["register_2024.parquet"]
    last = read_runs(Settings(marts_dir=marts))[-1]
    assert [item["path"] for item in last["inputs"] if item["intake"] == "ingested"] == [
        "register/register_2024.parquet"
    ]
    # One cache for both modes: the plain refresh reuses what the flow took in.
    plain = run_refresh(Settings(raw_dir=raw, marts_dir=marts))
    assert plain.status == "unchanged"
    last = read_runs(Settings(marts_dir=marts))[-1]
    assert {item["intake"] for item in last["inputs"]} == {"reused"}


def test_flow_retries_reading_after_an_io_error(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import metiers.flows.refresh as flow_module
    from metiers.refresh import pipeline

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    failed_once: set[str] = set()
    real_take_in = pipeline.take_in

    def flaky_take_in(source, raw_path, *args, **kwargs):
        if str(raw_path) not in failed_once:
            failed_once.add(str(raw_path))
            raise OSError(f"share not reachable: {raw_path}")
        return real_take_in(source, raw_path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "take_in", flaky_take_in)
    state = flow_module.refresh(
        raw_dir=str(raw), marts_dir=str(tmp_path / "marts"), full=True, return_state=True
    )
    assert state.is_completed(), state.message
    assert len(failed_once) == 5
    intakes = _task_runs(state.state_details.flow_run_id)["intake"]
    assert [task_state.name for task_state in intakes] == ["Completed"] * 5
    assert figures(tmp_path / "marts")[1][1] == 12.0


def test_a_failed_flow_names_the_task_and_why(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import metiers.flows.refresh as flow_module
    from metiers.publish.runs import read_runs
    from metiers.refresh import pipeline

    raw, marts = tmp_path / "raw", tmp_path / "marts"
    other_raw_folder(raw)

    def broken_build(*_args, **_kwargs):
        raise RuntimeError("no space left on device")

    monkeypatch.setattr(pipeline, "build_marts", broken_build)
    state = flow_module.refresh(raw_dir=str(raw), marts_dir=str(marts), return_state=True)
    assert state.is_failed()
    build_states = _task_runs(state.state_details.flow_run_id)["build"]
    assert [task_state.name for task_state in build_states] == ["Failed"]
    assert "no space left on device" in build_states[0].message
    last = read_runs(Settings(marts_dir=marts))[-1]
    assert (last["status"], last["failed_task"]) == ("failed", "build")
    assert last["error"] == "RuntimeError: no space left on device"
    assert not (marts / "metiers.duckdb").exists()


# The stage functions the one refresh sequence (metiers.refresh.pipeline.refresh_with) hands to its
# runner, and the Prefect task each must run in under the flow.
STAGE_FUNCTIONS = {
    "hashed_raw_files": "discover",
    "take_in_file": "intake",
    "decide": "quarantine",
    "build_marts": "build",
    "check_marts": "validate-marts",
    "publish": "publish",
    "write_report_or_warn": "report",
}


def record_stage_calls(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, str | None]]):
    """Wrap every stage function of metiers.refresh.pipeline so that each call records its name and
    the Prefect task it runs in (None outside a task)."""
    import functools
    import sys

    from metiers.refresh import pipeline

    def task_name() -> str | None:
        if "prefect" not in sys.modules:
            return None
        from prefect.context import TaskRunContext

        context = TaskRunContext.get()
        return context.task.name if context else None

    for name in STAGE_FUNCTIONS:
        function = getattr(pipeline, name)

        @functools.wraps(function)
        def recorded(*args, __function=function, **kwargs):
            calls.append((__function.__name__, task_name()))
            return __function(*args, **kwargs)

        monkeypatch.setattr(pipeline, name, recorded)


def test_flow_and_plain_mode_run_one_sequence(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same stage functions in the same order in both modes, each in the flow as the task
    of its stage's name, and the same stages in both run records."""
    import metiers.flows.refresh as flow_module
    from metiers.publish.runs import read_runs

    raw = tmp_path / "raw"
    other_raw_folder(raw)
    in_flow: list[tuple[str, str | None]] = []
    record_stage_calls(monkeypatch, in_flow)
    flow_module.refresh(raw_dir=str(raw), marts_dir=str(tmp_path / "flow"), data_docs=True)
    monkeypatch.undo()
    plain: list[tuple[str, str | None]] = []
    record_stage_calls(monkeypatch, plain)
    plain_settings = Settings(raw_dir=raw, marts_dir=tmp_path / "plain", data_docs=True)
    run_refresh(plain_settings)
    # discover, one intake per raw file (the catalogue and four register years), then the rest
    expected = ["hashed_raw_files"] + ["take_in_file"] * 5 + [
        "decide", "build_marts", "check_marts", "publish", "write_report_or_warn"
    ]  # fmt: skip
    assert [function for function, _task in plain] == expected
    assert [function for function, _task in in_flow] == expected
    assert [task for _function, task in plain] == [None] * len(expected)
    assert [task for _function, task in in_flow] == [STAGE_FUNCTIONS[f] for f in expected]
    flow_run = read_runs(Settings(marts_dir=tmp_path / "flow"))[-1]
    plain_run = read_runs(plain_settings)[-1]
    stages = ["discover", "intake", "quarantine", "build", "validate-marts", "publish", "report"]
    assert list(flow_run["seconds_per_stage"]) == list(plain_run["seconds_per_stage"]) == stages
    assert (flow_run["trigger"], plain_run["trigger"]) == ("flow", "cli")
    for record in (flow_run, plain_run):
        assert (record["status"], record["mode"], record["failed_task"]) == (
            "published", "incremental", None
        )  # fmt: skip
    # one intake cache (staging beside both marts folders): the plain run reuses the flow's
    assert {item["intake"] for item in flow_run["inputs"]} == {"ingested"}
    assert {item["intake"] for item in plain_run["inputs"]} == {"reused"}


def test_flow_tasks_take_the_one_retry_policy() -> None:
    """The tasks' retries are the plain runner's (tests/test_runner.py): intake 3 times after
    2, 4, 8 s with jitter, discover twice after 2, 4 s; only an OSError is retried; every
    task but intake has a timeout; no task caches or persists its result."""
    from prefect.states import Failed

    import metiers.flows.refresh as flow_module
    from metiers.refresh import pipeline

    intake = flow_module.stage_task("intake", pipeline.take_in_file)
    discover = flow_module.stage_task("discover", pipeline.hashed_raw_files)
    build = flow_module.stage_task("build", pipeline.build_marts)
    assert (intake.retries, intake.retry_delay_seconds, intake.retry_jitter_factor) == (
        3, [2.0, 4.0, 8.0], 0.5
    )  # fmt: skip
    assert (discover.retries, discover.retry_delay_seconds, discover.retry_jitter_factor) == (
        2, [2.0, 4.0], None
    )  # fmt: skip
    assert build.retries == 0
    assert (intake.timeout_seconds, discover.timeout_seconds, build.timeout_seconds) == (
        None, 600, 3600
    )  # fmt: skip
    assert {task.persist_result for task in (intake, discover, build)} == {False}
    problem = DataProblem(file="register/register_2025.csv", rule="a rule")
    for task in (intake, discover):
        assert task.retry_condition_fn(task, None, Failed(data=OSError("share not reachable")))
        assert not task.retry_condition_fn(task, None, Failed(data=DataRejected([problem])))
        assert not task.retry_condition_fn(task, None, Failed(data=KeyError("a bug")))
