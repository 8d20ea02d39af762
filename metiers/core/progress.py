"""Progress of long steps: a rich progress bar in an interactive terminal, plain log lines
otherwise (CI, cron, Prefect workers), so logs stay readable where nobody watches."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")
logger = logging.getLogger("metiers")


def interactive() -> bool:
    return sys.stderr.isatty()


def track(
    items: Iterable[Item],
    total: int,
    description: str,
    label=str,
    log: logging.Logger | logging.LoggerAdapter | None = None,
) -> Iterator[Item]:
    """Yield `items`, showing how far along they are; `label(item)` names each in the logs."""
    log = log or logger
    if interactive() and total > 1:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
        )
        with Progress(*columns, transient=True) as progress:
            task = progress.add_task(description, total=total, current="")
            for item in items:
                progress.update(task, current=label(item))
                yield item
                progress.advance(task)
        log.info("%s: %d done", description, total)
        return
    for number, item in enumerate(items, start=1):
        yield item
        log.info("%s %d/%d: %s", description, number, total, label(item))
