"""History is immutable and publication all or nothing: history entries are separate,
read-only copies made before the swap; a failure there publishes nothing, and nothing after
the swap turns the run into "failed"; rollback refuses a damaged or mislabelled entry. The
run log (runs.jsonl) is data: a line that is not a run record is skipped and counted."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import stat
from pathlib import Path

import duckdb
import pytest
from rawdata import small_raw, sources_releasing_everything
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.errors import UsageError
from metiers.publish import publication as publish
from metiers.publish.publication import history_files, history_path, published_version
from metiers.publish.runs import RunRecord, parse_runs, read_runs, runs_table_rows
from metiers.refresh.pipeline import run_refresh

runner = CliRunner()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures(path: Path) -> tuple:
    """(version, headcount, freelance_rate_max) of a mart, read read-only."""
    with duckdb.connect(str(path), read_only=True) as connection:
        version = connection.execute("SELECT version FROM meta_publication").fetchone()[0]
        row = connection.execute(
            "SELECT headcount, freelance_rate_max FROM metier_figures"
        ).fetchone()
    return (version, *row)


def kept(settings: Settings) -> list[str]:
    return [path.name for path in history_files(settings)]


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Version 1 published (freelance rate up to 400 EUR). Every version is released at once
    (release policy `never`): these tests are about the publication's mechanics."""
    root = tmp_path_factory.mktemp("history-safety")
    settings = Settings(
        raw_dir=root / "raw",
        marts_dir=root / "marts",
        sources_file=sources_releasing_everything(root),
    )
    small_raw(settings.raw_dir, 400)
    run_refresh(settings)
    return settings


def next_refresh(first: Settings, tmp_path: Path, **options) -> Settings:
    """A copy of version 1's marts folder, with the raw data changed (rate up to 700 EUR).
    The staging folder is shared: unchanged files are not read again."""
    marts = tmp_path / "marts"
    shutil.copytree(first.marts_dir, marts)
    small_raw(tmp_path / "raw", 700)
    return Settings(
        raw_dir=tmp_path / "raw",
        marts_dir=marts,
        staging_dir=first.staging_dir,
        sources_file=first.sources_file,
        **options,
    )


@pytest.fixture(scope="module")
def two_versions(first: Settings, tmp_path_factory: pytest.TempPathFactory):
    settings = next_refresh(first, tmp_path_factory.mktemp("two-versions"))
    second = run_refresh(settings)
    return settings, figures(first.published_path)[0], second.version


def test_history_entries_are_separate_read_only_copies(two_versions) -> None:
    settings, old, new = two_versions
    assert kept(settings) == [f"metiers-{old}.duckdb", f"metiers-{new}.duckdb"]
    published = settings.published_path.stat()
    for path in history_files(settings):
        info = path.stat()
        assert stat.S_IMODE(info.st_mode) == 0o444, path
        assert info.st_nlink == 1 and info.st_ino != published.st_ino, "a copy, not a link"
    assert figures(history_path(settings, new)) == (new, 12, 700)
    assert figures(history_path(settings, old)) == (old, 12, 400)


def test_writing_to_a_history_entry_leaves_the_published_figures(two_versions) -> None:
    """What the `duckdb` CLI does by default: open read-write, and here update a figure
    (made writable first: as root, or by an operator's chmod)."""
    settings, _old, new = two_versions
    entry = history_path(settings, new)
    before = sha256(settings.published_path)
    original = entry.read_bytes()
    try:
        entry.chmod(0o644)
        with duckdb.connect(str(entry)) as connection:
            connection.execute("UPDATE metier_figures SET headcount = 999, freelance_rate_max = 1")
            connection.execute("CHECKPOINT")
        assert figures(entry) == (new, 999, 1)
        assert figures(settings.published_path) == (new, 12, 700)
        assert sha256(settings.published_path) == before
    finally:
        entry.write_bytes(original)
        entry.chmod(0o444)


def corrupt_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def overwrite_blocks(path: Path) -> None:
    """Keep DuckDB's 12 KiB of headers, replace every data block with noise."""
    data = path.read_bytes()
    noise = random.Random(5).randbytes(len(data) - 12288)
    path.write_bytes(data[:12288] + noise)


def random_file(path: Path) -> None:
    path.write_bytes(random.Random(6).randbytes(300_000))


def without_figures(path: Path, version: str) -> None:
    path.unlink()
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE TABLE meta_publication AS SELECT ? AS version", [version])


