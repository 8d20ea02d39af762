"""How the refresh's stages run: the interface the one refresh sequence calls
(`metiers.refresh.pipeline.refresh_with`), and the plain runner of `--no-prefect`.

The sequence names each stage and hands over the function that does it; a runner decides how
it runs. The plain runner calls it in this process, one raw file after another, and retries
it as `RETRY_POLICIES` says. The Prefect runner (`flows/refresh.py`) makes it a task of that
name with the same retries, plus Prefect's timeouts and concurrent intakes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from metiers.core.config import RETRY_POLICIES, RetryPolicy
from metiers.core.progress import track

Result = TypeVar("Result")
Log = logging.Logger | logging.LoggerAdapter


class StageRunner(Protocol):
    """What the refresh sequence needs of an orchestrator: run one stage, run one stage per
    item, and a logger for the run's progress lines."""

    log: Log

    def run_stage(self, name: str, function: Callable[..., Result], *args: Any) -> Result:
        """`function(*args)` as the stage `name`."""
        ...

    def map_stage(
        self,
        name: str,
        function: Callable[..., Result],
        calls: list[tuple],
        label: Callable[[tuple], str],
    ) -> list[Result]:
        """`function(*call)` for every call, as the stage `name` (one per raw file): results
        in the order of `calls`; `label(call)` names each in the progress lines."""
        ...


class PlainRunner:
    """Stages as plain calls in this process, one item after another, with the retries of
    `RETRY_POLICIES`. `sleep` and `draw` (a number in [0, 1) for the jitter) are injectable,
    so that tests check the waits without waiting."""

    def __init__(
        self,
        log: Log | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        draw: Callable[[], float] = random.random,
        policies: Mapping[str, RetryPolicy] = RETRY_POLICIES,
    ) -> None:
        self.log = log or logging.getLogger("metiers")
        self.sleep = sleep
        self.draw = draw
        self.policies = policies

    def run_stage(self, name: str, function: Callable[..., Result], *args: Any) -> Result:
        policy = self.policies.get(name)
        attempt = 0
        while True:
            try:
                return function(*args)
            except Exception as error:
                if policy is None or attempt >= policy.retries or not policy.retries_on(error):
                    raise
                wait = policy.wait(attempt, self.draw())
                attempt += 1
                self.log.warning(
                    "%s failed (%s: %s); retry %d of %d in %.1f s",
                    name,
                    type(error).__name__,
                    error,
                    attempt,
                    policy.retries,
                    wait,
                )
                self.sleep(wait)

    def map_stage(
        self,
        name: str,
        function: Callable[..., Result],
        calls: list[tuple],
        label: Callable[[tuple], str],
    ) -> list[Result]:
        return [
            self.run_stage(name, function, *call)
            for call in track(calls, len(calls), name, label, log=self.log)
        ]
