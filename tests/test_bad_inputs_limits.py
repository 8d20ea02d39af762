"""Hostile and oversized raw files: every one is rejected by a declared limit, quickly and in
bounded memory, through the CLI, like any other bad file.

Each case breaks one file of a copy of the corpus's valid raw folder (tests/test_bad_inputs.py)
and refreshes it with `--no-prefect`, with the registry's `[limits]` lowered where a small
file has to stand for a large one. A required source refused leaves the published file byte
for byte as it was (exit 1); an optional one is left out with its report (exit 0). The
message and the quarantine report name the file and the limit (`limits.<name> = <value>`).
"""

# The corpus's `baseline` fixture is imported, then requested by name: not a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from conftest import SHARED_DIR
from rawdata import INSERTION_COLUMNS, REGISTER_COLUMNS
from test_bad_inputs import (  # noqa: F401
    EXCLUDED,
    FED_FIGURES,
    INSERTION,
    REGISTER_FIGURES,
    Baseline,
    Fault,
    Run,
    baseline,
    bytes_edit,
    check_report,
    insertion_rows,
    problem_line,
    query,
    reg,
    runner,
    sha256,
    text_edit,
)

from metiers.cli import app
from metiers.core.errors import DataRejected
from metiers.core.limits import Limits
from metiers.core.paths import DEFAULT_SOURCES_FILE, PROJECT_ROOT
from metiers.ingest.sources.limits import check_text_file, column_number, scan_text

EXTERNAL = SHARED_DIR / "data" / "external"
DEFAULTS = Limits()
GIB = 1 << 30
# What a report or message about one bad file may weigh, whatever the file holds.
SMALL = 64 * 1024
FIFTY_MB = 50 * 1024 * 1024


# -- ways to build hostile files ------------------------------------------------------------


def wide_header(columns: int):
    """The register header widened to `columns` fields, the data lines left as they are."""

    def edit(text: str) -> str:
        header, rest = text.split("\n", 1)
        extra = columns - len(header.split(","))
        return ",".join([header, *(f"extra_{i:07d}" for i in range(extra))]) + "\n" + rest

    return edit


def register_lines(count: int) -> bytes:
    """`count` register lines (valid values, distinct ids)."""
    return b"".join(
        f"2024,X{i},2654.2,BE10,M,40,employee,3000.0,5,1.0\n".encode() for i in range(count)
    )


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6)


def gzip_of_size(inside: int, header: bytes = b"") -> bytes:
    """A multi-member gzip stream expanding to about `inside` bytes of register lines, made of
    one compressed block repeated: megabytes on disk, milliseconds to make."""
    # one line repeated: deflate's best ratio (about 340:1 here), 12 MB for 4 GiB
    block = b"2024,X1,2654.2,BE10,M,40,employee,3000.0,5,1.0\n" * 170_000
    member = gzip.compress(block, compresslevel=9)
    count = max(1, inside // len(block))
    return gzip.compress(header, compresslevel=9) + member * count


def gzip_register(inside: int):
    def edit(data: bytes) -> bytes:
        header = data.split(b"\n", 1)[0] + b"\n"
        return gzip_of_size(inside, header)

    return edit


def insertion_workbook(path: Path, far_cell: str | None = None) -> None:
    """The corpus's insertion workbook (two title rows, header on row 4), written by
    xlsxwriter, with one more cell at `far_cell` when given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Insertion")
    sheet.write(0, 0, "Title line 1")
    sheet.write(1, 0, "Title line 2")
    sheet.write_row(3, 0, INSERTION_COLUMNS)
    for offset, row in enumerate(insertion_rows(), start=1):
        sheet.write_row(3 + offset, 0, [row.get(column) for column in INSERTION_COLUMNS])
    if far_cell:
        sheet.write(far_cell, "x")
    workbook.close()


def far_cell_declared(raw: Path) -> None:
    insertion_workbook(raw / INSERTION, far_cell="XFD1048576")


def rewrite_xlsx(path: Path, edit) -> None:
    """Copy a workbook member by member, `edit(name, data)` deciding each member's bytes."""
    members = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            members.append((info.filename, edit(info.filename, archive.read(info))))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if data is not None:
                archive.writestr(name, data)


def far_cell_hidden(raw: Path) -> None:
    """A cell at XFD1048576 that the sheet's <dimension> does not admit to (A1:E6)."""

    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        cell = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        assert b'<dimension ref="A1:E6"/>' in data
        return data.replace(b"</sheetData>", cell + b"</sheetData>")

    rewrite_xlsx(raw / INSERTION, edit)


def shared_strings_declared_by_billions(raw: Path) -> None:
    """calamine reserves the shared strings table's declared size up front (and aborts)."""

    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/sharedStrings.xml":
            return data
        return re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', data)

    rewrite_xlsx(raw / INSERTION, edit)


def xlsx_with_big_member(raw: Path) -> None:
    """A 4 MB member (zeros: a few kilobytes compressed) added to the workbook."""

    def edit(name: str, data: bytes) -> bytes:
        return data

    path = raw / INSERTION
    rewrite_xlsx(path, edit)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(4_000_000))


