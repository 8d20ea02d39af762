"""A refresh killed (SIGKILL) at each stage leaves the published file as it was: the previous
version, whole, readable by another process; the next refresh cleans up and publishes.

The refresh runs as `python -m metiers refresh --no-prefect` in a subprocess and pauses where
`metiers.core.faults` says (METIERS_PAUSE_AT); the test kills that very process at the pause.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from rawdata import person, sources_releasing_everything, write_catalogue, write_register

from metiers.core.faults import PAUSE_AT, PAUSE_FILE, PAUSE_SECONDS, STAGES
from metiers.core.paths import PUBLISHED_NAME

pytestmark = pytest.mark.slow  # refreshes in subprocesses, killed at every stage

# Generous bounds for a machine 5x slower than an idle one (a refresh of the small raw folder
# takes about 15 s there); a test that reaches one fails saying what it waited for.
REFRESH_TIMEOUT = 300
MARKER_TIMEOUT = REFRESH_TIMEOUT
# What a reader checks: the version, and the data behind it (count, slugs, every column).
FIGURES_SQL = (
    "SELECT count(*), sum(hash(slug)), "
    "md5(string_agg(CAST(f AS VARCHAR), '|' ORDER BY slug, reference_year)) "
    "FROM metier_figures AS f"
)
STATE_SCRIPT = f"""
import json, sys
import duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
versions = [row[0] for row in connection.execute("SELECT version FROM meta_publication").fetchall()]
count, slug_hash, fingerprint = connection.execute({FIGURES_SQL!r}).fetchone()
cards = connection.execute("SELECT count(*) FROM metier_cards").fetchone()[0]
connection.close()
print(json.dumps({{"versions": versions, "figures": count, "slug_hash": str(slug_hash),
                  "fingerprint": fingerprint, "cards": cards}}))
"""
VERSION_LINE = re.compile(r"^published \S+ \(version (\S+), reference year", re.MULTILINE)
CATALOGUE = [
    {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
     "esco_code": "2654.2", "training_years_min": 3, "training_years_max": 3},
    {"slug": "electricien", "title_fr": "Électricien", "title_nl": "Elektricien",
     "title_en": "Electrician", "esco_code": "7411.1", "training_years_min": 2,
     "training_years_max": 3},
]  # fmt: skip


def write_small_raw(raw: Path, monteurs: int = 20) -> Path:
    """Two files (catalogue, one register year): the smallest raw folder a refresh publishes."""
    write_catalogue(raw, CATALOGUE)
    rows = [
        person(2025, f"M{index}", "2654.2", sex="F" if index % 4 == 0 else "M")
        for index in range(monteurs)
    ]
    rows += [person(2025, f"E{index}", "7411.1", age=30 + index) for index in range(12)]
    write_register(raw, 2025, rows)
    return raw


def refresh_command(raw: Path, marts: Path) -> list[str]:
    """A refresh that goes through every stage (--full), even on unchanged inputs, and
    releases what it builds at once (release policy `never`: these tests are about the swap,
    not about release decisions)."""
    sources = sources_releasing_everything(marts.parent)
    return [
        sys.executable, "-m", "metiers", "refresh", "--no-prefect", "--full",
        "--raw-dir", str(raw), "--marts-dir", str(marts), "--sources", str(sources),
    ]  # fmt: skip


def refresh_env(**extra: str) -> dict[str, str]:
    """The environment without any pause, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("METIERS_PAUSE")}
    env.update(extra)
    return env


def run_refresh_cli(raw: Path, marts: Path) -> str:
    """A normal refresh in a subprocess; it must publish. Returns the version it printed."""
    try:
        result = subprocess.run(
            refresh_command(raw, marts), env=refresh_env(), cwd=marts.parent,
            capture_output=True, text=True, timeout=REFRESH_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"the refresh did not finish within {REFRESH_TIMEOUT} s:\n{error.stderr}")
    assert result.returncode == 0, f"refresh failed ({result.returncode}):\n{result.stderr}"
    match = VERSION_LINE.search(result.stdout)
    assert match, f"no version in the refresh's output:\n{result.stdout}"
    return match.group(1)


