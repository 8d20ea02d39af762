"""Property: whatever the register files are named and wherever a year's rows end up, a
refresh never publishes a figure the clean files would not give.

Hypothesis renames register files (spaces, any letters, glob characters `* ? [ ] { }`,
control characters, a year or none), copies a year's file under another name, and appends
one year's rows to another year's file; then the folder is refreshed through the CLI. Either
the refresh refuses (exit 1, the published file byte for byte as it was, a quarantine report
written) or it publishes exactly the clean folder's `metier_figures` (exit 0). Anything else,
an exit 3 included, is a failure.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from rawdata import write_register
from test_bad_inputs import (  # noqa: F401 - the fixture is used by name
    REGISTER_FORMATS,
    Baseline,
    baseline,
    query,
    reg,
    register_rows,
    run_with,
)

YEARS = sorted(REGISTER_FORMATS)
# Characters of hostile names: every letter and digit, spaces, punctuation an operator
# types, glob characters, and control characters (never '/' nor NUL: no file name holds
# them).
SPECIAL = [*"*?[]{}", *" -_.,'()é", "\n", "\t", "\r", "\x01", "\x1b", "\x7f", "\x85"]
NAME_CHARACTERS = st.one_of(
    st.characters(categories=("L", "N", "Zs"), exclude_characters="\x00/"),
    st.sampled_from(SPECIAL),
)


@dataclass(frozen=True)
class Rename:
    year: int
    stem: str


@dataclass(frozen=True)
class CopyAs:
    year: int
    stem: str


@dataclass(frozen=True)
class Append:
    """The first two rows of `rows_of`'s file appended to `year`'s file."""

    year: int
    rows_of: int


Operation = Rename | CopyAs | Append


def stems() -> st.SearchStrategy[str]:
    """A file name without its suffix; about half of them give a year."""
    return st.tuples(
        st.text(NAME_CHARACTERS, max_size=10),
        st.sampled_from([None, 2019, *YEARS]),
        st.text(NAME_CHARACTERS, max_size=5),
    ).map(lambda parts: f"{parts[0]}{parts[1] or ''}{parts[2]}")


operations = st.lists(
    st.one_of(
        st.builds(Rename, st.sampled_from(YEARS), stems()),
        st.builds(CopyAs, st.sampled_from(YEARS), stems()),
        st.builds(Append, st.sampled_from(YEARS), st.sampled_from(YEARS)),
    ),
    min_size=1,
    max_size=3,
)


def apply(plan: list[Operation], raw: Path) -> None:
    """Appends first (they rewrite a year's file under its own name), then copies, then
    renames; a year is renamed once, and nothing overwrites an existing file."""
    current = {year: raw / reg(year) for year in YEARS}
    appended: dict[int, list[dict]] = {}
    for step in plan:
        if isinstance(step, Append):
            rows = appended.setdefault(step.year, register_rows(step.year))
            rows += register_rows(step.rows_of)[:2]
    for year, rows in appended.items():
        write_register(raw, year, rows, REGISTER_FORMATS[year])
    for step in plan:
        if isinstance(step, Append):
            continue
        source = current[step.year]
        target = source.parent / f"{step.stem}{source.suffix}"
        if target.exists():
            continue
        if isinstance(step, CopyAs):
            shutil.copyfile(source, target)
        elif source == raw / reg(step.year):
            source.rename(target)
            current[step.year] = target


def without_lineage(row: dict) -> dict:
    """A figure row without the names of the files it came from (a rename changes them)."""
    return {key: value for key, value in row.items() if not key.endswith("_source_files")}


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    # A refresh takes seconds: a failure is reported as found, not shrunk for an hour.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(plan=operations)
# a plain rename under letters, spaces and no year: read, same figures
@example(plan=[Rename(2024, "Registre de l'emploi é")])
# a glob name that would have read 2022 to 2025
@example(plan=[CopyAs(2025, "register_202*")])
# a year's rows in another year's file
@example(plan=[Append(2024, rows_of=2025)])
def test_no_hostile_name_or_copy_changes_a_published_figure(
    plan: list[Operation],
    baseline: Baseline,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run = run_with(lambda raw: apply(plan, raw), baseline, tmp_path_factory.mktemp("hostile"))
    assert run.exit_code in (0, 1), run.output
    if run.exit_code == 1:
        assert run.after == run.before, run.output
        assert not list((run.root / "marts").glob(".build-*"))
        assert list(run.quarantine.rglob("*.json")), run.output
        return
    figures = {row["slug"]: row for row in query(run.published, "SELECT * FROM metier_figures")}
    assert {slug: without_lineage(row) for slug, row in figures.items()} == {
        slug: without_lineage(row) for slug, row in baseline.figures.items()
    }
