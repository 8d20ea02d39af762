"""Raw paths are paths, and keys and periods hold across files: the corpus of the operator's
slips with file names and copies, each refreshed through the CLI like `test_bad_inputs`.

A raw file whose name a reader could expand as a pattern (`register_202*.parquet` read every
2022-2025 file), whose name holds control characters, or that is not a regular file (a
dangling link, a FIFO, a link loop) is rejected by name, never read, never skipped in silence.
A register file holding another year than its name's, two files for one register year, and a
key found in two files of a source are rejected too, naming every file involved. A required
source so broken stops the refresh (exit 1, the published file byte for byte as it was); an
optional one is left out, flagged (exit 0).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from rawdata import person, write_csv, write_register
from test_bad_inputs import (  # noqa: F401 - the fixtures are used by name
    REGISTER_FIGURES,
    REGISTER_FORMATS,
    Baseline,
    Run,
    baseline,
    query,
    reg,
    register_rows,
    run_with,
    sha256,
)

from metiers.core.source_registry import load_registry

Maker = Callable[[Path], None]
REGISTER = "register"
# A refresh of this small folder takes well under a minute; a FIFO opened by mistake would
# block it for ever.
FIFO_DEADLINE_SECONDS = 300
SAFE_REPORT_NAME = re.compile(r"[A-Za-z0-9._-]+\.json")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# -- ways to misname, misplace and copy files -------------------------------------------------


def copy_as(relative: str, name: str) -> Maker:
    """The file at `relative` copied beside itself under `name`."""

    def make(raw: Path) -> None:
        source = raw / relative
        shutil.copyfile(source, source.parent / name)

    return make


def moved_to(relative: str, name: str) -> Maker:
    def make(raw: Path) -> None:
        source = raw / relative
        source.rename(source.parent / name)

    return make


def one_row_register(name: str, year: int) -> Maker:
    """A register file of one person (Z1) under `name`: what a glob name would bring in."""

    def make(raw: Path) -> None:
        row = person(year, "Z1", "2654.2")
        if name.endswith(".parquet"):
            pl.DataFrame([row]).write_parquet(raw / REGISTER / name)
        else:
            write_csv(raw / REGISTER / name, list(row), [row])

    return make


def register_lines(raw: Path, year: int) -> list[str]:
    return (raw / reg(year)).read_text(encoding="utf-8").splitlines(keepends=True)


def csv_of_lines(name: str, lines: list[tuple[int, int]]) -> Maker:
    """A register CSV `name`: the header, then line `n` (1: the first record) of `year`'s CSV
    file for each (year, n) of `lines`."""

    def make(raw: Path) -> None:
        chosen = [register_lines(raw, year)[number] for year, number in lines]
        text = "".join([register_lines(raw, 2022)[0], *chosen])
        (raw / REGISTER / name).write_text(text, encoding="utf-8")

    return make


def copied_over_2024(raw: Path) -> None:
    """`cp register_2025.parquet register_2024.parquet`, the 2024 CSV file gone."""
    (raw / reg(2024)).unlink()
    copy_as(reg(2025), "register_2024.parquet")(raw)


def appended_to(year: int, rows_of: int) -> Maker:
    """Lines of `rows_of`'s CSV file appended to `year`'s CSV file (a year in the wrong file)."""

    def make(raw: Path) -> None:
        extra = register_lines(raw, rows_of)[1:3]
        with (raw / reg(year)).open("a", encoding="utf-8") as handle:
            handle.writelines(extra)

    return make


def second_file_for(year: int, fmt: str) -> Maker:
    """The same year's rows written once more in another format: two files for one year."""
    return lambda raw: write_register(raw, year, register_rows(year), fmt)


def dangling_link(raw: Path) -> None:
    (raw / reg(2022)).unlink()
    (raw / reg(2022)).symlink_to("register_2022_archived.csv")


def fifo(raw: Path) -> None:
    (raw / reg(2022)).unlink()
    os.mkfifo(raw / reg(2022))


def link_loop(raw: Path) -> None:
    """register_2022.csv -> register_2021.csv -> register_2022.csv."""
    (raw / reg(2022)).unlink()
    (raw / reg(2022)).symlink_to("register_2021.csv")
    (raw / REGISTER / "register_2021.csv").symlink_to("register_2022.csv")


def unreadable(raw: Path) -> None:
    (raw / reg(2024)).chmod(0)


def undecodable_name(raw: Path) -> None:
    name = os.fsdecode(b"register_2024\xff.csv")
    shutil.copyfile(raw / reg(2024), raw / REGISTER / name)


