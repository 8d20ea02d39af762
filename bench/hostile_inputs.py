"""Hostile raw files against a clean refresh: wall time and peak memory, each in its own process.

Copies a raw folder (the bundled sample by default) once per case, breaks one file in it, and
runs `metiers refresh --no-prefect` on it in a fresh child process. For each case it prints
the exit code, the wall seconds, the child's peak resident memory (its own `ru_maxrss`, read
with `os.wait4`), their ratios to the clean refresh of the same folder in the same run, and
the rule the message gives. Every case must end with exit 1 (a required source refused, the
published file untouched) or 0 (an optional source left out), and under 2 GiB.

    .venv/bin/python bench/hostile_inputs.py [--raw-dir data/raw] [--json FILE]

The cases are the files that broke the refresh before the limits (docs/operations.md,
"Limits"): a workbook cell at XFD1048576 (calamine aborted the process), headers of 1,000,000
and 20,000 columns, a 4 GiB gzip stream named .csv (8.7 GB of memory), the same stream in a
source declaring gzip (decompressed to disk up to the limit, then refused), a 50 MB line and
a 100 KB cell.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from metiers.core.paths import DEFAULT_RAW_DIR, DEFAULT_SOURCES_FILE  # noqa: E402

GIB = 1 << 30
MIB = 1 << 20
# The CLI's progress line for each raw file: "2026-12-01 22:28:08,335 INFO intake 8/11: <file>"
INTAKE_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) INFO intake \d+/\d+: (.+)$")


# -- hostile files ----------------------------------------------------------------------------


def newest_csv_register(raw: Path) -> Path:
    return sorted((raw / "register").glob("*.csv"))[-1]


def gzip_bomb(path: Path, inside: int) -> None:
    """A CSV header, then register lines repeated to `inside` bytes, as a multi-member gzip
    stream of a few MB (one compressed block written again and again)."""
    header = path.read_bytes().split(b"\n", 1)[0] + b"\n"
    block = b"2024,X1,2654.2,BE10,M,40,employee,3000.0,5,1.0\n" * 170_000
    member = gzip.compress(block, compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress(header))
        for _ in range(inside // len(block)):
            out.write(member)


def wide_header(columns: int) -> Callable[[Path], None]:
    def make(raw: Path) -> None:
        path = newest_csv_register(raw)
        header, rest = path.read_bytes().split(b"\n", 1)
        extra = columns - len(header.split(b","))
        names = b",".join(f"extra_{i:07d}".encode() for i in range(extra))
        path.write_bytes(header + b"," + names + b"\n" + rest)

    return make


def rewrite_member(
    raw: Path, edit: Callable[[bytes], bytes], member: str = "xl/worksheets/sheet1.xml"
) -> None:
    path = raw / "insertion" / "insertion.xlsx"
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, edit(data) if name == member else data)


FAR_CELL = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def far_cell(declared: bool) -> Callable[[Path], None]:
    def edit(sheet: bytes) -> bytes:
        sheet = sheet.replace(b"</sheetData>", FAR_CELL + b"</sheetData>")
        if declared:
            start = sheet.index(b'<dimension ref="') + len(b'<dimension ref="')
            end = sheet.index(b'"', start)
            sheet = sheet[:start] + b"A1:XFD1048576" + sheet[end:]
        return sheet

    return lambda raw: rewrite_member(raw, edit)


def shared_strings_declared(raw: Path) -> None:
    """A shared strings table declaring 4e9 strings: calamine reserves them up front."""

    def edit(table: bytes) -> bytes:
        return re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', table)

    rewrite_member(raw, edit, "xl/sharedStrings.xml")


def fifty_mb_line(raw: Path) -> None:
    newest_csv_register(raw).write_bytes(b"x" * (50 * MIB))


def long_cell(raw: Path) -> None:
    path = newest_csv_register(raw)
    header, first, rest = path.read_bytes().split(b"\n", 2)
    fields = first.split(b",")
    fields[3] = b"B" * 100_000
    path.write_bytes(b"\n".join([header, b",".join(fields), rest]))


def gzip_named_csv(raw: Path) -> None:
    gzip_bomb(newest_csv_register(raw), 4 * GIB)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], None] | None
    registry: str = ""  # TOML appended to sources.toml


CASES = [
    Case("clean refresh", None),
    Case("xlsx cell at XFD1048576, declared", far_cell(declared=True)),
    Case("xlsx cell at XFD1048576, hidden", far_cell(declared=False)),
    Case("xlsx with 4e9 shared strings declared", shared_strings_declared),
    Case("header of 1,000,000 columns", wide_header(1_000_000)),
    Case("header of 20,000 columns", wide_header(20_000)),
    Case("4 GiB gzip named .csv", gzip_named_csv),
    Case(
        "4 GiB gzip, source declares gzip",
        gzip_named_csv,
        '\n[sources.register.options]\ncompression = "gzip"\n',
    ),
    Case("50 MB single line", fifty_mb_line),
    Case("100 KB cell", long_cell),
]


# -- running ----------------------------------------------------------------------------------


@dataclass
class Result:
    case: str
    exit_code: int
    seconds: float
    peak_rss_mib: float
    bad_file: str
    bad_file_bytes: int
    intake: dict[str, float]  # seconds per raw file
    rule: str


def intake_seconds(output: str) -> dict[str, float]:
    """Seconds per raw file. The CLI logs a file's progress line once its intake is done, so
    a file took from the previous file's line to its own (the first file has none)."""
    times = []
    for line in output.splitlines():
        match = INTAKE_LINE.match(line.strip())
        if match:
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
            times.append((stamp.timestamp() + int(match.group(2)) / 1000, match.group(3)))
    return {name: end - start for (start, _previous), (end, name) in itertools.pairwise(times)}


