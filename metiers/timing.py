"""Seconds spent in each stage of a refresh, for the scale benchmark (`bench/refresh_scale.py`).

A stage function decorated with `timed_stage` appends one JSON line (stage, seconds, process)
to the file named by the environment variable `METIERS_STAGE_LOG` when it is set; otherwise
it costs nothing. Lines are appended whole, so tasks running in threads or in other
processes (Dask workers on this machine) may share the file.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

STAGE_LOG_ENV = "METIERS_STAGE_LOG"
P = ParamSpec("P")
R = TypeVar("R")


def timed_stage(stage: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            log = os.environ.get(STAGE_LOG_ENV)
            if not log:
                return function(*args, **kwargs)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                line = json.dumps(
                    {"stage": stage, "seconds": time.perf_counter() - start, "pid": os.getpid()}
                )
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")

        return wrapper

    return decorate


def stage_seconds(log_path: str | os.PathLike) -> dict[str, float]:
    """Total seconds per stage in a stage log, in the order stages first appear."""
    totals: dict[str, float] = {}
    with open(log_path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                totals[record["stage"]] = totals.get(record["stage"], 0.0) + record["seconds"]
    return totals
