"""Incremental refresh against a full one, on the same data in the same run.

Copies a raw folder (the bundled sample by default) to a temporary place, then times:
  full       `--full`: every file read, validated, built and published
  unchanged  nothing changed: every intake reused, nothing built, the file left alone
  one year   one register year rewritten with one more person: that file read, marts rebuilt
and prints the seconds of each, their ratio to the full refresh, what each read, and whether
the unchanged refresh left the published file's bytes and modification time as they were.

    .venv/bin/python bench/refresh_incremental.py [--raw-dir data/raw] [--repeat 3] [--prefect]

Without --prefect the stages run as plain calls (metiers.refresh.pipeline.run_refresh); with it, as
the Prefect flow on the embedded server (its start-up is paid before the first timing).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metiers.core.config import Settings, prepare_environment  # noqa: E402
from metiers.core.paths import DEFAULT_RAW_DIR  # noqa: E402
from metiers.publish.runs import read_runs  # noqa: E402


def file_state(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def touch_one_register_year(raw: Path, round_number: int) -> str:
    """Rewrite the newest Parquet register year with one more person (a copy of its first
    row under a new id): new content, so a new hash."""
    newest = sorted((raw / "register").glob("register_*.parquet"))[-1]
    frame = pl.read_parquet(newest)
    extra = frame.head(1).with_columns(pl.lit(f"BENCH{round_number}").alias("person_id"))
    pl.concat([frame, extra]).write_parquet(newest)
    return newest.relative_to(raw).as_posix()


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three refreshes")
    parser.add_argument("--prefect", action="store_true", help="run the Prefect flow")
    args = parser.parse_args()
    prepare_environment()

    with tempfile.TemporaryDirectory(prefix="metiers-bench-") as folder:
        raw = Path(folder) / "raw"
        shutil.copytree(args.raw_dir, raw)
        settings = Settings(raw_dir=raw, marts_dir=Path(folder) / "marts")
        if args.prefect:
            from metiers.flows.refresh import refresh as flow

            def refresh(full: bool):
                return flow(raw_dir=str(raw), marts_dir=str(settings.marts_dir), full=full)

        else:
            from metiers.refresh.pipeline import run_refresh

            def refresh(full: bool):
                return run_refresh(settings, full=full, trigger="bench")

        # Warm-up: imports (GX, Prefect's server) and the first staging, not measured.
        refresh(True)
        seconds: dict[str, list[float]] = {"full": [], "unchanged": [], "one year": []}
        untouched = []
        for round_number in range(args.repeat):
            elapsed, publication = timed(lambda: refresh(True))
            seconds["full"].append(elapsed)
            assert publication.status == "published"
            before = file_state(settings.published_path)
            elapsed, publication = timed(lambda: refresh(False))
            seconds["unchanged"].append(elapsed)
            assert publication.status == "unchanged", publication.status
            untouched.append(file_state(settings.published_path) == before)
            changed = touch_one_register_year(raw, round_number)
            elapsed, publication = timed(lambda: refresh(False))
            seconds["one year"].append(elapsed)
            assert publication.status == "published"
            read = [
                item["path"] for item in read_runs(settings)[-1]["inputs"]
                if item["intake"] == "ingested"
            ]  # fmt: skip
            assert read == [changed], read

        files = len(read_runs(settings)[-1]["inputs"])
        mode = "Prefect flow (embedded server)" if args.prefect else "plain calls"
        print(f"refresh of {args.raw_dir} ({files} raw files), {mode}, {args.repeat} rounds")
        full = statistics.median(seconds["full"])
        for name, values in seconds.items():
            median = statistics.median(values)
            spread = f"{min(values):.2f}-{max(values):.2f}"
            print(
                f"  {name:<10} median {median:7.2f} s  (range {spread} s)  "
                f"ratio to full {median / full:6.3f}"
            )
        print(f"  unchanged refresh left the published file's bytes and mtime: {all(untouched)}")
        print("  one year: only the rewritten register file was read again: True")


if __name__ == "__main__":
    main()