def seconds_text(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def size_text(size: int) -> str:
    return f"{size / MIB:.1f} MB" if size >= MIB else f"{size / 1024:.0f} KB"


def run_case(case: Case, source: Path, work: Path) -> Result:
    root = work / case.name.replace(" ", "_").replace(",", "")
    raw = root / "raw"
    shutil.copytree(source, raw)
    bad, bad_bytes = "", 0
    if case.make:
        before = {path: path.stat().st_mtime_ns for path in raw.rglob("*") if path.is_file()}
        case.make(raw)
        (changed,) = [path for path in before if before[path] != path.stat().st_mtime_ns]
        bad, bad_bytes = changed.relative_to(raw).as_posix(), changed.stat().st_size
    command = [sys.executable, "-m", "metiers", "refresh", "--no-prefect"]
    command += ["--raw-dir", str(root / "raw"), "--marts-dir", str(root / "marts")]
    if case.registry:
        registry = root / "sources.toml"
        registry.write_text(DEFAULT_SOURCES_FILE.read_text() + case.registry)
        command += ["--sources", str(registry)]
    started = time.perf_counter()
    with (root / "out.txt").open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    output = (root / "out.txt").read_text(errors="replace")
    rule = next(
        (line.split("fails rule ", 1)[1] for line in output.splitlines() if "fails rule" in line),
        "",
    ).split(" (report: ")[0]
    shutil.rmtree(root, ignore_errors=True)
    return Result(
        case=case.name,
        exit_code=os.waitstatus_to_exitcode(status),
        seconds=seconds,
        peak_rss_mib=usage.ru_maxrss / 1024,
        bad_file=bad,
        bad_file_bytes=bad_bytes,
        intake=intake_seconds(output),
        rule=rule,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=DEFAULT_RAW_DIR)
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="hostile-") as work:
        # A first clean refresh warms the caches; the second is the baseline.
        for case in [CASES[0], *CASES]:
            results.append(run_case(case, args.raw_dir.resolve(), Path(work)))
            print(f"  done: {case.name}", file=sys.stderr, flush=True)
    results = results[1:]
    clean = results[0]
    print(f"hostile inputs against a clean refresh of {args.raw_dir} (--no-prefect)")
    print(
        f"  {'case':38} {'exit':>4} {'bad file':>9} {'its s':>6} {'clean':>6} {'wall s':>7} "
        f"{'x clean':>7} {'peak MiB':>9} {'x clean':>7}"
    )
    for result in results:
        size = size_text(result.bad_file_bytes) if result.bad_file else "-"
        its = result.intake.get(result.bad_file)
        genuine = clean.intake.get(result.bad_file)
        print(
            f"  {result.case:38} {result.exit_code:>4} {size:>9} {seconds_text(its):>6} "
            f"{seconds_text(genuine):>6} {result.seconds:>7.1f} "
            f"{result.seconds / clean.seconds:>7.2f} {result.peak_rss_mib:>9.0f} "
            f"{result.peak_rss_mib / clean.peak_rss_mib:>7.2f}"
        )
    print(
        "  its s: the bad file's intake (from the previous file's progress line to its own); "
        "clean: the genuine file's"
    )
    for result in results[1:]:
        print(f"  {result.case}: {result.bad_file}: {result.rule}")
    worst = max(result.peak_rss_mib for result in results)
    print(f"  highest peak: {worst:.0f} MiB (limit of the check: 2048 MiB)")
    if args.json:
        args.json.write_text(json.dumps([asdict(result) for result in results], indent=2))
    failed = [r for r in results if r.peak_rss_mib >= 2048 or r.exit_code not in (0, 1)]
    if failed:
        raise SystemExit(f"cases over 2 GiB or not refused cleanly: {[r.case for r in failed]}")


if __name__ == "__main__":
    main()
