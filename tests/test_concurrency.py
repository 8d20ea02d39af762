"""Readers and refreshes at the same time: read-only readers are never blocked and never see a
half-published file, a long-open connection keeps its version, and a second refresh on the
same marts folder is refused while one runs."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from test_crash_safety import (
    CATALOGUE,
    FIGURES_SQL,
    REFRESH_TIMEOUT,
    Baseline,
    baseline_publication,
    build_leftovers,
    published_state,
    refresh_command,
    refresh_env,
    run_refresh_cli,
    sha256_of,
    start_paused_refresh,
    wait_for_marker,
    write_small_raw,
)

from metiers.core.paths import PUBLISHED_NAME

pytestmark = pytest.mark.slow  # five refreshes in subprocesses under four readers

READERS = 4
REFRESHES = 5
# Readers read until the test creates the stop file, once the refreshes are done. The
# deadline only ends readers the test left behind (it died): every refresh is bounded by
# REFRESH_TIMEOUT, so a reader that reaches it exits with READER_DEADLINE_EXIT and the test
# fails, saying so, instead of checking fewer reads than the refreshes should have seen.
READER_DEADLINE = REFRESHES * REFRESH_TIMEOUT + 300
READER_DEADLINE_EXIT = 4
# How long a reader may take to notice the stop file and exit (one read, one pause).
READER_EXIT_SECONDS = 120
READER_SCRIPT = f"""
import json, os, sys, time
import duckdb
path, out, stop, deadline = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
with open(out, "w", encoding="utf-8") as log:
    while not os.path.exists(stop):
        if time.time() > deadline:
            sys.exit({READER_DEADLINE_EXIT})
        started = time.monotonic()
        try:
            connection = duckdb.connect(path, read_only=True)
            try:
                versions = [
                    row[0]
                    for row in connection.execute("SELECT version FROM meta_publication").fetchall()
                ]
                count, slug_hash, fingerprint = connection.execute({FIGURES_SQL!r}).fetchone()
                cards = connection.execute("SELECT count(*) FROM metier_cards").fetchone()[0]
            finally:
                connection.close()
            record = {{"versions": versions, "figures": count, "slug_hash": str(slug_hash),
                      "fingerprint": fingerprint, "cards": cards}}
        except Exception as error:
            record = {{"error": f"{{type(error).__name__}}: {{error}}"}}
        record["seconds"] = time.monotonic() - started
        log.write(json.dumps(record) + "\\n")
        log.flush()
        time.sleep(0.5)
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    return baseline_publication(tmp_path_factory)


def copy_published(published: Baseline, folder: Path) -> tuple[Path, Path]:
    raw, marts = folder / "raw", folder / "marts"
    shutil.copytree(published.raw, raw)
    shutil.copytree(published.marts, marts)
    return raw, marts


