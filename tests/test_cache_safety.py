"""The intake cache is data, not code: a JSON record per raw file that is checked field by
field when read. Whatever sits in a cache file (garbage, a crafted pickle, a record pointing
out of the staging folder) is a cache miss, never code run nor an error; and the cache key
covers the suite validation actually loads, so a tightened rule reaches unchanged files."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rawdata import person, write_catalogue, write_facts, write_register
from typer.testing import CliRunner

import metiers.validate.suites
from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.errors import DataProblem, DataRejected
from metiers.core.paths import EXPECTATIONS_DIR
from metiers.publish.runs import read_runs
from metiers.refresh.pipeline import run_refresh
from metiers.validate import intake_cache as incremental
from metiers.validate.intake import FileIntake
from metiers.validate.intake_cache import cached_intake, intake_key, store_intake

runner = CliRunner()
YEARS = range(2022, 2026)


def small_raw(raw: Path) -> None:
    """One métier; 12 persons a year aged 30..41; one freelance-rate fact."""
    write_catalogue(
        raw,
        [{"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
          "esco_code": "2654.5", "training_years_min": 3, "training_years_max": 3}],
    )  # fmt: skip
    for year in YEARS:
        write_register(raw, year, [person(year, f"P{i}", "2654.5", age=30 + i) for i in range(12)])
    write_facts(
        raw,
        [{"slug": "monteur", "indicator": "freelance_rate", "value_min": 300,
          "value_max": 500, "unit": "eur_per_day", "year": 2025, "source": "Test",
          "source_url": "https://example.org"}],
    )  # fmt: skip


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_again(settings: Settings) -> list[str]:
    """Raw files the last run read itself (not reused from the cache)."""
    return [
        item["path"] for item in read_runs(settings)[-1]["inputs"] if item["intake"] != "reused"
    ]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A raw folder refreshed once: every file has its intake record."""
    root = tmp_path_factory.mktemp("cache")
    settings = Settings(raw_dir=root / "raw", marts_dir=root / "marts")
    small_raw(settings.raw_dir)
    run_refresh(settings)
    return settings


def entry_of(settings: Settings, year: int = 2024) -> tuple[Path, Path, str]:
    """(cache file, raw file, sha256) of one register year."""
    raw = settings.raw_dir / "register" / f"register_{year}.parquet"
    digest = sha256(raw)
    (entry,) = (settings.staging_dir / "register").glob(f"register_{year}.parquet.*.intake.json")
    assert entry.name == f"register_{year}.parquet.{digest[:16]}.intake.json"
    return entry, raw, digest


@pytest.fixture
def entry(refreshed: Settings):
    """The 2024 register's cache record, restored after the test damaged it."""
    path, raw, digest = entry_of(refreshed)
    original = path.read_bytes()
    yield path, raw, digest, original
    if path.is_symlink() or not path.is_file():
        path.unlink(missing_ok=True)
    path.write_bytes(original)
    assert cached_intake("register", raw, digest, refreshed) is not None


def test_the_cache_is_json_and_reads_back_what_was_validated(refreshed: Settings) -> None:
    path, raw, digest = entry_of(refreshed)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["intake"]["staged"]["rows"] == 12
    assert not list(refreshed.staging_dir.rglob("*.pkl"))
    reused = cached_intake("register", raw, digest, refreshed)
    assert reused is not None and reused.accepted
    assert reused.staged.rows == 12
    assert reused.validation.success
    # GX's results come back in GX's JSON form, which GX's own schema loads (the run's Data
    # Docs show reused files too).
    from great_expectations.core import ExpectationSuiteValidationResult

    from metiers.validate.sql_rules import gx_result_object

    (document,) = reused.validation.gx_results
    gx_result = gx_result_object(document)
    assert isinstance(gx_result, ExpectationSuiteValidationResult)
    assert gx_result.success
    # The register suite has 31 expectations (expectations/register.json).
    assert len(gx_result.results) == len(reused.validation.results) == 31


