"""The bad-input corpus: one small broken file per fault, each refreshed through the CLI.

A fault in a required source (the catalogue, the register) must stop the refresh with exit
code 1 and leave the published file byte for byte as it was. A fault in an optional source
(insertion, facts) must leave that source out, flagged: exit code 0, the source listed in
`meta_publication.excluded_sources`, the file `rejected` in `meta_sources` with its quarantine
report, and the figures it feeds saying why they are missing. Either way the message names the
file, the rule and the column, and the quarantine report holds the file's sha256 and every
problem with its rule, column, sample and rows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from rawdata import (
    REGISTER_COLUMNS,
    person,
    sources_releasing_everything,
    write_catalogue,
    write_facts,
    write_insertion,
    write_register,
)
from typer.testing import CliRunner

from metiers.cli import app

runner = CliRunner()

NEXT_YEAR = date.today().year + 1
REGISTER_FORMATS = {2022: "csv", 2023: "parquet", 2024: "csv", 2025: "parquet"}
EXCLUDED = "source {source} excluded: it failed validation"
# Figures fed by each optional source: the `<figure>_suppressed` column, then its values.
FED_FIGURES = {
    "insertion": {"insertion_rate": ["insertion_rate"]},
    "facts": {"freelance_rate": ["freelance_rate_min", "freelance_rate_max"]},
}
REGISTER_FIGURES = ["headcount", "growth_rate", "average_age", "share_women"]
FORMULA = '=HYPERLINK("http://evil.example/x","Monteur")'


# -- the valid raw folder ------------------------------------------------------------------


def catalogue_rows() -> list[dict]:
    return [
        {"slug": "monteur", "title_fr": "Monteur", "title_nl": "Monteur", "title_en": "Editor",
         "esco_code": "2654.2", "training_years_min": 3, "training_years_max": 3},
        {"slug": "electricien", "title_fr": "Électricien", "title_nl": "Elektricien",
         "title_en": "Electrician", "esco_code": "7411.1", "training_years_min": 2,
         "training_years_max": 3},
    ]  # fmt: skip


def register_rows(year: int) -> list[dict]:
    """Monteurs M0.. (12 in 2022, one more each year), then eleven electricians E0..E10.

    In a CSV, person Mi is on line i + 2; in a Parquet file, on row i + 1."""
    rows = [
        person(
            year, f"M{index}", "2654.2",
            sex="F" if index % 4 == 0 else "M",
            age=30 + index,
            status="self_employed" if index % 5 == 0 else "employee",
            gross_monthly_eur=2500.0 + 100 * index,
            experience_years=index,
        )
        for index in range(12 + year - 2022)
    ]  # fmt: skip
    rows += [person(year, f"E{index}", "7411.1", region="BE21") for index in range(11)]
    return rows


def insertion_rows() -> list[dict]:
    """Sheet rows 5 and 6 (two title rows, a blank row, then the header on row 4)."""
    return [
        {"cohort_year": 2024, "occupation_code": "2654.2", "leavers": 20, "employed_6m": 14,
         "main_channel": "network"},
        {"cohort_year": 2024, "occupation_code": "7411.1", "leavers": 30, "employed_6m": 27,
         "main_channel": "internship"},
    ]  # fmt: skip


def facts_rows() -> list[dict]:
    return [
        {"slug": "monteur", "indicator": "freelance_rate", "value_min": 1500,
         "value_max": 2500, "unit": "eur_per_week", "year": 2025, "source": "Enquête",
         "source_url": "https://example.org/tarifs", "note": "tarif par semaine"},
    ]  # fmt: skip


def write_raw(raw: Path) -> None:
    write_catalogue(raw, catalogue_rows())
    for year, fmt in REGISTER_FORMATS.items():
        write_register(raw, year, register_rows(year), fmt)
    write_insertion(raw, insertion_rows())
    write_facts(raw, facts_rows())


# -- ways to break it -----------------------------------------------------------------------

Maker = Callable[[Path], None]


def changed(rows: list[dict], key: str, value: str, changes: dict) -> list[dict]:
    return [dict(row, **changes) if row[key] == value else row for row in rows]


def register_edit(year: int, person_id: str, /, **changes) -> Maker:
    def make(raw: Path) -> None:
        rows = changed(register_rows(year), "person_id", person_id, changes)
        write_register(raw, year, rows, REGISTER_FORMATS[year])

    return make


def catalogue_edit(slug: str, /, **changes) -> Maker:
    return lambda raw: write_catalogue(raw, changed(catalogue_rows(), "slug", slug, changes))


def insertion_edit(code: str, /, **changes) -> Maker:
    return lambda raw: write_insertion(
        raw, changed(insertion_rows(), "occupation_code", code, changes)
    )


def facts_edit(**changes) -> Maker:
    return lambda raw: write_facts(raw, [dict(row, **changes) for row in facts_rows()])


def bytes_edit(relative: str, edit: Callable[[bytes], bytes]) -> Maker:
    def make(raw: Path) -> None:
        path = raw / relative
        path.write_bytes(edit(path.read_bytes()))

    return make


def text_edit(relative: str, edit: Callable[[str], str]) -> Maker:
    return bytes_edit(relative, lambda data: edit(data.decode("utf-8")).encode("utf-8"))


def parquet_edit(relative: str, edit: Callable[[pl.DataFrame], pl.DataFrame]) -> Maker:
    def make(raw: Path) -> None:
        path = raw / relative
        edit(pl.read_parquet(path)).write_parquet(path)

    return make


def header_only(text: str) -> str:
    return text.splitlines(keepends=True)[0]


def cut_after_last(marker: str) -> Callable[[str], str]:
    """A file whose writer died mid-line, just after `marker` on the last line."""
    return lambda text: text[: text.rindex(marker) + len(marker)]


def age_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    age = pl.col("age").cast(pl.String)
    return frame.with_columns(
        pl.when(pl.col("person_id") == "M3").then(pl.lit("quarante")).otherwise(age).alias("age")
    )


def future_register(raw: Path) -> None:
    rows = [dict(row, year=NEXT_YEAR) for row in register_rows(2025)]
    write_register(raw, NEXT_YEAR, rows, "csv")


def copy_named(relative: str, name: str) -> Maker:
    return lambda raw: shutil.copyfile(raw / relative, raw / Path(relative).parent / name)


def link_outside(raw: Path) -> None:
    """A link inside register/ to a perfectly valid register file outside the raw folder."""
    outside = raw.parent / "elsewhere" / "register_2024.csv"
    outside.parent.mkdir(exist_ok=True)
    shutil.copyfile(raw / "register" / "register_2024.csv", outside)
    (raw / "register" / "register_extra.csv").symlink_to(outside)


# -- the corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    id: str
    source: str  # the registry's source id
    file: str  # the bad file, relative to the raw folder
    make: Maker  # writes the bad file into a copy of the valid raw folder
    exit_code: int  # 1: refused; 0: optional source left out, flagged
    words: tuple[str, ...]  # words of the rule the message and report must give
    column: str | None = None  # the column the fault is about
    sample: str | None = None  # a bad value the report must show
    row: int | None = None  # its row (CSV line, sheet row, Parquet row from 1)
    unsafe_link: bool = False  # a link out of the raw folder is not even hashed

    def param(self):
        return pytest.param(self, id=self.id)


NOT_NULL = ("not null", "expect_column_values_to_not_be_null")
RANGE = ("range", "expect_column_values_to_be_between")
IN_SET = ("allowed values", "expect_column_values_to_be_in_set")
FORMAT = ("format", "expect_column_values_to_match_regex")
FORBIDDEN = ("forbidden pattern", "expect_column_values_to_not_match_regex")
ROW_COUNT = ("row count", "expect_table_row_count_to_be_between")
REQUIRED_COLUMN = ("required column",)
CATALOGUE = "metiers/metiers.csv"
INSERTION = "insertion/insertion.xlsx"
FACTS = "facts/facts.csv"


def reg(year: int) -> str:
    return f"register/register_{year}.{REGISTER_FORMATS.get(year, 'csv')}"


FAULTS = [
    # -- the catalogue (required, CSV) --
    Fault("catalogue_empty_file", "metiers", CATALOGUE, bytes_edit(CATALOGUE, lambda _: b""),
          1, ("file is empty",)),
    Fault("catalogue_latin1_bytes", "metiers", CATALOGUE,
          bytes_edit(CATALOGUE, lambda data: data.decode("utf-8").encode("latin-1")),
          1, ("utf-8",)),
    Fault("catalogue_null_slug", "metiers", CATALOGUE, catalogue_edit("electricien", slug=None),
          1, NOT_NULL, "slug", row=3),
    Fault("catalogue_malformed_esco_code", "metiers", CATALOGUE,
          catalogue_edit("monteur", esco_code="2654-2"), 1, FORMAT, "esco_code", "2654-2", 2),
    Fault("catalogue_formula_in_title", "metiers", CATALOGUE,
          catalogue_edit("monteur", title_fr=FORMULA), 1, FORBIDDEN, "title_fr", FORMULA, 2),
    # -- the register (required, CSV and Parquet) --
    Fault("register_header_only", "register", reg(2024), text_edit(reg(2024), header_only),
          1, ROW_COUNT),
    # Not a fault: ';' (how spreadsheets in Belgian locales write CSV), '|' and tab are sniffed
    # from the header line like ','. A ':' splits nothing: the header is one column.
    Fault("register_wrong_separator", "register", reg(2024),
          text_edit(reg(2024), lambda text: text.replace(",", ":")),
          1, REQUIRED_COLUMN, "year", ":".join(REGISTER_COLUMNS)),
    Fault("register_truncated_csv", "register", reg(2024),
          text_edit(reg(2024), cut_after_last(",BE21")), 1, NOT_NULL, "sex", row=26),
    Fault("register_half_written_parquet", "register", reg(2023),
          bytes_edit(reg(2023), lambda data: data[: len(data) // 2]),
          1, ("unreadable as Parquet",)),
    Fault("register_missing_column", "register", reg(2025),
          parquet_edit(reg(2025), lambda frame: frame.drop("sex")), 1, REQUIRED_COLUMN, "sex"),
    Fault("register_renamed_column", "register", reg(2024),
          text_edit(reg(2024), lambda text: text.replace(",region,", ",regio,", 1)),
          1, REQUIRED_COLUMN, "region", "regio"),
    Fault("register_text_in_numeric_column", "register", reg(2025),
          parquet_edit(reg(2025), age_as_text), 1, ("type: whole number",), "age", "quarante", 4),
    Fault("register_null_person_id", "register", reg(2025),
          register_edit(2025, "M3", person_id=None), 1, NOT_NULL, "person_id", row=4),
    Fault("register_duplicate_person_and_year", "register", reg(2022),
          text_edit(reg(2022), lambda text: text + text.splitlines(keepends=True)[2]),
          1, ("unique key", "expect_compound_columns_to_be_unique"), "person_id,year",
          "{'person_id': 'M1', 'year': 2022}", 3),
    Fault("register_negative_weight", "register", reg(2024),
          register_edit(2024, "M3", weight=-1.0), 1, RANGE, "weight", "-1.0", 5),
    Fault("register_age_7", "register", reg(2022), register_edit(2022, "M3", age=7),
          1, RANGE, "age", "7", 5),
    Fault("register_age_140", "register", reg(2025), register_edit(2025, "M3", age=140),
          1, RANGE, "age", "140", 4),
    Fault("register_negative_wage", "register", reg(2023),
          register_edit(2023, "M3", gross_monthly_eur=-2800.0),
          1, RANGE, "gross_monthly_eur", "-2800.0", 4),
    Fault("register_absurd_wage", "register", reg(2024),
          register_edit(2024, "M3", gross_monthly_eur=2_800_000.0),
          1, RANGE, "gross_monthly_eur", "2800000.0", 5),
    # "NaN" is a wage no one earns; it is not a missing wage (that would be an empty field).
    Fault("register_nan_wage", "register", reg(2024),
          register_edit(2024, "M3", gross_monthly_eur="NaN"), 1, (), "gross_monthly_eur", row=5),
    Fault("register_unknown_region", "register", reg(2025),
          register_edit(2025, "M3", region="XX"), 1, IN_SET, "region", "XX", 4),
    Fault("register_unknown_sex", "register", reg(2022), register_edit(2022, "M3", sex="X"),
          1, IN_SET, "sex", "X", 5),
    Fault("register_unknown_status", "register", reg(2023),
          register_edit(2023, "M3", status="freelance"), 1, IN_SET, "status", "freelance", 4),
    Fault("register_malformed_occupation_code", "register", reg(2024),
          register_edit(2024, "M3", occupation_code="26542"),
          1, FORMAT, "occupation_code", "26542", 5),
    Fault("register_year_in_the_future", "register", reg(NEXT_YEAR), future_register,
          1, RANGE, "year", str(NEXT_YEAR), 2),
    Fault("register_dotdot_file_name", "register", "register/register..2024.csv",
          copy_named(reg(2024), "register..2024.csv"), 1, ("file name without '..'",)),
    Fault("register_link_out_of_raw_folder", "register", "register/register_extra.csv",
          link_outside, 1, ("file lies inside the raw folder",), unsafe_link=True),
    # -- insertion (optional, XLSX) --
    Fault("insertion_corrupt_xlsx", "insertion", INSERTION,
          bytes_edit(INSERTION, lambda data: data[: len(data) // 2]),
          0, ("unreadable as an XLSX workbook",)),
    Fault("insertion_lt5_marker", "insertion", INSERTION,
          insertion_edit("2654.2", leavers="<5"), 0, ("type: whole number",), "leavers", "<5", 5),
    Fault("insertion_more_employed_than_leavers", "insertion", INSERTION,
          insertion_edit("2654.2", employed_6m=25),
          0, ("column order", "expect_column_pair_values_a_to_be_greater_than_b"),
          "leavers,employed_6m", row=5),
    # -- facts (optional, CSV) --
    Fault("facts_formula_in_note", "facts", FACTS, facts_edit(note=FORMULA),
          0, FORBIDDEN, "note", FORMULA, 2),
    Fault("facts_unknown_slug", "facts", FACTS, facts_edit(slug="plombier"),
          0, ("catalogue",), "slug", "plombier"),
]  # fmt: skip
OPTIONAL_FAULTS = [fault for fault in FAULTS if fault.exit_code == 0]


# -- running a refresh ----------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh(raw: Path, marts: Path):
    """A refresh that releases what it builds at once (release policy `never`): these tests
    are about what a bad file does to the figures; that a left-out source's newly withheld
    figures wait for a decision under the default policy is tested on its own (below)."""
    sources = sources_releasing_everything(marts.parent)
    return runner.invoke(
        app,
        ["refresh", "--no-prefect", "--raw-dir", str(raw), "--marts-dir", str(marts),
         "--sources", str(sources)],
    )  # fmt: skip


def query(path: Path, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql(sql, params=params).pl().to_dicts()


@dataclass
class Baseline:
    raw: Path
    published: Path
    figures: dict[str, dict]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    root = tmp_path_factory.mktemp("baseline")
    write_raw(root / "raw")
    result = refresh(root / "raw", root / "marts")
    assert result.exit_code == 0, result.output
    published = root / "marts" / "metiers.duckdb"
    figures = {row["slug"]: row for row in query(published, "SELECT * FROM metier_figures")}
    # the corpus must start from a folder whose figures are all there
    assert figures["monteur"]["insertion_rate"] == pytest.approx(0.7)
    assert figures["monteur"]["freelance_rate_max"] == 2500
    assert figures["monteur"]["headcount"] == 15
    return Baseline(raw=root / "raw", published=published, figures=figures)


@dataclass
class Run:
    root: Path
    exit_code: int
    output: str
    before: str  # sha256 of the published file before the refresh
    after: str

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def published(self) -> Path:
        return self.root / "marts" / "metiers.duckdb"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"


def run_with(make: Maker, baseline: Baseline, root: Path) -> Run:
    """The valid raw folder and the previous publication copied, one file broken, refreshed."""
    shutil.copytree(baseline.raw, root / "raw", symlinks=True)
    (root / "marts").mkdir()
    shutil.copyfile(baseline.published, root / "marts" / "metiers.duckdb")
    before = sha256(root / "marts" / "metiers.duckdb")
    make(root / "raw")
    result = refresh(root / "raw", root / "marts")
    return Run(
        root, result.exit_code, result.output, before, sha256(root / "marts" / "metiers.duckdb")
    )


@pytest.fixture(scope="module")
def corpus_run(baseline: Baseline, tmp_path_factory: pytest.TempPathFactory):
    """One refresh per fault, shared by the tests that look at it from different sides."""
    runs: dict[str, Run] = {}

    def run(fault: Fault) -> Run:
        if fault.id not in runs:
            runs[fault.id] = run_with(fault.make, baseline, tmp_path_factory.mktemp(fault.id))
        return runs[fault.id]

    return run


# -- what every fault must give -------------------------------------------------------------


def problem_line(text: str, fault: Fault) -> str | None:
    """The line of a message describing the fault: its file, column and rule together."""
    for line in text.splitlines():
        if fault.file not in line or not all(word in line for word in fault.words):
            continue
        if fault.column is None or f"column '{fault.column}'" in line:
            return line
    return None


def check_report(run: Run, fault: Fault) -> tuple[Path, dict]:
    reports = sorted(run.quarantine.rglob("*.json"))
    assert len(reports) == 1, reports
    path = reports[0]
    report = json.loads(path.read_text(encoding="utf-8"))
    # <marts-dir>/../quarantine/<run_id>/<source>/<file name>.json
    assert (
        path == run.quarantine / report["run_id"] / fault.source / f"{Path(fault.file).name}.json"
    )
    assert report["file"] == fault.file
    assert report["source"] == fault.source
    expected_sha = "" if fault.unsafe_link else sha256(run.raw / fault.file)
    assert report["sha256"] == expected_sha
    assert report["problems"]
    for problem in report["problems"]:
        assert {"rule", "column", "sample", "rows"} <= set(problem), problem
    matching = [
        problem
        for problem in report["problems"]
        if all(word in problem["rule"] for word in fault.words)
        and (fault.column is None or problem["column"] == fault.column)
    ]
    assert matching, report["problems"]
    problem = matching[0]
    if fault.sample is not None:
        assert fault.sample in problem["sample"], problem
    if fault.row is not None:
        assert fault.row in problem["rows"], problem
    return path, report


@pytest.mark.parametrize("fault", [fault.param() for fault in FAULTS])
def test_bad_input(fault: Fault, corpus_run, baseline: Baseline) -> None:
    run = corpus_run(fault)
    assert run.exit_code == fault.exit_code, run.output
    report_path, report = check_report(run, fault)
    if fault.exit_code == 1:
        assert problem_line(run.output, fault), run.output
        assert str(report_path) in run.output
        # nothing published: the previous file is there, byte for byte
        assert run.after == run.before
        assert not list((run.root / "marts").glob(".build-*"))
        return
    # an optional source left out, and said so
    assert run.after != run.before
    assert f"optional source '{fault.source}' was left out" in run.output
    publication = query(run.published, "SELECT run_id, excluded_sources FROM meta_publication")
    assert publication == [{"run_id": report["run_id"], "excluded_sources": [fault.source]}]
    (row,) = query(run.published, "SELECT * FROM meta_sources WHERE path = ?", [fault.file])
    assert row["status"] == "rejected"
    assert row["quarantine_report"] == str(report_path)
    assert row["sha256"] == sha256(run.raw / fault.file)
    assert problem_line(row["message"], fault), row["message"]
    others = query(run.published, "SELECT DISTINCT status FROM meta_sources WHERE path != ?",
                   [fault.file])  # fmt: skip
    assert others == [{"status": "validated"}]
    for figure in query(run.published, "SELECT * FROM metier_figures"):
        for suppressed, values in FED_FIGURES[fault.source].items():
            assert figure[f"{suppressed}_suppressed"] == EXCLUDED.format(source=fault.source)
            assert all(figure[value] is None for value in values)
        # the register's figures are still the same
        previous = baseline.figures[figure["slug"]]
        assert {key: figure[key] for key in REGISTER_FIGURES} == {
            key: previous[key] for key in REGISTER_FIGURES
        }


@pytest.mark.parametrize("fault", [fault.param() for fault in OPTIONAL_FAULTS])
def test_left_out_source_is_announced_with_its_file_rule_and_column(
    fault: Fault, corpus_run
) -> None:
    run = corpus_run(fault)
    assert run.exit_code == 0, run.output
    assert problem_line(run.output, fault), run.output


# -- what is not a fault --------------------------------------------------------------------


def add_bom(raw: Path) -> None:
    for relative in (CATALOGUE, reg(2024)):
        path = raw / relative
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def test_bom_is_not_a_fault(baseline: Baseline, tmp_path: Path) -> None:
    """A byte-order mark opens many UTF-8 files written on Windows: the file is valid UTF-8,
    read as if the mark were not there."""
    run = run_with(add_bom, baseline, tmp_path)
    assert run.exit_code == 0, run.output
    assert not run.quarantine.exists() or not list(run.quarantine.rglob("*.json"))
    assert query(run.published, "SELECT excluded_sources FROM meta_publication") == [
        {"excluded_sources": []}
    ]
    assert query(run.published, "SELECT DISTINCT status FROM meta_sources") == [
        {"status": "validated"}
    ]
    # the figures come out exactly as from the files without the quirk
    figures = {row["slug"]: row for row in query(run.published, "SELECT * FROM metier_figures")}
    assert figures == baseline.figures
    titles = query(run.published, "SELECT slug, title FROM metier_cards WHERE lang = 'fr'")
    assert {row["slug"]: row["title"] for row in titles} == {
        "monteur": "Monteur",
        "electricien": "Électricien",
    }


def test_a_source_left_out_waits_for_a_decision_by_default(
    baseline: Baseline, tmp_path: Path
) -> None:
    """Under the bundled registry's release policy, the figures an optional source left out
    no longer gives are newly withheld: flagged, so its candidate waits for a decision and
    readers keep the released figures (here the insertion rate of 70%)."""
    fault = next(fault for fault in FAULTS if fault.id == "insertion_corrupt_xlsx")
    shutil.copytree(baseline.raw, tmp_path / "raw", symlinks=True)
    (tmp_path / "marts").mkdir()
    published = tmp_path / "marts" / "metiers.duckdb"
    shutil.copyfile(baseline.published, published)
    before = sha256(published)
    fault.make(tmp_path / "raw")
    marts = ["--marts-dir", str(tmp_path / "marts")]
    result = runner.invoke(
        app, ["refresh", "--no-prefect", "--raw-dir", str(tmp_path / "raw"), *marts]
    )
    assert result.exit_code == 0, result.output
    assert "optional source 'insertion' was left out" in result.output
    assert "waits for a decision" in result.output
    assert sha256(published) == before
    (monteur,) = query(
        published, "SELECT insertion_rate FROM metier_figures WHERE slug = 'monteur'"
    )
    assert monteur["insertion_rate"] == pytest.approx(0.7)
    shown = runner.invoke(app, ["changes", "--candidate", "--flagged", "--format", "json", *marts])
    assert shown.exit_code == 0, shown.output
    flagged = {(row["slug"], row["indicator"]): row["reason"] for row in json.loads(shown.stdout)}
    assert flagged[("monteur", "insertion_rate")] == "newly withheld"