def read_in_process(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as connection:
        return state_of(connection)


def state_of(connection: duckdb.DuckDBPyConnection) -> dict:
    versions = [
        row[0] for row in connection.execute("SELECT version FROM meta_publication").fetchall()
    ]
    count, slug_hash, fingerprint = connection.execute(FIGURES_SQL).fetchone()
    cards = connection.execute("SELECT count(*) FROM metier_cards").fetchone()[0]
    return {
        "versions": versions,
        "figures": count,
        "slug_hash": str(slug_hash),
        "fingerprint": fingerprint,
        "cards": cards,
    }


def test_readers_are_never_blocked_and_never_see_partial_state(
    published: Baseline, tmp_path: Path
) -> None:
    raw, marts = copy_published(published, tmp_path)
    target = marts / PUBLISHED_NAME
    stop = tmp_path / "stop-readers"
    logs = [tmp_path / f"reader-{index}.jsonl" for index in range(READERS)]
    deadline = time.time() + READER_DEADLINE
    readers = []
    for log in logs:
        with log.with_suffix(".stderr").open("wb") as errors:
            readers.append(
                subprocess.Popen(
                    [sys.executable, "-c", READER_SCRIPT, target, log, stop, str(deadline)],
                    stderr=errors,
                )
            )
    # The fingerprint of each published version's data, as the refresh left it.
    expected = {published.state["versions"][0]: published.state}
    order = [published.state["versions"][0]]
    started = time.monotonic()
    try:
        for index in range(REFRESHES):
            # Different inputs each time: one more monteur, so the data and the digest change.
            write_small_raw(raw, monteurs=21 + index)
            version = run_refresh_cli(raw, marts)
            assert version not in expected, "each refresh publishes a new version"
            expected[version] = read_in_process(target)
            assert expected[version]["versions"] == [version]
            order.append(version)
    finally:
        refreshing = time.monotonic() - started
        stop.touch()
        for reader in readers:
            try:
                reader.wait(timeout=READER_EXIT_SECONDS)
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.wait(timeout=30)
    assert len({state["fingerprint"] for state in expected.values()}) == REFRESHES + 1
    stderr = [log.with_suffix(".stderr").read_text(errors="replace") for log in logs]
    codes = [reader.returncode for reader in readers]
    if READER_DEADLINE_EXIT in codes:
        pytest.fail(
            f"readers {codes} stopped at their {READER_DEADLINE} s deadline before the "
            f"{REFRESHES} refreshes were done ({refreshing:.0f} s)"
        )
    if -signal.SIGKILL in codes:
        pytest.fail(f"readers {codes} did not stop within {READER_EXIT_SECONDS} s of the stop file")
    assert codes == [0] * READERS, stderr

    observations = [
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] for log in logs
    ]
    records = [record for reader in observations for record in reader]
    errors = [record["error"] for record in records if "error" in record]
    assert errors == []
    slug_hash = published.state["slug_hash"]
    for record in records:
        (version,) = record["versions"]
        assert version in expected, f"a reader saw a version nobody published: {version}"
        # The whole file of that version: its data, never another version's or a mixture.
        assert record["figures"] == len(CATALOGUE)
        assert record["cards"] == 3 * record["figures"]
        assert record["slug_hash"] == slug_hash
        assert record["fingerprint"] == expected[version]["fingerprint"]
    for reader in observations:
        assert reader, "every reader read"
        # Publications come one after another: a reader never goes back to an older version.
        positions = [order.index(record["versions"][0]) for record in reader]
        assert positions == sorted(positions)
    seen = {record["versions"][0] for record in records}
    slowest = max(record["seconds"] for record in records)
    print(
        f"{len(records)} reads by {READERS} readers during {REFRESHES} refreshes "
        f"({refreshing:.1f} s); versions seen {len(seen)} of {len(order)}; "
        f"slowest read {slowest:.3f} s"
    )
    assert len(seen) >= 3, "the readers ran across the refreshes"
    assert slowest < 10, "a reader was held up"


def test_a_long_open_connection_keeps_its_version(published: Baseline, tmp_path: Path) -> None:
    raw, marts = copy_published(published, tmp_path)
    target = marts / PUBLISHED_NAME
    before = published.state
    connection = duckdb.connect(str(target), read_only=True)
    try:
        assert state_of(connection) == before
        write_small_raw(raw, monteurs=25)
        version = run_refresh_cli(raw, marts)
        # The open connection reads the version it opened, whole and without error.
        assert state_of(connection) == before
        # Another process gets the new version.
        after = published_state(target)
        assert after["versions"] == [version]
        assert after["fingerprint"] != before["fingerprint"]
        # In the same process, DuckDB hands a new connect() the database instance that is
        # still open for that path: it too reads the old version until every connection to
        # the file is closed.
        with duckdb.connect(str(target), read_only=True) as same_process:
            assert state_of(same_process) == before
    finally:
        connection.close()
    assert read_in_process(target) == after


def test_a_second_refresh_is_refused_while_one_runs(published: Baseline, tmp_path: Path) -> None:
    raw, marts = copy_published(published, tmp_path)
    target = marts / PUBLISHED_NAME
    checksum = sha256_of(target)
    marker = tmp_path / "paused"
    # The first refresh stays paused longer than the second may take: a second refresh that
    # waited for the lock instead of failing at once runs into its timeout.
    first = start_paused_refresh(raw, marts, "build", marker, seconds=3 * REFRESH_TIMEOUT)
    try:
        assert wait_for_marker(first, marker) == (first.pid, "build")
        running_build = build_leftovers(marts)
        assert running_build, "the paused refresh is building"
        started = time.monotonic()
        try:
            second = subprocess.run(
                refresh_command(raw, marts), env=refresh_env(), cwd=tmp_path,
                capture_output=True, text=True, timeout=REFRESH_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"the second refresh was still running after {REFRESH_TIMEOUT} s: it waited "
                "for the lock instead of failing at once"
            )
        elapsed = time.monotonic() - started
        assert second.returncode == 2, second.stderr
        assert "another refresh" in second.stderr
        assert str(first.pid) in second.stderr, "the message names the process holding the lock"
        # It ended while the first was still paused: it did not wait for the lock. The
        # refused refresh touched nothing: the first one's build file is still there.
        assert first.poll() is None
        assert build_leftovers(marts) == running_build
        print(f"second refresh refused in {elapsed:.1f} s: {second.stderr.strip()}")
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL
    assert sha256_of(target) == checksum
    assert published_state(target) == published.state
    version = run_refresh_cli(raw, marts)
    assert published_state(target)["versions"] == [version] != published.state["versions"]
    assert build_leftovers(marts) == []