def test_a_rejection_reads_back_with_the_same_message(refreshed: Settings, tmp_path: Path) -> None:
    """Samples keep their types (tuple, date, Decimal, NaN), so messages read the same."""
    raw = refreshed.raw_dir / "register" / "register_2023.parquet"
    problem = DataProblem(
        file="register/register_2023.parquet",
        rule="range [expect_column_values_to_be_between: min_value=15]",
        column="age",
        sample=[3, 2.5, float("nan"), ("P1", 2023), date(2023, 1, 2), Decimal("1.10"), None],
        rows=[4, 7],
        count=7,
    )
    rejected = FileIntake(
        source="register",
        raw_path=str(raw),
        sha256="f" * 64,
        size_bytes=10,
        stage="validation",
        problems=[problem],
        ingested_run="run-1",
        ingested_at=datetime(2025, 1, 1).isoformat(),
    )
    settings = Settings(
        raw_dir=refreshed.raw_dir, marts_dir=tmp_path / "marts", staging_dir=tmp_path / "s"
    )
    store_intake(rejected, settings)
    back = cached_intake("register", raw, "f" * 64, settings)
    assert back is not None and not back.accepted
    assert back.problems[0].describe() == problem.describe()
    assert back.problems[0].sample[3] == ("P1", 2023)
    assert back.problems[0].sample[4] == date(2023, 1, 2)
    assert back.problems[0].sample[5] == Decimal("1.10")


def write_pickle_bomb(path: Path, marker: Path) -> None:
    """A pickle that creates `marker` when it is unpickled."""

    class Bomb:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path.write_bytes(pickle.dumps(("key", Bomb())))


def test_a_crafted_pickle_in_the_staging_folder_is_never_run(refreshed: Settings) -> None:
    path, _raw, digest = entry_of(refreshed, 2022)
    original = path.read_bytes()
    marker = refreshed.marts_dir.parent / "pwned"
    legacy = path.with_name(path.name.replace(".intake.json", ".intake.pkl"))
    write_pickle_bomb(path, marker)
    write_pickle_bomb(legacy, marker)
    try:
        result = runner.invoke(
            app,
            ["refresh", "--no-prefect", "--raw-dir", str(refreshed.raw_dir),
             "--marts-dir", str(refreshed.marts_dir)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "unchanged" in result.output
        assert not marker.exists()
        # The 2022 register is read again (a miss), and its record is JSON again.
        assert read_again(refreshed) == ["register/register_2022.parquet"]
        assert json.loads(path.read_text(encoding="utf-8"))["intake"]["sha256"] == digest
        assert not legacy.exists(), "an old pickle record is removed, never read"
    finally:
        if not path.exists():
            path.write_bytes(original)


FILLERS = [None, True, 0, -1, 2.5, "x", "", [], {}, [1, 2, 3], {"$t": "tuple", "v": 1}]
# Free-form parts of a record (GX's own result, rule arguments, sample values).
FREE_FORM = {"gx_results", "kwargs", "sample"}


def mutations(record: dict) -> list[tuple[str, bool, object]]:
    """The valid record with one part changed: each field missing, of another type (or
    value), or an unknown field added. Returns (label, must_miss, record): dropping or adding
    a field of our own schema must be a miss."""
    nodes: list[tuple[tuple, object]] = []

    def walk(node: object, trail: tuple) -> None:
        nodes.append((trail, node))
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*trail, key))
        elif isinstance(node, list):
            # The first items of our lists; GX's long result lists: their first item.
            shown = 1 if FREE_FORM.intersection(map(str, trail)) else 3
            for index, value in enumerate(node[:shown]):
                walk(value, (*trail, index))

    walk(record, ())

    def changed(trail: tuple, edit) -> object:
        copy = json.loads(json.dumps(record))
        node = copy
        for step in trail[:-1]:
            node = node[step]
        edit(node, trail[-1])
        return copy

    cases: list[tuple[str, bool, object]] = []
    for trail, node in nodes:
        label = "/".join(map(str, trail)) or "(root)"
        ours = not FREE_FORM.intersection(map(str, trail))
        if isinstance(node, dict):
            copy = json.loads(json.dumps(record))
            target = copy
            for step in trail:
                target = target[step]
            target["unexpected"] = 1
            cases.append((f"{label} +field", ours, copy))
        if not trail:
            continue
        keyed = isinstance(trail[-1], str)
        cases.append((f"{label} missing", ours and keyed, changed(trail, lambda n, k: n.pop(k))))
        for filler in FILLERS:
            cases.append(
                (
                    f"{label}={filler!r}",
                    False,
                    changed(trail, lambda n, k, f=filler: n.__setitem__(k, f)),
                )
            )
    return cases


