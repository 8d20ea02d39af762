"""The default path's costs, in one run: what a user waits for with the README's commands.

Runs the real command (`python -m metiers refresh`) in fresh processes on a copy of a raw
folder (the bundled sample by default), as a user's terminal would, and prints:
  full --no-prefect   a full refresh as plain calls: wall time and seconds per stage
  first (default)     the first default run in a new PREFECT_HOME: the Prefect flow, paying
                      the start of the project's local Prefect server (once)
  full (default)      the Prefect flow on the local server already running (every later run)
  embedded (default)  the Prefect flow on Prefect's embedded server, for comparison
                      (METIERS_PREFECT_SERVER=embedded)
  no-op --no-prefect  nothing changed: `unchanged`, found without reading any file
  no-op (default)     the same through the default command (Prefect is not started)
with the ratio of each to the plain full refresh, and the default mode's extra seconds.
Seconds per stage come from the run log (MARTS_DIR/runs.jsonl) each run appends to.

    .venv/bin/python bench/default_path.py [--raw-dir data/raw] [--repeat 3] [--skip-prefect]
        [--scale-rows 10000000]

Then, unless `--scale-rows 0`, it runs `bench/refresh_scale.py --rows N` (10 million by
default): the full refresh of a generated register against the bare DuckDB script
`bench/baseline_duckdb.py`, with its ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(args: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[float, str]:
    """Wall seconds of one `metiers` command in a process of its own, and its output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "metiers", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=3600,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"metiers {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done.stdout


def last_run(marts: Path) -> dict:
    return json.loads((marts / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def machine_load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (first included)")
    parser.add_argument("--skip-prefect", action="store_true", help="plain calls only")
    parser.add_argument(
        "--scale-rows",
        type=int,
        default=10_000_000,
        help="rows of the scale comparison run after (bench/refresh_scale.py); 0 skips it",
    )
    options = parser.parse_args()
    if not options.skip_prefect and options.repeat < 2:
        parser.error("--repeat must be 2 or more: the first default run starts the server")
    work = Path(tempfile.mkdtemp(prefix="metiers-bench-"))
    raw = work / "raw"
    shutil.copytree(options.raw_dir, raw)
    env = {**os.environ, "PREFECT_HOME": str(work / "prefect"), "DO_NOT_TRACK": "1"}
    print(f"# default path, {options.repeat} run(s) each; {machine_load()}")
    timings: dict[str, list[float]] = {}
    stages: dict[str, dict[str, float]] = {}
    modes = [("--no-prefect", "--no-prefect")]
    if not options.skip_prefect:
        modes.append(("(default)", "--prefect"))
    try:
        for label, flag in modes:
            for attempt in range(options.repeat):
                marts = work / f"marts-{flag}-{attempt}"
                # A staging folder (and intake cache) of its own: every run reads every file.
                staging = work / f"staging-{flag}-{attempt}"
                base = [
                    "--raw-dir",
                    str(raw),
                    "--marts-dir",
                    str(marts),
                    "--staging-dir",
                    str(staging),
                ]
                seconds, output = command(["refresh", flag, *base], env)
                assert "published" in output, output
                name = "first (default)" if label == "(default)" and attempt == 0 else label
                name = name if name.startswith("first") else f"full {label}"
                timings.setdefault(name, []).append(seconds)
                stages[name] = last_run(marts)["seconds_per_stage"]
                seconds, output = command(["refresh", flag, *base], env)
                assert "unchanged" in output, output
                timings.setdefault(f"no-op {label}", []).append(seconds)
        if not options.skip_prefect:
            embedded = {**env, "METIERS_PREFECT_SERVER": "embedded"}
            for attempt in range(options.repeat):
                marts = work / f"marts-embedded-{attempt}"
                staging = work / f"staging-embedded-{attempt}"
                base = [
                    "--raw-dir",
                    str(raw),
                    "--marts-dir",
                    str(marts),
                    "--staging-dir",
                    str(staging),
                ]
                seconds, output = command(["refresh", *base], embedded)
                assert "published" in output, output
                timings.setdefault("embedded (default)", []).append(seconds)
                stages["embedded (default)"] = last_run(marts)["seconds_per_stage"]
    finally:
        if not options.skip_prefect:
            command(["prefect", "stop"], env)
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(timings["full --no-prefect"])
    print(f"{'what':<22}{'median s':>10}{'min s':>8}{'ratio':>8}  seconds per stage (last run)")
    for name, values in timings.items():
        per_stage = ", ".join(f"{k} {v:.2f}" for k, v in stages.get(name, {}).items())
        print(
            f"{name:<22}{statistics.median(values):>10.2f}{min(values):>8.2f}"
            f"{statistics.median(values) / base:>8.2f}  {per_stage}"
        )
    if not options.skip_prefect:
        extra = statistics.median(timings["full (default)"]) - base
        first = statistics.median(timings["first (default)"]) - base
        embedded = statistics.median(timings["embedded (default)"]) - base
        noop_gap = statistics.median(timings["no-op (default)"]) - statistics.median(
            timings["no-op --no-prefect"]
        )
        print(
            f"default mode adds {extra:.2f} s to a full refresh on the running local server "
            f"({first:.2f} s on the run that starts it; {embedded:.2f} s on the embedded "
            f"server), {noop_gap:.2f} s to a no-op"
        )
    print(f"# {machine_load()}")
    if options.scale_rows:
        print(f"\n# bench/refresh_scale.py --rows {options.scale_rows}", flush=True)
        scale = [sys.executable, str(ROOT / "bench" / "refresh_scale.py")]
        scale += ["--rows", str(options.scale_rows)]
        if options.skip_prefect:
            scale.append("--no-prefect")
        raise SystemExit(subprocess.run(scale, check=False).returncode)


if __name__ == "__main__":
    main()