# -- the corpus -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathFault:
    id: str
    make: Maker
    # Every file rejected, as messages and reports name it (control characters escaped),
    # mapped to its real path in the raw folder, or None when the entry is never opened.
    files: dict[str, str | None]
    words: tuple[str, ...]  # words of the rule each rejected file's problem gives
    column: str | None = None
    sample: str | None = None
    row: int | None = None
    source: str = REGISTER
    exit_code: int = 1

    def param(self):
        return pytest.param(self, id=self.id)


def same(*labels: str) -> dict[str, str | None]:
    return {label: label for label in labels}


GLOB = ("file name without glob characters",)
CONTROL_WORDS = ("file name without control characters",)
WRONG_YEAR = ("year is the year of the file name",)
ONE_FILE_PER_YEAR = ("one file per register year",)
ACROSS_FILES = ("key unique across files",)
PERSON_YEAR = "person_id,year"

PATH_FAULTS = [
    # -- names a glob reader would expand --
    PathFault("glob_star", one_row_register("register_202*.parquet", 2025),
              same("register/register_202*.parquet"), GLOB),
    PathFault("glob_brackets", one_row_register("register_201[9].csv", 2019),
              same("register/register_201[9].csv"), GLOB),
    PathFault("glob_brackets_matching_a_file", copy_as(reg(2022), "register_202[2].csv"),
              same("register/register_202[2].csv"), GLOB),
    PathFault("glob_braces", copy_as(reg(2024), "register_{2024,2025}.csv"),
              same("register/register_{2024,2025}.csv"), GLOB),
    PathFault("glob_question_mark", moved_to(reg(2023), "register_202?.parquet"),
              same("register/register_202?.parquet"), GLOB),
    # -- names with control characters: named escaped, on one line --
    PathFault("newline_in_name", moved_to(reg(2024), "register_2024\n.csv"),
              {"register/register_2024\\n.csv": "register/register_2024\n.csv"}, CONTROL_WORDS),
    PathFault("tab_in_name", moved_to(reg(2025), "register\t2025.parquet"),
              {"register/register\\t2025.parquet": "register/register\t2025.parquet"},
              CONTROL_WORDS),
    PathFault("escape_in_name", copy_as(reg(2024), "register_2024\x1b[31m.csv"),
              {"register/register_2024\\x1b[31m.csv": "register/register_2024\x1b[31m.csv"},
              CONTROL_WORDS),
    PathFault("name_not_utf8", undecodable_name,
              {"register/register_2024\\udcff.csv": os.fsdecode(b"register/register_2024\xff.csv")},
              ("file name in UTF-8",)),
    # -- entries that are not regular files: rejected, never opened, never skipped --
    PathFault("dangling_symlink", dangling_link, {reg(2022): None}, ("link target missing",)),
    PathFault("fifo", fifo, {reg(2022): None}, ("not a regular file", "FIFO")),
    PathFault("symlink_loop", link_loop,
              {reg(2022): None, "register/register_2021.csv": None}, ("link loop",)),
    # -- a year in the wrong file --
    # `cp register_2025.parquet register_2024.parquet`, beside the real register_2024.csv.
    PathFault("year_copied_beside", copy_as(reg(2025), "register_2024.parquet"),
              same("register/register_2024.parquet"), WRONG_YEAR, "year", "2025", 1),
    # the same copy, over the 2024 file
    PathFault("year_copied_over", copied_over_2024,
              same("register/register_2024.parquet"), WRONG_YEAR, "year", "2025", 1),
    # two lines of 2022 (persons M0, M1) appended to 2024's CSV, whose 25 persons take lines
    # 2 to 26
    PathFault("rows_of_another_year_appended", appended_to(2024, rows_of=2022),
              same(reg(2024)), WRONG_YEAR, "year", "2022", 27),
    # a name without year: M0 of 2022 on line 2, M0 of 2024 on line 3
    PathFault("two_years_in_a_file_without_year",
              csv_of_lines("extra.csv", [(2022, 1), (2024, 1)]),
              same("register/extra.csv"), ("one year per file",), "year", "2024", 3),
    # -- two files for one year --
    PathFault("two_files_for_one_year", second_file_for(2024, "parquet"),
              same(reg(2024), "register/register_2024.parquet"), ONE_FILE_PER_YEAR, "year"),
    PathFault("year_copied_under_another_name", copy_as(reg(2025), "register_2025 (copie).parquet"),
              same(reg(2025), "register/register_2025 (copie).parquet"), ONE_FILE_PER_YEAR,
              "year"),
    PathFault("year_copied_under_a_name_without_year", copy_as(reg(2025), "export.parquet"),
              same(reg(2025), "register/export.parquet"), ONE_FILE_PER_YEAR, "year"),
    # -- a key in two files: person M1 of 2024 (line 3 of its file) again in another file --
    PathFault("same_person_year_in_two_files",
              csv_of_lines("register_2024_extra.csv", [(2024, 2)]),
              same(reg(2024), "register/register_2024_extra.csv"), ACROSS_FILES, PERSON_YEAR,
              "{'person_id': 'M1', 'year': 2024}"),
    # -- optional sources: the source left out, the rest published --
    PathFault("insertion_glob_name", copy_as("insertion/insertion.xlsx", "insertion[1].xlsx"),
              same("insertion/insertion[1].xlsx"), GLOB, source="insertion", exit_code=0),
    PathFault("facts_newline_in_name", copy_as("facts/facts.csv", "facts\n.csv"),
              {"facts/facts\\n.csv": "facts/facts\n.csv"}, CONTROL_WORDS, source="facts",
              exit_code=0),
    PathFault("insertion_cohort_in_two_files",
              copy_as("insertion/insertion.xlsx", "insertion_copy.xlsx"),
              same("insertion/insertion.xlsx", "insertion/insertion_copy.xlsx"), ACROSS_FILES,
              "cohort_year,occupation_code", "{'cohort_year': 2024, 'occupation_code': '2654.2'}",
              5, source="insertion", exit_code=0),
]  # fmt: skip