def long_line(raw: Path) -> None:
    """A register file whose second line is 50 MB of short fields."""
    path = raw / reg(2024)
    header = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(header + b"\n" + b"1," * (FIFTY_MB // 2) + b"\n")


def single_line(raw: Path) -> None:
    """A register file that is one line of 50 MB, no separator, no line break."""
    (raw / reg(2024)).write_bytes(b"x" * FIFTY_MB)


def long_cell(raw: Path) -> None:
    """A 100 KB region value on line 5 (person M3)."""
    path = raw / reg(2024)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    fields = lines[4].split(",")
    assert fields[1] == "M3"
    fields[REGISTER_COLUMNS.index("region")] = "B" * 100_000
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")


def more_lines(count: int):
    return bytes_edit(reg(2024), lambda data: data + register_lines(count))


# -- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A corpus fault, plus what the registry copy it runs with declares: `[limits]` values
    and extra options per source."""

    fault: Fault
    limits: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)

    def param(self):
        return pytest.param(self, id=self.fault.id)


def limit_words(name: str, value: int | None = None) -> tuple[str, ...]:
    """What the message and the report say of a limit: its name and its value."""
    shown = getattr(DEFAULTS, name) if value is None else value
    return (f"limits.{name} = {shown}",)


GZIP_REGISTER = {"register": {"compression": "gzip"}}
CASES = [
    # -- a workbook cell far away: calamine would allocate 1,048,576 x 16,384 cells --
    Case(Fault("insertion_far_cell_declared", "insertion", INSERTION, far_cell_declared, 0,
               (*limit_words("max_sheet_cells"), "A1:XFD1048576"))),
    Case(Fault("insertion_far_cell_behind_a_false_dimension", "insertion", INSERTION,
               far_cell_hidden, 0,
               (*limit_words("max_sheet_cells"), "a cell at XFD1048576"))),
    Case(Fault("insertion_shared_strings_declared_by_billions", "insertion", INSERTION,
               shared_strings_declared_by_billions, 0,
               (*limit_words("max_sheet_cells"), "uniqueCount=4000000000"))),
    Case(Fault("insertion_member_past_decompressed_limit", "insertion", INSERTION,
               xlsx_with_big_member, 0,
               (*limit_words("max_decompressed_bytes", 1_000_000), "xl/media/padding.bin")),
         limits={"max_decompressed_bytes": 1_000_000}),
    # -- headers of a million and of twenty thousand columns --
    Case(Fault("register_million_column_header", "register", reg(2024),
               text_edit(reg(2024), wide_header(1_000_000)), 1,
               (*limit_words("max_columns"), "the header has at least"), row=1)),
    Case(Fault("register_20000_column_header", "register", reg(2024),
               text_edit(reg(2024), wide_header(20_000)), 1,
               (*limit_words("max_columns"), "the header has 20000 columns"), row=1)),
    # -- compressed data where text is expected --
    Case(Fault("register_gzip_named_csv", "register", reg(2024),
               bytes_edit(reg(2024), gzip_register(4_000_000)), 1,
               ("not gzip-compressed data", 'compression = "gzip"'))),
    Case(Fault("register_zip_named_csv", "register", reg(2024),
               bytes_edit(reg(2024), lambda data: zip_of(data)), 1,
               ("not zip-compressed data",))),
    Case(Fault("register_declared_gzip_past_decompressed_limit", "register", reg(2024),
               bytes_edit(reg(2024), gzip_register(4_000_000)), 1,
               (*limit_words("max_decompressed_bytes", 1_000_000), "gzip stream expands")),
         limits={"max_decompressed_bytes": 1_000_000}, options=GZIP_REGISTER),
    # -- long lines and cells --
    Case(Fault("register_50mb_line", "register", reg(2024), long_line, 1,
               (*limit_words("max_line_bytes"), "line 2 is longer"), row=2)),
    # no separator at all: the line is one cell, and the cell limit is the lower
    Case(Fault("register_50mb_single_line", "register", reg(2024), single_line, 1,
               (*limit_words("max_cell_bytes"), "a cell on line 1"), row=1)),
    Case(Fault("register_long_cell", "register", reg(2024), long_cell, 1,
               (*limit_words("max_cell_bytes"), "a cell on line 5"), row=5)),
    # -- rows: the corpus's files are small, so the limit is lowered to just above them --
    Case(Fault("register_csv_too_many_rows", "register", reg(2024), more_lines(2), 1,
               (*limit_words("max_rows", 26), "more than 26 lines under the header")),
         limits={"max_rows": 26}),
    Case(Fault("register_parquet_too_many_rows", "register", reg(2025), lambda raw: None, 1,
               (*limit_words("max_rows", 25), "the file has 26 rows")),
         limits={"max_rows": 25}),
]  # fmt: skip


def zip_of(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("register_2024.csv", data)
    return buffer.getvalue()


# -- running a refresh with a registry of its own -------------------------------------------


def registry_text(limits: dict, options: dict) -> str:
    """The project's sources.toml with a [limits] table and extra source options appended."""
    # Released at once (release policy `never`), as in test_bad_inputs.refresh.
    text = DEFAULT_SOURCES_FILE.read_text(encoding="utf-8")
    text = text.replace('approval = "flagged"', 'approval = "never"')
    if limits:
        text += "\n[limits]\n" + "".join(f"{key} = {value}\n" for key, value in limits.items())
    for source, values in options.items():
        text += f"\n[sources.{source}.options]\n"
        text += "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    return text


def refresh_args(root: Path, limits: dict, options: dict) -> list[str]:
    args = ["refresh", "--no-prefect", "--raw-dir", str(root / "raw")]
    args += ["--marts-dir", str(root / "marts")]
    sources = root / "sources.toml"
    sources.write_text(registry_text(limits, options), encoding="utf-8")
    return [*args, "--sources", str(sources)]


def prepare(baseline: Baseline, root: Path, make) -> str:
    """The valid raw folder and the previous publication copied, one file broken; returns
    the published file's sha256."""
    shutil.copytree(baseline.raw, root / "raw", symlinks=True)
    (root / "marts").mkdir()
    shutil.copyfile(baseline.published, root / "marts" / "metiers.duckdb")
    make(root / "raw")
    return sha256(root / "marts" / "metiers.duckdb")


def run_case(case: Case, baseline: Baseline, root: Path) -> Run:
    before = prepare(baseline, root, case.fault.make)
    result = runner.invoke(app, refresh_args(root, case.limits, case.options))
    after = sha256(root / "marts" / "metiers.duckdb")
    return Run(root, result.exit_code, result.output, before, after)


@pytest.fixture(scope="module")
def case_run(baseline: Baseline, tmp_path_factory: pytest.TempPathFactory):
    runs: dict[str, Run] = {}

    def run(case: Case) -> Run:
        if case.fault.id not in runs:
            root = tmp_path_factory.mktemp(case.fault.id)
            runs[case.fault.id] = run_case(case, baseline, root)
        return runs[case.fault.id]

    return run


# -- what every case must give ----------------------------------------------------------------


def said(output: str) -> str:
    """What the command said about the run: from its verdict ("error: ..." or "published
    ...") on. Earlier lines are progress logging, which the CLI runner's reused log handlers
    may fill with their own complaints."""
    lines = output.splitlines()
    start = next(
        index
        for index, line in enumerate(lines)
        if line.startswith(("error: ", "published ", "internal error"))
    )
    return "\n".join(lines[start:])


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_hostile_input_is_rejected_by_its_limit(case: Case, case_run, baseline: Baseline) -> None:
    fault = case.fault
    run = case_run(case)
    assert run.exit_code == fault.exit_code, run.output[:SMALL]
    report_path, report = check_report(run, fault)
    assert report["stage"] == "ingest"
    # the message and the report are about the file, not a copy of it
    assert len(said(run.output).encode()) < SMALL
    assert report_path.stat().st_size < SMALL
    assert not list((run.root / "staging").rglob(".gunzip-*"))
    if fault.exit_code == 1:
        assert problem_line(run.output, fault), run.output
        assert str(report_path) in run.output
        assert run.after == run.before
        assert not list((run.root / "marts").glob(".build-*"))
        return
    # an optional source left out, and said so; the other figures as before
    assert run.after != run.before
    assert f"optional source '{fault.source}' was left out" in run.output
    assert problem_line(run.output, fault), run.output
    publication = query(run.published, "SELECT run_id, excluded_sources FROM meta_publication")
    assert publication == [{"run_id": report["run_id"], "excluded_sources": [fault.source]}]
    (row,) = query(run.published, "SELECT * FROM meta_sources WHERE path = ?", [fault.file])
    assert row["status"] == "rejected"
    assert row["quarantine_report"] == str(report_path)
    assert problem_line(row["message"], fault), row["message"]
    for figure in query(run.published, "SELECT * FROM metier_figures"):
        for suppressed, values in FED_FIGURES[fault.source].items():
            assert figure[f"{suppressed}_suppressed"] == EXCLUDED.format(source=fault.source)
            assert all(figure[value] is None for value in values)
        previous = baseline.figures[figure["slug"]]
        assert {key: figure[key] for key in REGISTER_FIGURES} == {
            key: previous[key] for key in REGISTER_FIGURES
        }


# -- bounded messages, whatever a value holds -------------------------------------------------


def test_50mb_header_gives_a_small_message_and_report(baseline: Baseline, tmp_path: Path) -> None:
    """With the line and cell limits raised past it, a 50 MB single-line file reaches the
    reader: its one header name is what the "required column" problems show, cut to 200
    characters with its length, in a message and a report of a few kilobytes."""
    huge = {"max_line_bytes": 64 * 1024 * 1024, "max_cell_bytes": 64 * 1024 * 1024}
    before = prepare(baseline, tmp_path, single_line)
    result = runner.invoke(app, refresh_args(tmp_path, huge, {}))
    assert result.exit_code == 1, result.output[:SMALL]
    assert sha256(tmp_path / "marts" / "metiers.duckdb") == before
    assert len(said(result.output).encode()) < SMALL
    marker = "x" * 200 + f"…(truncated, {FIFTY_MB} characters)"
    missing = [name for name in REGISTER_COLUMNS if name != "weight"]
    for name in missing:
        line = next(line for line in result.output.splitlines() if f"column '{name}'" in line)
        assert "required column" in line and repr(marker) in line
    (report_path,) = (tmp_path / "quarantine").rglob("*.json")
    assert report_path.stat().st_size < SMALL
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert sorted(problem["column"] for problem in report["problems"]) == sorted(missing)
    assert all(problem["sample"] == [marker] for problem in report["problems"])
    (record,) = [json.loads(line) for line in (tmp_path / "marts" / "runs.jsonl").open()][-1:]
    assert len(json.dumps(record).encode()) < SMALL


# -- what is not a fault ----------------------------------------------------------------------


def test_declared_gzip_reads_like_the_plain_file(baseline: Baseline, tmp_path: Path) -> None:
    """A register year as gzip, in a source declaring compression = "gzip": read through a
    bounded decompressed copy, which is gone afterwards; every figure as from the plain file."""
    make = bytes_edit(reg(2024), gzipped)
    prepare(baseline, tmp_path, make)
    assert (tmp_path / "raw" / reg(2024)).read_bytes()[:2] == b"\x1f\x8b"
    result = runner.invoke(app, refresh_args(tmp_path, {}, GZIP_REGISTER))
    assert result.exit_code == 0, result.output
    published = tmp_path / "marts" / "metiers.duckdb"
    assert query(published, "SELECT excluded_sources FROM meta_publication") == [
        {"excluded_sources": []}
    ]
    (row,) = query(published, "SELECT status, sha256 FROM meta_sources WHERE path = ?", [reg(2024)])
    assert row == {"status": "validated", "sha256": sha256(tmp_path / "raw" / reg(2024))}
    figures = {row["slug"]: row for row in query(published, "SELECT * FROM metier_figures")}
    assert figures == baseline.figures
    staging = tmp_path / "staging" / "register"
    assert not list(staging.glob(".gunzip-*"))
    staged = pl.read_parquet(next(staging.glob("register_2024.csv.*.parquet")))
    assert staged.height == 25


def test_real_publishers_files_pass_every_default_limit() -> None:
    """The real files (ESCO, Eurostat, Statbel, BLS) are far inside the defaults; measured
    here by splitting them in Python, independently of the chunked pass."""
    if not EXTERNAL.is_dir():
        pytest.skip(f"shared files not found in {EXTERNAL}")
    files = sorted(EXTERNAL.glob("*.csv")) + sorted(EXTERNAL.glob("*.tsv"))
    files += sorted(EXTERNAL.glob("*.txt"))
    assert len(files) >= 10
    for path in files:
        data = path.read_bytes()
        lines = data.split(b"\n")
        assert max(len(line) for line in lines) < DEFAULTS.max_line_bytes
        check_text_file(path)
        expected = data.count(b"\n") + (1 if lines[-1] else 0)
        assert scan_text(path) == expected, path.name


def test_lines_and_cells_are_measured_across_window_edges(tmp_path: Path) -> None:
    """Lines and cells just at and just past their limit, wherever they fall relative to the
    windows the pass reads (limits of 7 bytes: windows of 7)."""
    limits = Limits(max_line_bytes=7, max_cell_bytes=7, max_rows=100)
    path = tmp_path / "f.csv"
    for shift in range(8):
        prefix = b"a,b\n" * shift
        path.write_bytes(prefix + b"abc,def\n1234567\n")  # 7-byte line, 7-byte cell: fine
        assert scan_text(path, limits) == shift + 2
        path.write_bytes(prefix + b"abc,defg\n")  # an 8-byte line
        with pytest.raises(DataRejected) as line_error:
            scan_text(path, limits)
        assert line_error.value.problems[0].rows == [shift + 1]
        assert "limits.max_line_bytes = 7" in line_error.value.problems[0].rule
        path.write_bytes(prefix + b'1"23456789\n')  # an 8-byte cell on a 10-byte line
        with pytest.raises(DataRejected):
            scan_text(path, Limits(max_line_bytes=100, max_cell_bytes=7))
        path.write_bytes(prefix + b"12345678\n")
        with pytest.raises(DataRejected) as cell_error:
            scan_text(path, Limits(max_line_bytes=100, max_cell_bytes=7))
        assert cell_error.value.problems[0].rows == [shift + 1]
        assert "limits.max_cell_bytes = 7" in cell_error.value.problems[0].rule


def test_documented_defaults_are_the_defaults() -> None:
    """The defaults operators read (sources.toml's header, docs/operations.md) are the ones
    the code applies."""
    defaults = dataclasses.asdict(Limits())
    comment = "".join(
        line for line in DEFAULT_SOURCES_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )  # fmt: skip
    in_registry = {name: int(value) for name, value in re.findall(r"(max_\w+) = (\d+)", comment)}
    assert in_registry == defaults
    operations = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    in_docs = {}
    for names, values in re.findall(
        r"^\| (`max_[^|]+) \| ([0-9, ]+?)(?: \(| \|)", operations, re.M
    ):
        keys = re.findall(r"`(max_\w+)`", names)
        numbers = [
            int(value.replace(",", "")) for value in re.findall(r"[0-9][0-9,]*[0-9]|[0-9]", values)
        ]
        in_docs.update(zip(keys, numbers, strict=True))
    assert in_docs == defaults


def test_column_letters() -> None:
    assert [column_number(letters) for letters in ("A", "Z", "AA", "AZ", "BA", "XFD")] == [
        1, 26, 27, 52, 53, 16384,
    ]  # fmt: skip


def test_unknown_limit_is_a_usage_error(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(registry_text({"max_colums": 10}, {}), encoding="utf-8")
    result = runner.invoke(
        app, ["refresh", "--no-prefect", "--sources", str(sources), "--marts-dir", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "max_colums" in result.output and "[limits]" in result.output


# -- memory --------------------------------------------------------------------------------


def peak_rss_of(command: list[str], out: Path) -> tuple[int, int, str]:
    """Exit code, peak resident memory in bytes (the child's own ru_maxrss, from wait4) and
    output of a command run in a fresh child process."""
    with (out / "stdout").open("wb") as stdout, (out / "stderr").open("wb") as stderr:
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    output = (out / "stdout").read_text(errors="replace") + (out / "stderr").read_text(
        errors="replace"
    )
    return child.returncode, usage.ru_maxrss * 1024, output


@pytest.mark.parametrize(
    ("declared", "limits", "words"),
    [
        pytest.param(False, {}, "not gzip-compressed data", id="undeclared"),
        pytest.param(
            True,
            {"max_decompressed_bytes": 256 * 1024 * 1024},
            "limits.max_decompressed_bytes = 268435456",
            id="declared-streamed-to-its-limit",
        ),
    ],
)
def test_gzip_bomb_stays_under_2_gib(
    declared: bool, limits: dict, words: str, baseline: Baseline, tmp_path: Path
) -> None:
    """A register 'CSV' that is a gzip stream of 4 GiB (a few MB on disk), refreshed in its
    own process: rejected, the published file as it was, and the process's peak memory far
    below 2 GiB (polars alone used 8.7 GB on it)."""
    before = prepare(baseline, tmp_path, bytes_edit(reg(2024), gzip_register(4 * GIB)))
    bomb = tmp_path / "raw" / reg(2024)
    assert bomb.stat().st_size < 20 * 1024 * 1024
    args = refresh_args(tmp_path, limits, GZIP_REGISTER if declared else {})
    code, peak, output = peak_rss_of([sys.executable, "-m", "metiers", *args], tmp_path)
    assert code == 1, output[-SMALL:]
    assert words in output and reg(2024) in output
    assert sha256(tmp_path / "marts" / "metiers.duckdb") == before
    assert peak < 2 * GIB, f"peak RSS {peak / GIB:.2f} GiB"
    assert not list((tmp_path / "staging").rglob(".gunzip-*"))
