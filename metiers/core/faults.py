"""Fault injection for the crash tests, off unless the environment asks for it.

With METIERS_PAUSE_AT=<stage> (ingest, validation, build, publication) a refresh writes the
file METIERS_PAUSE_FILE and sleeps when it reaches that stage, so a test can SIGKILL it at
exactly that point and check what survives.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "METIERS_PAUSE_AT"
PAUSE_FILE = "METIERS_PAUSE_FILE"
PAUSE_SECONDS = "METIERS_PAUSE_SECONDS"
STAGES = ("ingest", "validation", "build", "publication")


def checkpoint(stage: str) -> None:
    if os.environ.get(PAUSE_AT) != stage:
        return
    marker = os.environ.get(PAUSE_FILE)
    if marker:
        Path(marker).write_text(f"{os.getpid()} {stage}", encoding="utf-8")
    time.sleep(float(os.environ.get(PAUSE_SECONDS, "60")))