def test_every_ill_shaped_record_is_a_miss_or_a_sound_intake(entry, refreshed: Settings) -> None:
    """Hundreds of one-field changes: never an exception; a missing or unknown field is a
    miss; what is accepted is this very file's intake, with its staged batch at its own
    place in this staging folder."""
    path, raw, digest, original = entry
    expected_batch = (
        refreshed.staging_dir / "register" / f"register_2024.parquet.{digest[:16]}.parquet"
    )
    cases = mutations(json.loads(original))
    assert len(cases) > 500
    for label, must_miss, changed in cases:
        path.write_text(json.dumps(changed), encoding="utf-8")
        got = cached_intake("register", raw, digest, refreshed)
        if got is None:
            continue
        assert not must_miss, label
        assert isinstance(got, FileIntake), label
        assert (got.source, got.sha256, got.raw_path) == ("register", digest, str(raw)), label
        if got.accepted:
            assert got.staged.staging_path == str(expected_batch), label
            assert got.validation.success, label


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00",
        b"not json",
        b"[1, 2, 3]",
        b"{}",
        b"null",
        b'{"format": "metiers-intake/1", "key": "0", "intake": {}}',
        b"\xff\xfe\xc3",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 50_000,
    ],
    ids=["empty", "nul", "text", "list", "object", "null", "wrong-key", "bad-utf8", "deep",
         "deep-torn"],
)  # fmt: skip
def test_garbage_is_a_miss(entry, refreshed: Settings, content: bytes) -> None:
    path, raw, digest, _original = entry
    path.write_bytes(content)
    assert cached_intake("register", raw, digest, refreshed) is None


def test_torn_and_random_records_are_misses(entry, refreshed: Settings) -> None:
    path, raw, digest, original = entry
    generator = random.Random(12)
    for cut in sorted({generator.randrange(len(original)) for _ in range(150)}):
        path.write_bytes(original[:cut])
        assert cached_intake("register", raw, digest, refreshed) is None, cut
    for _ in range(150):
        flipped = bytearray(original)
        for _ in range(generator.randint(1, 8)):
            flipped[generator.randrange(len(flipped))] = generator.randrange(256)
        path.write_bytes(bytes(flipped))
        got = cached_intake("register", raw, digest, refreshed)  # never raises
        assert got is None or got.sha256 == digest
    for size in (1, 100, 10_000):
        path.write_bytes(generator.randbytes(size))
        assert cached_intake("register", raw, digest, refreshed) is None


def test_a_record_pointing_out_of_the_staging_folder_is_a_miss(
    entry, refreshed: Settings, tmp_path: Path
) -> None:
    path, raw, digest, original = entry
    record = json.loads(original)
    batch = Path(record["intake"]["staged"]["staging_path"])
    outside = tmp_path / "elsewhere.parquet"
    shutil.copy(batch, outside)
    other_year = next((refreshed.staging_dir / "register").glob("register_2023.parquet.*.parquet"))
    for pointed in (str(outside), str(other_year), f"{refreshed.staging_dir}/../x.parquet",
                    "/etc/passwd", "relative.parquet"):  # fmt: skip
        record["intake"]["staged"]["staging_path"] = pointed
        path.write_text(json.dumps(record), encoding="utf-8")
        assert cached_intake("register", raw, digest, refreshed) is None, pointed
    # Its own batch's name, but the batch replaced by a link out of the staging folder.
    path.write_bytes(original)
    saved = tmp_path / "saved.parquet"
    shutil.move(batch, saved)
    try:
        batch.symlink_to(outside)
        assert cached_intake("register", raw, digest, refreshed) is None
    finally:
        batch.unlink()
        shutil.move(saved, batch)


