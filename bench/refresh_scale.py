"""Scale benchmark: the full `metiers refresh` against a plain DuckDB baseline, same data.

    nice -n 10 .venv/bin/python bench/refresh_scale.py --rows 10000000

In one run it
1. generates a register of `--rows` rows over `--years` years (bench/generate_register.py),
2. starts the project's local Prefect server (`metiers prefect start`, in a PREFECT_HOME of
   the benchmark's own) and times that once-only start on its own,
3. runs (a) `metiers refresh` on it in a child process, with a stage log: the Prefect flow on
   the running server, as every refresh after the first one runs,
4. runs (b) the baseline (bench/baseline_duckdb.py) in another child process,
5. checks that (a) and (b) give the same figures, and prints wall seconds, rows per second and
   peak RSS of each process tree, the ratio a/b, the same with the server's start added to
   (a), and the share of (a) spent in each stage; then stops the server.

Each child is measured on its own, by polling the resident memory of its process tree. The
figures are measured, never asserted: on a shared machine wall times are noisy.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from baseline_duckdb import comparisons  # noqa: E402
from generate_register import generate  # noqa: E402

from metiers.core.config import Settings  # noqa: E402
from metiers.core.timing import covered_seconds, stage_records, stage_seconds  # noqa: E402

# The baseline gets the DuckDB memory the refresh's build gets (Settings.duckdb_memory_limit).
DUCKDB_MEMORY_LIMIT = Settings().duckdb_memory_limit or "2GB"


@dataclass
class Measured:
    name: str
    wall_seconds: float
    peak_rss_bytes: int
    returncode: int
    launched_at: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    # From launch to the first stage: Python, imports, Prefect's server and flow start.
    startup_seconds: float = 0.0
    # From the first stage's start to the last stage's end: the refresh's own work.
    staged_seconds: float = 0.0


def run_measured(name: str, command: list[str], env: dict, log: Path) -> Measured:
    """Run a command, polling the RSS of its process tree every 50 ms; keep the peak."""
    start, launched_at = time.perf_counter(), time.time()
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        parent = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            total = 0
            try:
                tree = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                tree = []
            for member in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += member.memory_info().rss
            peak = max(peak, total)
            time.sleep(0.05)
    wall = time.perf_counter() - start
    return Measured(name, wall, peak, process.returncode, launched_at)


def stage_totals(log_path: Path) -> dict[str, float]:
    return stage_seconds(log_path) if log_path.exists() else {}


def machine() -> dict:
    import duckdb
    import polars

    versions = {"python": platform.python_version()}
    versions |= {"duckdb": duckdb.__version__, "polars": polars.__version__}
    for package in ("prefect", "great_expectations", "pandas", "pyarrow"):
        try:
            versions[package] = __import__(package).__version__
        except ImportError:  # pragma: no cover - reported as missing
            versions[package] = "missing"
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        **versions,
    }


def gib(size: int) -> str:
    return f"{size / 2**30:.2f} GiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="register rows, all years")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--format", choices=("mixed", "parquet", "csv"), default="mixed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None, help="folder for data and marts")
    parser.add_argument("--reuse-data", action="store_true", help="keep generated data")
    parser.add_argument("--metiers", type=int, default=400, help="catalogue size")
    parser.add_argument("--runner", default="default", help="refresh --task-runner")
    parser.add_argument(
        "--no-prefect",
        action="store_true",
        help="run (a) as `metiers refresh --no-prefect` and skip the start-up probe",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)

    work = (args.work or Path("/tmp") / f"metiers-scale-{args.rows}").resolve()
    raw = work / "raw"
    work.mkdir(parents=True, exist_ok=True)
    wanted = {"rows": args.rows, "seed": args.seed, "format": args.format}
    generated = raw / "generated.json"
    start = time.perf_counter()
    summary = json.loads(generated.read_text()) if generated.exists() else None
    same = summary and (
        summary.get("rows") == args.rows
        and summary.get("seed") == args.seed
        and summary.get("metiers") == args.metiers
        and len(summary.get("years", [])) == args.years
    )
    if not (args.reuse_data and same):
        summary = generate(
            raw, args.rows, args.years, args.seed, args.metiers, file_format=args.format
        )
    generate_seconds = time.perf_counter() - start
    print(
        f"data: {raw} ({summary['rows']:,} rows, {len(summary['years'])} years, "
        f"{summary['metiers']} métiers, {wanted})",
        flush=True,
    )

    for leftover in ("marts", "staging", "quarantine", "baseline.duckdb", "stages.jsonl"):
        target = work / leftover
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    env = {name: value for name, value in os.environ.items() if name != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(work / "prefect")
    python = sys.executable
    prefect_command = [python, "-m", "metiers", "prefect"]

    if args.no_prefect:
        startup = Measured("prefect server start", 0.0, 0, 0)
    else:
        stop = [*prefect_command, "stop"]
        subprocess.run(stop, env=env, capture_output=True, check=True)
        # Stopped however this script ends (a failed run returns early).
        atexit.register(subprocess.run, stop, env=env, capture_output=True, check=False)
        startup = run_measured(
            "prefect server start", [*prefect_command, "start"], env, work / "startup.log"
        )
    stage_log = work / "stages.jsonl"
    refresh_command = [
        python, "-m", "metiers", "refresh",
        "--raw-dir", str(raw),
        "--marts-dir", str(work / "marts"),
        "--staging-dir", str(work / "staging"),
        "--full",  # read everything: no intake cache from an earlier run
    ]  # fmt: skip
    if args.no_prefect:
        refresh_command.append("--no-prefect")
    if args.runner != "default":
        refresh_command += ["--task-runner", args.runner]
    refresh = run_measured(
        "(a) metiers refresh",
        refresh_command,
        env | {"METIERS_STAGE_LOG": str(stage_log)},
        work / "refresh.log",
    )
    refresh.stages = stage_totals(stage_log)
    calls = stage_records(stage_log)
    if calls:
        first = min(call["start"] for call in calls)
        refresh.startup_seconds = first - refresh.launched_at
        refresh.staged_seconds = max(call["end"] for call in calls) - first
    baseline = run_measured(
        "(b) DuckDB baseline",
        [
            python,
            str(BENCH_DIR / "baseline_duckdb.py"),
            str(raw),
            str(work / "baseline.duckdb"),
            "--memory-limit",
            DUCKDB_MEMORY_LIMIT,
        ],
        env,
        work / "baseline.log",
    )
    for run in (refresh, baseline):
        if run.returncode != 0:
            log = work / ("refresh.log" if run is refresh else "baseline.log")
            print(f"{run.name} failed ({run.returncode}):\n{log.read_text()[-3000:]}")
            return 1
    compared = comparisons(work / "marts" / "metiers.duckdb", work / "baseline.duckdb")
    mismatches = [line for _table, found, _withheld in compared for line in found][:20]
    withheld = {table: count for table, _found, count in compared}

    rows = summary["rows"]
    print(f"\nrows: {rows:,}   generation: {generate_seconds:.1f} s")
    print(f"{'run':<24}{'wall s':>9}{'rows/s':>13}{'peak RSS':>12}")
    for run in (startup, refresh, baseline):
        rate = f"{rows / run.wall_seconds:,.0f}" if run is not startup else "-"
        print(f"{run.name:<24}{run.wall_seconds:>9.1f}{rate:>13}{gib(run.peak_rss_bytes):>12}")
    with_startup = refresh.wall_seconds + startup.wall_seconds
    print(
        f"ratio a/b (the server running, as for every refresh after the first): "
        f"{refresh.wall_seconds / baseline.wall_seconds:.2f}"
    )
    print(
        f"ratio a/b with the server's start added to (a) (the first refresh): "
        f"{with_startup / baseline.wall_seconds:.2f} ({with_startup:.1f} s)"
    )
    print(
        f"ratio a/b from (a)'s first stage to its last: "
        f"{refresh.staged_seconds / baseline.wall_seconds:.2f} ({refresh.staged_seconds:.1f} s;"
        f" (a) took {refresh.startup_seconds:.1f} s to reach its first stage)"
    )
    print("stages of (a): wall seconds while the stage ran, share of (a)'s wall time")
    print("  (stages of different files overlap: intake tasks run concurrently)")
    for stage, seconds in refresh.stages.items():
        share = 100 * seconds / refresh.wall_seconds
        print(f"  {stage:<16}{seconds:>9.1f} s {share:>6.1f}%")
    busy = covered_seconds(
        [(record["start"], record["end"]) for record in stage_records(stage_log)]
    )
    print(
        f"  {'no stage':<16}{refresh.wall_seconds - busy:>9.1f} s "
        f"{100 * (refresh.wall_seconds - busy) / refresh.wall_seconds:>6.1f}%"
        " (Python and Prefect start-up, imports, task scheduling)"
    )
    print("same figures: " + ("yes" if not mismatches else "NO"))
    print(f"  cells withheld or pooled by the marts' later disclosure rules only: {withheld}")
    for line in mismatches:
        print(f"  {line}")
    results = {
        "rows": rows,
        "years": summary["years"],
        "formats": summary["formats"],
        "metiers": summary["metiers"],
        "generation_seconds": generate_seconds,
        "runs": [asdict(run) for run in (startup, refresh, baseline)],
        "ratio": refresh.wall_seconds / baseline.wall_seconds,
        "ratio_with_server_start": with_startup / baseline.wall_seconds,
        "ratio_staged": refresh.staged_seconds / baseline.wall_seconds,
        "same_figures": not mismatches,
        "mismatches": mismatches,
        "withheld_by_later_rules": withheld,
        "machine": machine(),
        "command": " ".join(["python", "bench/refresh_scale.py", *(argv or sys.argv[1:])]),
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    raise SystemExit(main())
