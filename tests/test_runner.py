"""The plain runner of `--no-prefect`: the flow's retries, without Prefect and without waiting.

The retry policy is declared once (`metiers.core.config.RETRY_POLICIES`): `discover` retries an
OSError twice, `intake` three times, after 2, 4, 8 s (intake's spread by up to half of each
wait). The expected waits below are worked out by hand from that rule.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from rawdata import person, write_catalogue, write_register

from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected
from metiers.publish.runs import read_runs
from metiers.refresh import pipeline
from metiers.refresh.runner import PlainRunner


class Flaky:
    """A stage function that raises `error` on its first `failures` calls, then returns."""

    def __init__(self, failures: int, error: BaseException, result: str = "done") -> None:
        self.failures, self.error, self.result = failures, error, result
        self.calls = 0

    def __call__(self, *args: object) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return f"{self.result}{args}"


def runner_waiting_into(waits: list[float], draw: float = 0.5) -> PlainRunner:
    """A plain runner that records the waits it asks for instead of sleeping; `draw` is the
    jitter's random number (0.5: the nominal wait, 0: the shortest, 1: the longest)."""
    return PlainRunner(sleep=waits.append, draw=lambda: draw)


def test_intake_retries_an_io_error_three_times_then_succeeds() -> None:
    waits: list[float] = []
    stage = Flaky(3, OSError("share not reachable"))
    assert runner_waiting_into(waits).run_stage("intake", stage, "a", 1) == "done('a', 1)"
    assert stage.calls == 4
    assert waits == [2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    ("draw", "expected"),
    [(0.0, [1.0, 2.0, 4.0]), (1.0, [3.0, 6.0, 12.0]), (0.25, [1.5, 3.0, 6.0])],
)
def test_intake_waits_are_spread_by_half_of_each_nominal_wait(
    draw: float, expected: list[float]
) -> None:
    waits: list[float] = []
    stage = Flaky(3, FileNotFoundError("gone for a moment"))
    runner_waiting_into(waits, draw).run_stage("intake", stage)
    assert waits == pytest.approx(expected)


def test_discover_retries_twice_without_jitter_then_fails_with_the_io_error() -> None:
    waits: list[float] = []
    error = OSError(5, "Input/output error")
    stage = Flaky(10, error)
    with pytest.raises(OSError) as raised:
        runner_waiting_into(waits, draw=0.9).run_stage("discover", stage)
    assert raised.value is error
    assert stage.calls == 3  # the first call and two retries
    assert waits == [2.0, 4.0]


def test_intake_gives_up_after_three_retries() -> None:
    waits: list[float] = []
    stage = Flaky(10, OSError("share not reachable"))
    with pytest.raises(OSError, match="share not reachable"):
        runner_waiting_into(waits).run_stage("intake", stage)
    assert stage.calls == 4
    assert waits == [2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("intake", DataRejected([DataProblem(file="register/x.csv", rule="a rule")])),
        ("intake", KeyError("a bug")),
        ("discover", ValueError("a bug")),
        ("build", OSError("no space left on device")),  # a stage without retries
        ("publish", OSError("read-only file system")),
    ],
)
def test_rejections_bugs_and_other_stages_fail_at_once(name: str, error: Exception) -> None:
    waits: list[float] = []
    stage = Flaky(1, error)
    with pytest.raises(type(error)):
        runner_waiting_into(waits).run_stage(name, stage)
    assert stage.calls == 1
    assert waits == []


def test_each_retry_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    waits: list[float] = []
    with caplog.at_level(logging.WARNING, logger="metiers"):
        runner_waiting_into(waits).run_stage("intake", Flaky(2, OSError("share not reachable")))
    assert [record.getMessage() for record in caplog.records] == [
        "intake failed (OSError: share not reachable); retry 1 of 3 in 2.0 s",
        "intake failed (OSError: share not reachable); retry 2 of 3 in 4.0 s",
    ]


def test_map_stage_keeps_the_order_of_calls_and_retries_each_on_its_own() -> None:
    waits: list[float] = []
    flaky = {"b": Flaky(1, OSError("b hiccups")), "c": Flaky(2, OSError("c hiccups"))}

    def read(name: str) -> str:
        return flaky[name]() if name in flaky else f"done({name!r},)"

    results = runner_waiting_into(waits).map_stage(
        "intake", read, [("a",), ("b",), ("c",)], lambda call: call[0]
    )
    assert results == ["done('a',)", "done()", "done()"]
    assert [stage.calls for stage in flaky.values()] == [2, 3]
    assert waits == [2.0, 2.0, 4.0]  # b's first retry; c's first and second


def small_raw(raw: Path) -> None:
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in range(2023, 2026):
        write_register(raw, year, [person(year, f"P{i}", "2654.5") for i in range(11)], "csv")


@pytest.mark.slow  # a refresh of its own
def test_plain_refresh_retries_reading_after_an_io_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every raw file fails its first read with an OSError: `--no-prefect` retries each once,
    after 2 s (asked for, not slept), and publishes."""
    raw = tmp_path / "raw"
    small_raw(raw)
    failed_once: list[str] = []
    real_take_in = pipeline.take_in

    def flaky_take_in(source, raw_path, *args, **kwargs):
        if raw_path.name not in failed_once:
            failed_once.append(raw_path.name)
            raise OSError(f"share not reachable: {raw_path}")
        return real_take_in(source, raw_path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "take_in", flaky_take_in)
    waits: list[float] = []
    settings = Settings(raw_dir=raw, marts_dir=tmp_path / "marts")
    publication = pipeline.run_refresh(settings, runner=runner_waiting_into(waits))
    assert publication.status == "published"
    assert sorted(failed_once) == [
        "metiers.csv", "register_2023.csv", "register_2024.csv", "register_2025.csv"
    ]  # fmt: skip
    assert waits == [2.0] * 4
    last = read_runs(settings)[-1]
    assert last["status"] == "published"
    assert {item["intake"] for item in last["inputs"]} == {"ingested"}
    assert last["rows_per_source"]["register"] == 33  # 11 persons in each of three years
