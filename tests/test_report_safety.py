"""Reports are safe to open: markup in the data is shown as text, and a value is never copied
whole into a message or a report.

The README tells operators to open the run's Data Docs (HTML). Rejected values are the
data's own, so a register cell `<img src=x onerror=alert(1)>` must reach the page escaped.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from rawdata import write_catalogue
from test_bad_inputs import (
    catalogue_rows,
    changed,
    reg,
    register_edit,
    runner,
    write_raw,
)

from metiers.cli import app
from metiers.core.errors import DataProblem, DataRejected

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "=<script>alert(1)</script>"
# A raw file name can carry markup too (no '/' in a name, so no closing tag).
NAMED = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`metiers validate` on a raw folder whose rejected values and one file name hold
    markup: the validation folder and the command's output."""
    root = tmp_path_factory.mktemp("markup")
    raw = root / "raw"
    write_raw(raw)
    write_catalogue(raw, changed(catalogue_rows(), "slug", "monteur", {"title_fr": SCRIPT}))
    # a valid register year under a hostile name: its page name and title come from it
    shutil.copyfile(raw / reg(2024), raw / "register" / f"{NAMED}.csv")
    register_edit(2024, "M3", region=IMG)(raw)
    result = runner.invoke(
        app, ["validate", "--raw-dir", str(raw), "--marts-dir", str(root / "marts")]
    )
    assert result.exit_code == 1, result.output
    return root / "marts" / "validation", result.output


def test_markup_in_rejected_values_is_shown_as_text(validated: tuple[Path, str]) -> None:
    folder, output = validated
    # both values were rejected, so both are in the report's tables of unexpected values
    assert "column 'region'" in output and "column 'title_fr'" in output
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) > 3
    escaped_img, escaped_script = html.escape(IMG), html.escape(SCRIPT)
    shown = {escaped_img: 0, escaped_script: 0}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for raw in (IMG, SCRIPT, "<script>alert(1)", NAMED, "onerror=alert(1)>"):
            assert raw not in text, (page, raw)
        for escaped in shown:
            shown[escaped] += text.count(escaped)
    # the values are there, as text: an operator still sees what to fix
    assert shown[escaped_img] > 0 and shown[escaped_script] > 0, shown


def test_markup_in_a_file_name_stays_out_of_page_names(validated: tuple[Path, str]) -> None:
    folder, _output = validated
    names = [path.name for path in folder.rglob("*")]
    assert not [name for name in names if "<" in name or ">" in name]
    assert any("img src=x onerror=alert(2)" in name for name in names)


# -- bounded values ---------------------------------------------------------------------------


def test_a_long_value_is_cut_with_its_length() -> None:
    line = "x" * 52_428_800
    problem = DataProblem(file="register/register_2024.csv", rule="required column",
                          column="year", sample=[line, "short", 7])  # fmt: skip
    cut = "x" * 200 + "…(truncated, 52428800 characters)"
    assert problem.sample == [cut, "short", 7]
    assert problem.as_dict()["sample"] == [cut, "short", "7"]
    assert repr(cut) in problem.describe()
    assert len(problem.describe()) < 400
    # cutting twice changes nothing
    assert DataProblem(file="f", rule="r", sample=problem.sample).sample == problem.sample


def test_samples_rules_and_messages_are_bounded_in_count_and_length() -> None:
    names = [f"column_{index}" for index in range(1_000_000)]
    problem = DataProblem(file="f.csv", rule="r" * 5_000, column="c" * 5_000, sample=names,
                          rows=list(range(1_000_000)))  # fmt: skip
    as_dict = problem.as_dict()
    assert as_dict["sample"] == names[:20]
    assert as_dict["rows"] == list(range(20))
    assert len(as_dict["rule"]) == 1_000 + len("…(truncated, 5000 characters)")
    assert as_dict["column"] == "c" * 200 + "…(truncated, 5000 characters)"
    assert len(json.dumps(as_dict)) < 2_000
    many = DataRejected([DataProblem(file=f"f{index}.csv", rule="r") for index in range(500)])
    lines = str(many).splitlines()
    assert lines[0].startswith("validation rejected the data (500 problem(s))")
    assert len(lines) == 1 + 20 + 1
    assert "480 more problem(s)" in lines[-1]