# -- running and checking ---------------------------------------------------------------------


@contextmanager
def fifo_watchdog(path: Path) -> Iterator[Callable[[], bool]]:
    """Yield a function telling whether a reader got stuck on the FIFO at `path`. Past the
    deadline, the FIFO is opened for writing (only possible while someone reads it), which
    unblocks that reader; the test then fails instead of hanging."""
    done = threading.Event()
    stuck: list[bool] = []

    def watch() -> None:
        if done.wait(FIFO_DEADLINE_SECONDS):
            return
        while not done.is_set():
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # no reader yet (ENXIO), or the path is gone
                done.wait(1)
                continue
            stuck.append(True)
            os.close(descriptor)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield lambda: bool(stuck)
    finally:
        done.set()
        watcher.join()


@pytest.fixture(scope="module")
def path_run(baseline: Baseline, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """One refresh per fault, shared by the tests that look at it from different sides."""
    runs: dict[str, Run] = {}

    def run(fault: PathFault) -> Run:
        if fault.id not in runs:
            root = tmp_path_factory.mktemp(fault.id)
            with fifo_watchdog(root / "raw" / reg(2022)) as got_stuck:
                runs[fault.id] = run_with(fault.make, baseline, root)
            assert not got_stuck(), f"{fault.id}: the refresh opened a FIFO and blocked"
        return runs[fault.id]

    return run


def reports_of(run: Run) -> dict[str, tuple[Path, dict]]:
    reports = {}
    for path in sorted(run.quarantine.rglob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        reports[report["file"]] = (path, report)
    return reports


def matching_problems(report: dict, fault: PathFault) -> list[dict]:
    return [
        problem
        for problem in report["problems"]
        if all(word in problem["rule"] for word in fault.words)
        and (fault.column is None or problem["column"] == fault.column)
    ]


@pytest.mark.parametrize("fault", [fault.param() for fault in PATH_FAULTS])
def test_path_fault(fault: PathFault, path_run, baseline: Baseline) -> None:  # noqa: F811
    run = path_run(fault)
    assert run.exit_code == fault.exit_code, run.output
    # one report per rejected file, under a name no shell or glob reader misreads
    reports = reports_of(run)
    assert set(reports) == set(fault.files), run.output
    for label, real in fault.files.items():
        path, report = reports[label]
        assert path.parent == run.quarantine / report["run_id"] / fault.source
        assert SAFE_REPORT_NAME.fullmatch(path.name), path.name
        assert report["source"] == fault.source
        assert not CONTROL.search(report["raw_path"]), report["raw_path"]
        # hashed when it is a regular file of the raw folder; a link or FIFO is never opened
        assert report["sha256"] == (sha256(run.raw / real) if real else "")
        problems = matching_problems(report, fault)
        assert problems, report["problems"]
        if fault.sample is not None:
            assert fault.sample in problems[0]["sample"], problems[0]
        if fault.row is not None:
            assert fault.row in problems[0]["rows"], problems[0]
        # a problem between files names every other file involved
        for other in fault.files:
            if other != label and fault.words != ("link loop",):
                assert other in problems[0]["rule"], problems[0]
    # the message: one line per problem, naming the file and the rule; no raw control character
    assert not CONTROL.search(run.output.replace("\n", "")), repr(run.output)
    for label in fault.files:
        lines = [
            line
            for line in run.output.splitlines()
            if f"- {label}:" in line and all(word in line for word in fault.words)
        ]
        assert lines, run.output
    if fault.exit_code == 1:
        for label in fault.files:
            assert str(reports[label][0]) in run.output
        # nothing published: the previous file is there, byte for byte
        assert run.after == run.before
        assert not list((run.root / "marts").glob(".build-*"))
        return
    # an optional source left out, said so; the register's figures unchanged
    assert run.after != run.before
    assert f"optional source '{fault.source}' was left out" in run.output
    publication = query(run.published, "SELECT excluded_sources FROM meta_publication")
    assert publication == [{"excluded_sources": [fault.source]}]
    rejected = query(run.published, "SELECT path FROM meta_sources WHERE status = 'rejected'")
    assert {row["path"] for row in rejected} == set(fault.files)
    for figure in query(run.published, "SELECT * FROM metier_figures"):
        previous = baseline.figures[figure["slug"]]
        assert {key: figure[key] for key in REGISTER_FIGURES} == {
            key: previous[key] for key in REGISTER_FIGURES
        }


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file, whatever its mode")
def test_unreadable_file_is_rejected(baseline: Baseline, tmp_path: Path) -> None:  # noqa: F811
    run = run_with(unreadable, baseline, tmp_path)
    assert run.exit_code == 1, run.output
    assert any(
        reg(2024) in line and "permission denied" in line for line in run.output.splitlines()
    ), run.output
    assert run.after == run.before


def test_catalogue_slug_in_two_catalogue_files() -> None:
    """The catalogue's key is its slug; its pattern names one file, so it cannot come in two
    files. Should the pattern ever allow two, this test must become a corpus entry."""
    patterns = load_registry()["metiers"].patterns
    if any(char in pattern for pattern in patterns for char in "*?["):
        pytest.fail(f"the catalogue pattern {patterns} allows two files: add a corpus entry")
    pytest.skip(f"the catalogue pattern {patterns} names a single file")


# -- what is not a fault ----------------------------------------------------------------------


RENAMED = {
    reg(2023): "register/Registre de l'emploi, année 2023.parquet",
    reg(2024): "register/registre 2024 é.csv",
}


def spaces_and_accents(raw: Path) -> None:
    for old, new in RENAMED.items():
        (raw / old).rename(raw / new)


def test_names_with_spaces_and_accents_are_read(
    baseline: Baseline,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Spaces, accents, commas and quotes are not patterns: the files are read as they are,
    and the figures are exactly those of the same files under plain names."""
    run = run_with(spaces_and_accents, baseline, tmp_path)
    assert run.exit_code == 0, run.output
    assert not run.quarantine.exists() or not list(run.quarantine.rglob("*.json"))
    sources = query(run.published, "SELECT path, status FROM meta_sources WHERE source = ?",
                    [REGISTER])  # fmt: skip
    assert {row["path"]: row["status"] for row in sources} == {
        RENAMED.get(reg(year), reg(year)): "validated" for year in REGISTER_FORMATS
    }
    figures = {row["slug"]: row for row in query(run.published, "SELECT * FROM metier_figures")}
    assert figures.keys() == baseline.figures.keys()
    for slug, figure in figures.items():
        previous = baseline.figures[slug]
        for column, value in figure.items():
            if column.endswith("_source_files") and previous[column] is not None:
                # the lineage names the files under their new names
                expected = previous[column]
                for old, new in RENAMED.items():
                    expected = expected.replace(old, new)
                assert sorted(value.split(", ")) == sorted(expected.split(", ")), column
            else:
                assert value == previous[column], (slug, column)


@pytest.mark.parametrize("folder", ["marts[1]", "marts*", "ma?ts", "{a,b}"])
def test_a_marts_or_staging_folder_with_glob_characters_is_a_usage_error(
    baseline: Baseline,  # noqa: F811
    tmp_path: Path,
    folder: str,
) -> None:
    """DuckDB reads staged and built files by path and would expand these characters: such
    a folder is refused before any work (exit 2), and nothing is written under it."""
    from typer.testing import CliRunner

    from metiers.cli import app

    marts = tmp_path / folder / "marts"
    result = CliRunner().invoke(
        app, ["refresh", "--no-prefect", "--raw-dir", str(baseline.raw), "--marts-dir", str(marts)]
    )
    assert result.exit_code == 2, result.output
    assert "choose a folder without them" in result.output
    assert not (marts / "metiers.duckdb").exists()
    staging = tmp_path / "staging[x]"
    result = CliRunner().invoke(
        app,
        ["refresh", "--no-prefect", "--raw-dir", str(baseline.raw), "--marts-dir",
         str(tmp_path / "ok"), "--staging-dir", str(staging)],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert not staging.exists()