@pytest.mark.parametrize("damage", ["truncated", "overwritten", "random", "mislabelled",
                                    "no-figures"])  # fmt: skip
def test_rollback_refuses_a_damaged_or_mislabelled_history_file(two_versions, damage) -> None:
    settings, old, new = two_versions
    entry = history_path(settings, old)
    original = entry.read_bytes()
    before = sha256(settings.published_path)
    try:
        entry.chmod(0o644)
        if damage == "truncated":
            corrupt_half(entry)
        elif damage == "overwritten":
            overwrite_blocks(entry)
        elif damage == "random":
            random_file(entry)
        elif damage == "mislabelled":
            entry.write_bytes(history_path(settings, new).read_bytes())
        else:
            without_figures(entry, old)
        result = runner.invoke(
            app,
            ["rollback", "--reason", "test rollback", old, "--marts-dir", str(settings.marts_dir)],
        )
        assert result.exit_code == 2, result.output
        assert str(entry) in result.output and "nothing was rolled back" in result.output
        assert "Traceback" not in result.output
        if damage == "mislabelled":
            assert f"holds version {new}, not {old}" in result.output
        assert sha256(settings.published_path) == before
        assert figures(settings.published_path) == (new, 12, 700)
        assert not list(settings.marts_dir.glob(".rollback-*"))
    finally:
        entry.write_bytes(original)
        entry.chmod(0o444)