def test_a_link_a_fifo_or_a_huge_file_is_a_miss(
    entry, refreshed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, raw, digest, original = entry
    elsewhere = tmp_path / "record.json"
    elsewhere.write_bytes(original)
    path.unlink()
    path.symlink_to(elsewhere)
    assert cached_intake("register", raw, digest, refreshed) is None
    path.unlink()
    os.mkfifo(path)  # reading it would block: it is not even opened for reading
    assert cached_intake("register", raw, digest, refreshed) is None
    path.unlink()
    path.write_bytes(original)
    monkeypatch.setattr(incremental, "MAX_CACHE_BYTES", len(original) - 1)
    assert cached_intake("register", raw, digest, refreshed) is None


def test_garbage_records_cost_a_read_not_a_refresh(refreshed: Settings) -> None:
    """End to end: every register record damaged differently, the refresh exits 0
    (unchanged) and reads exactly those files again."""
    damaged = {
        2022: b"\x80\x81",
        2023: b'{"format": "metiers-intake/1", "key": 1, "intake": []}',
        2024: None,  # torn in the middle
        2025: b"[1,2,3]",
    }
    for year, content in damaged.items():
        path, _raw, _digest = entry_of(refreshed, year)
        path.write_bytes(content if content is not None else path.read_bytes()[:300])
    result = runner.invoke(
        app,
        ["refresh", "--no-prefect", "--raw-dir", str(refreshed.raw_dir),
         "--marts-dir", str(refreshed.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(read_again(refreshed)) == [f"register/register_{y}.parquet" for y in YEARS]
    assert read_runs(refreshed)[-1]["status"] == "unchanged"


def test_the_key_covers_the_suite_actually_used(
    refreshed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    monkeypatch.setattr(metiers.validate.suites, "EXPECTATIONS_DIR", suites)
    raw = refreshed.raw_dir / "register" / "register_2024.parquet"
    spec = refreshed.registry["register"]
    assert spec.suite == "" and spec.suite_name == "register"  # declared: none; used: register
    before = intake_key("register", raw, "a" * 64, refreshed)
    (suites / "facts.json").write_text('{"name": "facts", "expectations": []}')
    assert intake_key("register", raw, "a" * 64, refreshed) == before, "another suite"
    register = suites / "register.json"
    register.write_text(register.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert intake_key("register", raw, "a" * 64, refreshed) != before


def tighten_age_rule(suite_file: Path, max_age: int) -> None:
    suite = json.loads(suite_file.read_text(encoding="utf-8"))
    (rule,) = [
        item
        for item in suite["expectations"]
        if item["type"] == "expect_column_values_to_be_between"
        and item["kwargs"]["column"] == "age"
    ]
    rule["kwargs"]["max_value"] = max_age
    suite_file.write_text(json.dumps(suite, indent=2), encoding="utf-8")


def test_a_tightened_rule_applies_to_unchanged_files_at_the_next_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    monkeypatch.setattr(metiers.validate.suites, "EXPECTATIONS_DIR", suites)
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    small_raw(settings.raw_dir)
    assert run_refresh(settings).status == "published"
    published = sha256(settings.published_path)
    # Ages are 30..41 in every year: at most 40 leaves one bad value (41) per register file.
    tighten_age_rule(suites / "register.json", 40)
    with pytest.raises(DataRejected) as rejected:
        run_refresh(settings)
    problems = rejected.value.problems
    assert sorted(problem.file for problem in problems) == [
        f"register/register_{year}.parquet" for year in YEARS
    ]
    assert {(problem.column, problem.count, tuple(problem.sample)) for problem in problems} == {
        ("age", 1, (41,))
    }
    assert sha256(settings.published_path) == published
    last = read_runs(settings)[-1]
    assert last["status"] == "rejected"
    # Only the register's intakes were redone: the catalogue's and facts' suites did not change.
    assert sorted(read_again(settings)) == [f"register/register_{y}.parquet" for y in YEARS]
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        assert connection.execute("SELECT headcount FROM metier_figures").fetchall() == [(12,)]


@pytest.mark.parametrize("engine", ["gx", "duckdb"])
def test_both_engines_intakes_read_back_equal(tmp_path: Path, engine: str) -> None:
    """A rejected and an accepted file, validated by GX or by the SQL engine: what the cache
    gives back equals what was validated (results, samples, rule arguments, messages)."""
    from test_validate_sql import REGISTER_ROWS

    from metiers.validate.intake import take_in

    raw_dir = tmp_path / "raw"
    bad = write_register(raw_dir, 2024, REGISTER_ROWS, fmt="csv")
    good = write_register(raw_dir, 2023, [person(2023, f"P{i}", "2654.5") for i in range(12)])
    settings = Settings(raw_dir=raw_dir, marts_dir=tmp_path / "marts", validation_engine=engine)
    for path, accepted in ((bad, False), (good, True)):
        intake = take_in("register", path, settings, run_id="run-1")
        assert intake.accepted is accepted
        store_intake(intake, settings)
        back = cached_intake("register", path, intake.sha256, settings)
        assert back is not None
        assert back.validation == intake.validation
        assert [p.describe() for p in back.problems] == [p.describe() for p in intake.problems]
        assert len(back.validation.gx_results) == len(intake.validation.gx_results) == 1
        assert back.reused_by("run-2") and not back.reused_by("run-1")
