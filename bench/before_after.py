"""A refresh of the bundled sample, this checkout against an earlier revision, in one run.

Issue 14 moved the code into stage packages and derived the figures from a registry; a
refactoring must not make the refresh slower. This script extracts the baseline revision
(`git archive`, default ef7a79e: the code before that work) into a temporary folder and runs
the same commands from both checkouts, alternately (A B A B ...) so that a change of machine
load hits both alike, each in a fresh process with the same interpreter and packages:

  full      `metiers refresh --no-prefect --full`: every stage, nothing reused
  no-op     `metiers refresh --no-prefect`: nothing changed, found without reading a file

on the same copy of the raw folder (the bundled sample by default), each with its own marts
and staging folders. It prints the median and spread of each and the ratio current/baseline.

    .venv/bin/python bench/before_after.py [--baseline REV] [--repeat 5] [--raw-dir data/raw]

The Prefect mode is left out: its cost is the local server's, measured by
bench/default_path.py.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from default_path import command  # noqa: E402

DEFAULT_BASELINE = "ef7a79e"


def extract(revision: str, target: Path) -> Path:
    """The tree of `revision` in `target`, without touching the repository's worktrees."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
        capture_output=True,
        check=True,
        timeout=600,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def run(checkout: Path, args: list[str], work: Path) -> float:
    """Wall seconds of one `metiers` command of `checkout` in a process of its own."""
    env = {
        **os.environ,
        "PYTHONPATH": str(checkout),
        "PREFECT_HOME": str(work / ".prefect"),
        "DO_NOT_TRACK": "1",
    }
    return command(args, env, cwd=work)[0]


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):6.2f} s (min {min(samples):.2f}, max {max(samples):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git revision to compare")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raw-dir", type=Path, default=ROOT / "data" / "raw")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="metiers-before-after-") as tmp:
        tmp_path = Path(tmp)
        raw = tmp_path / "raw"
        shutil.copytree(options.raw_dir, raw)
        checkouts = {
            "baseline": extract(options.baseline, tmp_path / "baseline-code"),
            "current": ROOT,
        }
        times: dict[tuple[str, str], list[float]] = {}
        for label in checkouts:
            (tmp_path / label).mkdir()
        for attempt in range(options.repeat):
            for label, checkout in checkouts.items():
                work = tmp_path / label
                marts = work / "marts"
                folders = ["--raw-dir", str(raw), "--marts-dir", str(marts)]
                full = run(checkout, ["refresh", "--no-prefect", "--full", *folders], work)
                noop = run(checkout, ["refresh", "--no-prefect", *folders], work)
                times.setdefault((label, "full"), []).append(full)
                times.setdefault((label, "no-op"), []).append(noop)
                print(f"run {attempt + 1} {label:8} full {full:6.2f} s  no-op {noop:5.2f} s")
        print(f"\nbaseline {options.baseline}, current {ROOT}, {options.repeat} runs each")
        print(f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
        for kind in ("full", "no-op"):
            before, after = times[("baseline", kind)], times[("current", kind)]
            ratio = statistics.median(after) / statistics.median(before)
            print(
                f"{kind:6} baseline {summary(before)}  current {summary(after)}  ratio {ratio:.2f}"
            )


if __name__ == "__main__":
    main()