def test_rollback_publishes_a_writable_copy_and_leaves_history_as_kept(two_versions) -> None:
    settings, old, new = two_versions
    entry = history_path(settings, old)
    kept_bytes = sha256(entry)
    result = runner.invoke(
        app, ["rollback", "--reason", "test rollback", old, "--marts-dir", str(settings.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    try:
        assert figures(settings.published_path) == (old, 12, 400)
        live = settings.published_path.stat()
        assert live.st_ino != entry.stat().st_ino and live.st_nlink == 1
        assert stat.S_IMODE(live.st_mode) & 0o200, "the published file is a normal file"
        assert sha256(entry) == kept_bytes and stat.S_IMODE(entry.stat().st_mode) == 0o444
    finally:
        result = runner.invoke(
            app,
            ["rollback", "--reason", "test rollback", new, "--marts-dir", str(settings.marts_dir)],
        )
        assert result.exit_code == 0, result.output
    assert figures(settings.published_path) == (new, 12, 700)


def test_rollback_refuses_a_name_outside_history(two_versions) -> None:
    settings, _old, _new = two_versions
    before = sha256(settings.published_path)
    result = runner.invoke(
        app,
        [
            "rollback",
            "--reason",
            "test rollback",
            "../../metiers",
            "--marts-dir",
            str(settings.marts_dir),
        ],
    )
    assert result.exit_code == 2 and "not in history" in result.output
    assert sha256(settings.published_path) == before


# --- a failure at any step: never "failed" with the new version live ------------------------


def fail_copy(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    def no_space(source: Path, target: Path) -> None:
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(publish, "_copy_read_only", no_space)


def occupy_history(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """A plain file where the history folder should be."""
    shutil.rmtree(settings.history_dir)
    settings.history_dir.write_text("not a folder")


def fail_before_rename(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The fault hook right before the rename (metiers.core.faults.checkpoint) raises."""

    def broken(stage: str) -> None:
        if stage == "publication":
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(publish, "checkpoint", broken)


def fail_after_rename(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Syncing the marts folder fails once the new file has been renamed in."""
    real = publish._fsync_directory

    def broken(directory: Path) -> None:
        if Path(directory) == settings.marts_dir:
            raise OSError(5, "Input/output error")
        real(directory)

    monkeypatch.setattr(publish, "_fsync_directory", broken)


def killed_before_swap(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The run dies between its history copy and its swap (SystemExit: nothing cleans up)."""

    def killed(_new_file: Path, _settings: Settings) -> None:
        raise SystemExit(137)

    monkeypatch.setattr(publish, "swap_in", killed)


def fail_naming(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Giving the new version's copy its name in history fails once the version is live."""

    def broken(_pending: Path, _target: Path) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(publish, "_promote", broken)


def fail_pruning(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    def broken(_settings: Settings) -> list[Path]:
        raise PermissionError(13, "Permission denied", str(settings.history_dir))

    monkeypatch.setattr(publish, "history_files", broken)


def fail_report(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("report folder full")

    import metiers.validate.report

    monkeypatch.setattr(metiers.validate.report, "write_html_report", broken)


# name: (fault, the version live afterwards, the run's status, the error raised)
FAULTS = {
    "history-copy-fails": (fail_copy, "old", "failed", UsageError),
    "history-folder-occupied": (occupy_history, "old", "failed", UsageError),
    "swap-fails-before-rename": (fail_before_rename, "old", "failed", OSError),
    "killed-before-swap": (killed_before_swap, "old", "failed", SystemExit),
    "naming-fails-after-swap": (fail_naming, "new", "published", None),
    "sync-fails-after-rename": (fail_after_rename, "new", "published", None),
    "pruning-fails": (fail_pruning, "new", "published", None),
    # The report is written after the run decided: its failure is a warning, not exit 3.
    "report-fails-after-publication": (fail_report, "new", "published", None),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_failure_never_leaves_a_new_version_live_with_status_failed(
    name: str,
    first: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault, live, status, raised = FAULTS[name]
    settings = next_refresh(
        first,
        tmp_path,
        history_keep=1 if name == "pruning-fails" else 2,
        data_docs=name == "report-fails-after-publication",
    )
    old = figures(settings.published_path)[0]
    before = sha256(settings.published_path)
    fault(monkeypatch, settings)
    history_before = kept(settings)
    with caplog.at_level(logging.WARNING, logger="metiers"):
        if raised is None:
            publication = run_refresh(settings)
        else:
            with pytest.raises(raised) as error:
                run_refresh(settings)
            if raised is UsageError:
                assert str(settings.history_dir) in str(error.value)
                assert "nothing was published" in str(error.value)
    monkeypatch.undo()
    last = read_runs(settings)[-1]
    assert last["status"] == status
    if live == "old":
        assert sha256(settings.published_path) == before
        assert published_version(settings.published_path) == old
        assert last["failed_task"] == "publish"
        assert kept(settings) == history_before, "the version that failed is not listed"
        assert not list(settings.history_dir.glob(".*.partial"))
        if name == "killed-before-swap":
            # Its copy waits, hidden, and the next publication clears it.
            assert len(list(settings.history_dir.glob(".*.pending"))) == 1
        else:
            assert not list(settings.history_dir.glob(".*.pending"))
            assert not list(settings.marts_dir.glob(".build-*"))
    else:
        version = published_version(settings.published_path)
        assert version != old and last["version"] == version
        assert figures(settings.published_path) == (version, 12, 700)
        entry = history_path(settings, version)
        if name == "naming-fails-after-swap":
            assert f"metiers-{version}.duckdb" not in kept(settings)
            entry = entry.with_name(f".{entry.name}.pending")
            assert any("naming its history copy" in r.getMessage() for r in caplog.records)
        assert figures(entry) == (version, 12, 700)
        assert stat.S_IMODE(entry.stat().st_mode) == 0o444
        if raised is None:
            assert publication.version == version
    if name == "pruning-fails":
        assert any("could not prune" in record.getMessage() for record in caplog.records)
        assert len(kept(settings)) == 2  # history_keep=1, but nothing could be removed
    if name == "report-fails-after-publication":
        assert any(
            "validation report not written: RuntimeError: report folder full" in r.getMessage()
            for r in caplog.records
        )
    # Whatever happened, the next refresh publishes the new data (and keeps it in history).
    if name == "history-folder-occupied":
        settings.history_dir.unlink()
    live_before = published_version(settings.published_path)
    published = run_refresh(settings, full=name == "naming-fails-after-swap")
    assert figures(settings.published_path)[2] == 700
    assert read_runs(settings)[-1]["status"] in ("published", "unchanged")
    assert f"metiers-{published.version}.duckdb" in kept(settings)
    if published.status == "published":
        # The version it replaced is kept too (named now if its naming had failed).
        assert f"metiers-{live_before}.duckdb" in kept(settings)
        assert not list(settings.history_dir.glob(".*.pending"))


# --- the run log ---------------------------------------------------------------------------


def record_line(run_id: str, **fields) -> bytes:
    record = RunRecord.start(run_id, full=False, trigger="test")
    record.finish("published", f"v-{run_id}")
    data = {**record.as_dict(), **fields}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def torn_utf8() -> bytes:
    """A record cut inside 'é' (a killed writer), then the next record on its own line."""
    line = record_line("torn", error="café")
    return line[: line.index("é".encode()) + 1]


BAD_LINES = {
    "list": b"[1,2,3]",
    "empty-object": b"{}",
    "status-only": b'{"status": 5}',
    "torn-utf8": torn_utf8(),
    "random-bytes": random.Random(3).randbytes(400).replace(b"\n", b" "),
    "nul": b"\x00",
    "enormous": b'{"pad": "' + b"x" * 20_000_000 + b'"}',
    "deep": b"[" * 200_000,
    "string": b'"a run"',
    "null": b"null",
    "bad-started-at": record_line("bad-time", started_at="yesterday"),
    "naive-started-at": record_line("naive", started_at="2025-01-01T00:00:00"),
    "wrong-type": record_line("typed", status=["published"]),
    "bad-inputs": record_line("inputs", inputs=[{"path": 1}]),
    "bad-seconds": record_line("seconds", seconds_per_stage={"build": "slow"}),
    "lone-surrogate": record_line("x").replace(b'"run_id": "x"', b'"run_id": "\\ud800"'),
}


def write_log(marts: Path, bad: bytes) -> None:
    marts.mkdir(parents=True, exist_ok=True)
    lines = [record_line("first"), bad, record_line("second")]
    (marts / "runs.jsonl").write_bytes(b"\n".join(lines) + b"\n")


@pytest.mark.parametrize("name", list(BAD_LINES))
def test_a_line_that_is_not_a_run_record_is_skipped_and_counted(name: str, tmp_path: Path) -> None:
    marts = tmp_path / "marts"
    write_log(marts, BAD_LINES[name])
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=marts)
    runs = read_runs(settings)
    assert [run["run_id"] for run in runs] == ["first", "second"]
    assert runs.skipped == 1
    assert len(runs_table_rows(runs)) == 2  # what meta_runs gets
    result = runner.invoke(app, ["runs", "--marts-dir", str(marts)])
    assert result.exit_code == 0, result.output
    assert "1 line(s)" in result.stderr and "skipped" in result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["second", "first"]
    shown = runner.invoke(app, ["runs", "--format", "json", "--marts-dir", str(marts)])
    assert shown.exit_code == 0
    assert [run["run_id"] for run in json.loads(shown.stdout)] == ["second", "first"]
    args = ["--raw-dir", str(settings.raw_dir), "--marts-dir", str(marts)]
    status = runner.invoke(app, ["status", "--format", "json", *args])
    assert status.exit_code == 0, status.output
    report = json.loads(status.stdout)
    assert (report["last_run"]["run_id"], report["skipped_run_lines"]) == ("second", 1)
    table = runner.invoke(app, ["status", *args])
    assert table.exit_code == 0 and "1 line(s) skipped" in table.stdout


def test_random_run_logs_never_crash_a_reader() -> None:
    """Fragments of valid records, shuffled and cut: every reader copes."""
    generator = random.Random(21)
    small = [line for name, line in BAD_LINES.items() if name not in ("enormous", "deep")]
    pieces = [record_line(f"r{index}") for index in range(5)] + small
    for _ in range(200):
        lines = []
        for _ in range(generator.randint(1, 6)):
            piece = generator.choice(pieces)
            start = generator.randrange(len(piece)) if generator.random() < 0.3 else 0
            end = generator.randrange(start, len(piece) + 1) if generator.random() < 0.3 else None
            lines.append(piece[start:end])
        runs = parse_runs(b"\n".join(lines))
        assert all(run["run_id"] for run in runs)
        runs_table_rows(runs)


def test_a_damaged_run_log_does_not_stop_a_refresh(first: Settings, tmp_path: Path) -> None:
    """The bug: one such line made every refresh exit 3. Now meta_runs gets the valid
    records, this run included."""
    settings = next_refresh(first, tmp_path)
    valid_before = [run["run_id"] for run in read_runs(settings)]
    with (settings.marts_dir / "runs.jsonl").open("ab") as log:
        for line in BAD_LINES.values():
            log.write(line + b"\n")
    result = runner.invoke(
        app,
        ["refresh", "--no-prefect", "--raw-dir", str(settings.raw_dir),
         "--marts-dir", str(settings.marts_dir), "--staging-dir", str(settings.staging_dir),
         "--sources", str(settings.sources_file)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    runs = read_runs(settings)
    assert runs.skipped == len(BAD_LINES)
    assert [run["run_id"] for run in runs][:-1] == valid_before
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        in_mart = [row[0] for row in connection.execute("SELECT run_id FROM meta_runs").fetchall()]
    assert sorted(in_mart) == sorted([*valid_before, runs[-1]["run_id"]])