def start_paused_refresh(
    raw: Path, marts: Path, stage: str, marker: Path, seconds: float = 120
) -> subprocess.Popen:
    """A refresh that writes `marker` and sleeps when it reaches `stage`."""
    env = refresh_env(**{PAUSE_AT: stage, PAUSE_FILE: str(marker), PAUSE_SECONDS: str(seconds)})
    log = marker.with_suffix(".log")
    with log.open("wb") as output:
        return subprocess.Popen(
            refresh_command(raw, marts), env=env, cwd=marts.parent,
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for_marker(
    process: subprocess.Popen, marker: Path, timeout: float = MARKER_TIMEOUT
) -> tuple[int, str]:
    """Wait (bounded) until the paused refresh wrote its marker; return (pid, stage)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists():
            parts = marker.read_text(encoding="utf-8").split()
            if len(parts) == 2:
                return int(parts[0]), parts[1]
        if process.poll() is not None:
            log = marker.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"the refresh ended ({process.returncode}) before pausing:\n{log}")
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=30)
    pytest.fail(f"no pause marker after {timeout} s")


def kill_at_pause(process: subprocess.Popen, marker: Path, stage: str) -> None:
    """SIGKILL the refresh we started, once it pauses at `stage`."""
    try:
        pid, paused_at = wait_for_marker(process, marker)
        assert (pid, paused_at) == (process.pid, stage)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def published_state(path: Path) -> dict:
    """Version and data of a DuckDB file, read read-only by ANOTHER process."""
    result = subprocess.run(
        [sys.executable, "-c", STATE_SCRIPT, str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, f"{path} does not open read-only:\n{result.stderr}"
    return json.loads(result.stdout)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_leftovers(marts: Path) -> list[str]:
    return sorted(path.name for path in marts.glob(".build-*"))


def partial_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob(".*.partial"))


@dataclass(frozen=True)
class Baseline:
    raw: Path
    marts: Path
    state: dict
    sha256: str


_BASELINE: dict[str, Baseline] = {}


def baseline_publication(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """A small raw folder and a version published from it, once per session: the crash and
    the concurrency tests share it and copy what they change."""
    if "published" not in _BASELINE:
        root = tmp_path_factory.mktemp("baseline")
        raw = write_small_raw(root / "raw")
        marts = root / "marts"
        version = run_refresh_cli(raw, marts)
        state = published_state(marts / PUBLISHED_NAME)
        assert state["versions"] == [version]
        assert state["figures"] == len(CATALOGUE)
        assert state["cards"] == 3 * len(CATALOGUE)
        _BASELINE["published"] = Baseline(raw, marts, state, sha256_of(marts / PUBLISHED_NAME))
    return _BASELINE["published"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    return baseline_publication(tmp_path_factory)


@pytest.mark.parametrize("stage", STAGES)
def test_refresh_killed_at_a_stage_leaves_the_published_version(
    stage: str, published: Baseline, tmp_path: Path
) -> None:
    marts = tmp_path / "marts"
    shutil.copytree(published.marts, marts)
    staging = tmp_path / "staging"  # the default: beside the marts folder
    target = marts / PUBLISHED_NAME
    inode = target.stat().st_ino
    before = published.state
    marker = tmp_path / "paused"

    process = start_paused_refresh(published.raw, marts, stage, marker)
    kill_at_pause(process, marker, stage)

    leftovers = build_leftovers(marts)
    partials = partial_files(staging) if staging.exists() else []
    print(f"[{stage}] after SIGKILL: build leftovers {leftovers}, staging partials {partials}")
    # The published file is the one from before, byte for byte, and another process reads it.
    assert target.stat().st_ino == inode
    assert sha256_of(target) == published.sha256
    assert published_state(target) == before
    builds = [name for name in leftovers if name.endswith(".duckdb")]
    if stage in ("ingest", "validation"):
        assert leftovers == [], "no build file before the build stage"
    elif stage == "build":
        assert len(builds) == 1, f"the killed build's file: {leftovers}"
    else:
        # Killed after the build file was stamped and before the rename: the stamped file is
        # complete (same data, its own new version) and was never swapped in.
        assert len(builds) == 1, f"the stamped build file: {leftovers}"
        stamped = published_state(marts / builds[0])
        assert len(stamped["versions"]) == 1
        assert stamped["versions"] != before["versions"]
        assert stamped["fingerprint"] == before["fingerprint"]

    version = run_refresh_cli(published.raw, marts)
    after = published_state(target)
    assert [version] == after["versions"] != before["versions"]
    # Same inputs, so the same data under the new version.
    assert after["fingerprint"] == before["fingerprint"]
    assert build_leftovers(marts) == []
    assert partial_files(staging) == []


def test_a_partial_staging_file_left_by_a_killed_writer_is_removed(
    published: Baseline, tmp_path: Path
) -> None:
    marts = tmp_path / "marts"
    shutil.copytree(published.marts, marts)
    staging = tmp_path / "staging"
    # What SIGKILL inside sink_parquet leaves: half a Parquet file in a folder named after the
    # dead writer's pid (and, from older versions, a bare `.partial` file).
    writer = subprocess.Popen(["true"])  # a writer that is gone by now
    writer.wait(timeout=30)
    leftover = staging / "register" / f".register_2025.parquet.{writer.pid}.partial"
    leftover.mkdir(parents=True)
    (leftover / "register_2025.parquet").write_bytes(b"PAR1 half a row group")
    older = staging / "register" / f".register_2024.parquet.{writer.pid}.partial"
    older.write_bytes(b"PAR1 half a row group")

    version = run_refresh_cli(published.raw, marts)
    assert published_state(marts / PUBLISHED_NAME)["versions"] == [version]
    assert partial_files(staging) == []
