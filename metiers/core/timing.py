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
            start = time.time()
            try:
                return function(*args, **kwargs)
            finally:
                end = time.time()
                line = json.dumps({"stage": stage, "start": start, "end": end, "pid": os.getpid()})
                with open(log, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")

        return wrapper

    return decorate


def stage_seconds(log_path: str | os.PathLike) -> dict[str, float]:
    """Wall seconds per stage in a stage log: the time during which at least one call of the
    stage was running (concurrent calls are not counted twice), in order of first start."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for record in stage_records(log_path):
        spans.setdefault(record["stage"], []).append((record["start"], record["end"]))
    ordered = sorted(spans.items(), key=lambda item: min(start for start, _end in item[1]))
    return {stage: covered_seconds(intervals) for stage, intervals in ordered}


def covered_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of intervals."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def stage_records(log_path: str | os.PathLike) -> list[dict]:
    """Every call in a stage log: stage, start, end, pid."""
    if not os.path.exists(log_path):
        return []
    with open(log_path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
