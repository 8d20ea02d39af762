"""Source adapters: raw CSV / Parquet / XLSX -> typed staging Parquet, and what they reject."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from rawdata import (
    CATALOGUE_COLUMNS,
    INSERTION_COLUMNS,
    REGISTER_COLUMNS,
    person,
    write_catalogue,
    write_csv,
    write_insertion,
    write_register,
)

from metiers.core.errors import DataProblem, DataRejected
from metiers.ingest.sources import StagedFile, get_source, stage_file
from metiers.ingest.sources.base import write_parquet_atomically

REGISTER = get_source("register")
INSERTION = get_source("insertion")
CATALOGUE = get_source("metiers")

# The staging schema of the register, written out by hand from the source's documentation
# (not read from the registry), so that a changed declaration shows up here.
REGISTER_DTYPES = {
    "year": pl.Int32,
    "person_id": pl.String,
    "occupation_code": pl.String,
    "region": pl.String,
    "sex": pl.String,
    "age": pl.Int32,
    "status": pl.String,
    "gross_monthly_eur": pl.Float64,
    "experience_years": pl.Int32,
    "weight": pl.Float64,
}


def stage(path: Path, spec, tmp_path: Path) -> tuple[StagedFile, pl.DataFrame]:
    staged = stage_file(path, spec, tmp_path / "staging" / f"{path.stem}.parquet")
    return staged, pl.read_parquet(staged.staging_path)


def rejected(path: Path, spec, tmp_path: Path) -> list[DataProblem]:
    out_path = tmp_path / "staging" / f"{path.stem}.parquet"
    with pytest.raises(DataRejected) as caught:
        stage_file(path, spec, out_path)
    assert caught.value.stage == "ingest"
    return caught.value.problems


def catalogue_row(slug: str, plus_experience: object = "true", **overrides) -> dict:
    row = {
        "slug": slug,
        "title_fr": f"Titre {slug}",
        "title_nl": f"Titel {slug}",
        "title_en": f"Title {slug}",
        "esco_code": "2654.2",
        "training_years_min": 3,
        "training_years_max": 5,
        "training_plus_experience": plus_experience,
    }
    row.update(overrides)
    return row


def insertion_row(year: int = 2023, code: str = "2654", **overrides) -> dict:
    row = {
        "cohort_year": year,
        "occupation_code": code,
        "leavers": 40,
        "employed_6m": 28,
        "main_channel": "network",
    }
    row.update(overrides)
    return row


def write_sheet(path: Path, cells: dict[int, list]) -> Path:
    """A one-sheet workbook: {0-based sheet row: values from column A}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Data")
    for row, values in cells.items():
        sheet.write_row(row, 0, values)
    workbook.close()
    return path


# --- register: CSV and Parquet ------------------------------------------------------------


def test_register_csv_keeps_given_weights_and_values(tmp_path):
    rows = [
        person(2024, "p1", "2654", weight=2.5, age=42, gross_monthly_eur=3100.5),
        person(2024, "p2", "2654.2", weight=0.5, sex="F", status="self_employed"),
    ]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    staged, frame = stage(path, REGISTER, tmp_path)

    assert frame["weight"].to_list() == [2.5, 0.5]
    assert frame["person_id"].to_list() == ["p1", "p2"]
    assert frame["occupation_code"].to_list() == ["2654", "2654.2"]
    assert frame["age"].to_list() == [42, 40]
    assert frame["sex"].to_list() == ["M", "F"]
    # person() blanks the wage of a self-employed row: the empty CSV field becomes null.
    assert frame["gross_monthly_eur"].to_list() == [3100.5, None]
    assert staged.rows == 2


def test_register_csv_without_weight_column_gets_weight_one(tmp_path):
    rows = [person(2024, f"p{i}", "2654") for i in range(3)]
    for row in rows:
        del row["weight"]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    assert "weight" not in path.read_text(encoding="utf-8").splitlines()[0].split(",")

    _, frame = stage(path, REGISTER, tmp_path)

    assert frame.schema["weight"] == pl.Float64
    assert frame["weight"].to_list() == [1.0, 1.0, 1.0]


def test_register_staging_dtypes_are_the_declared_ones(tmp_path):
    path = write_register(tmp_path, 2024, [person(2024, "p1", "2654")], fmt="csv")
    _, frame = stage(path, REGISTER, tmp_path)

    declared = {name: frame.schema[name] for name in REGISTER_DTYPES}
    assert declared == REGISTER_DTYPES
    assert frame.schema["source_row"].is_integer()
    # Declared columns first, in declaration order, then the row number.
    assert frame.columns[: len(REGISTER_DTYPES)] == list(REGISTER_DTYPES)


def test_register_parquet_with_other_physical_dtypes_is_cast(tmp_path):
    path = tmp_path / "register" / "register_2023.parquet"
    path.parent.mkdir(parents=True)
    pl.DataFrame(
        {
            "year": [2023, 2023, 2022],
            "person_id": [101, 102, 101],
            "occupation_code": ["2654", "2654", "2654.2"],
            "region": ["BE10", "BE21", "BE33"],
            "sex": ["F", "M", "F"],
            "age": [42, 30, 41],
            "status": ["employee", "employee", "self_employed"],
            "gross_monthly_eur": [2800, 3500, None],
            "experience_years": [5, 1, 4],
        },
        schema={
            "year": pl.Int64,
            "person_id": pl.Int64,
            "occupation_code": pl.String,
            "region": pl.String,
            "sex": pl.String,
            "age": pl.Int64,
            "status": pl.String,
            "gross_monthly_eur": pl.Int64,
            "experience_years": pl.Int16,
        },
    ).write_parquet(path)

    staged, frame = stage(path, REGISTER, tmp_path)

    assert {name: frame.schema[name] for name in REGISTER_DTYPES} == REGISTER_DTYPES
    assert frame["year"].to_list() == [2023, 2023, 2022]
    assert frame["person_id"].to_list() == ["101", "102", "101"]
    assert frame["gross_monthly_eur"].to_list() == [2800.0, 3500.0, None]
    assert frame["experience_years"].to_list() == [5, 1, 4]
    # No weight column in the file: every row weighs 1.
    assert frame["weight"].to_list() == [1.0, 1.0, 1.0]
    # Parquet records are numbered from 1 (no header line).
    assert frame["source_row"].to_list() == [1, 2, 3]
    assert staged.rows == 3


def test_register_parquet_written_by_helper_round_trips(tmp_path):
    rows = [person(2024, "a", "2654", age=25, weight=3.0), person(2024, "b", "2654", age=61)]
    path = write_register(tmp_path, 2024, rows)
    _, frame = stage(path, REGISTER, tmp_path)

    assert frame.select("person_id", "age", "weight").rows() == [("a", 25, 3.0), ("b", 61, 1.0)]


def test_parquet_fraction_in_whole_number_column_is_rejected(tmp_path):
    path = tmp_path / "register" / "register_2024.parquet"
    path.parent.mkdir(parents=True)
    frame = pl.DataFrame([person(2024, "p1", "2654"), person(2024, "p2", "2654")])
    frame.with_columns(age=pl.Series([40.7, 30.0])).write_parquet(path)

    problems = rejected(path, REGISTER, tmp_path)

    assert [(p.column, p.sample, p.rows) for p in problems] == [("age", [40.7], [1])]


# --- source_row numbering ---------------------------------------------------------------------


def test_csv_source_row_is_the_line_number(tmp_path):
    rows = [person(2024, f"p{i}", "2654") for i in range(4)]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    _, frame = stage(path, REGISTER, tmp_path)

    # Line 1 is the header: the four records are on lines 2, 3, 4, 5.
    assert frame.select("person_id", "source_row").rows() == [
        ("p0", 2),
        ("p1", 3),
        ("p2", 4),
        ("p3", 5),
    ]


# write_insertion: title lines on sheet rows 1..n, one blank row, then the header (row 1 when
# there is no title). Sheet rows of the two records, by hand:
#   0 titles: header row 1               -> records on rows 2, 3
#   2 titles: titles 1-2, blank 3, header 4 -> records on rows 5, 6
#   4 titles: titles 1-4, blank 5, header 6 -> records on rows 7, 8
@pytest.mark.parametrize(("title_rows", "record_rows"), [(0, [2, 3]), (2, [5, 6]), (4, [7, 8])])
def test_xlsx_header_found_below_title_rows_and_rows_are_sheet_rows(
    tmp_path, title_rows, record_rows
):
    rows = [
        insertion_row(2023, "2654", leavers=40, employed_6m=28, main_channel="network"),
        insertion_row(2022, "2654.2", leavers=12, employed_6m=7, main_channel=None),
    ]
    path = write_insertion(tmp_path, rows, title_rows=title_rows)
    staged, frame = stage(path, INSERTION, tmp_path)

    assert frame.schema["cohort_year"] == pl.Int32
    assert frame.schema["leavers"] == pl.Int64
    assert frame.schema["employed_6m"] == pl.Int64
    assert frame.select(*INSERTION_COLUMNS).rows() == [
        (2023, "2654", 40, 28, "network"),
        (2022, "2654.2", 12, 7, None),
    ]
    assert frame["source_row"].to_list() == record_rows
    # The title lines are not records.
    assert staged.rows == 2


def test_xlsx_blank_row_between_records_is_skipped_but_keeps_numbering(tmp_path):
    path = write_sheet(
        tmp_path / "insertion" / "gaps.xlsx",
        {
            0: ["Insertion des sortants"],
            1: ["Source: service public de l'emploi"],
            # row index 2 (sheet row 3) is blank
            3: INSERTION_COLUMNS,  # sheet row 4
            4: [2023, "2654", 40, 28, "network"],  # sheet row 5
            # row index 5 (sheet row 6) is blank
            6: [2022, "2654", 30, 20, "internship"],  # sheet row 7
        },
    )
    _, frame = stage(path, INSERTION, tmp_path)

    assert frame.select("cohort_year", "source_row").rows() == [(2023, 5), (2022, 7)]


def test_xlsx_rows_count_leading_blank_sheet_rows(tmp_path):
    path = write_sheet(
        tmp_path / "insertion" / "leading_blank.xlsx",
        {
            # sheet rows 1 and 2 are blank
            2: ["Insertion des sortants"],  # sheet row 3
            3: INSERTION_COLUMNS,  # sheet row 4
            4: [2023, "2654", 40, 28, "network"],  # sheet row 5
        },
    )
    _, frame = stage(path, INSERTION, tmp_path)

    assert frame["source_row"].to_list() == [5]


def test_xlsx_header_in_column_b_is_found(tmp_path):
    path = tmp_path / "insertion" / "shifted.xlsx"
    path.parent.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 1, ["Title"])  # sheet row 1
    sheet.write_row(1, 1, INSERTION_COLUMNS)  # sheet row 2
    sheet.write_row(2, 1, [2021, "2654", 10, 9, "job_board"])  # sheet row 3
    workbook.close()

    _, frame = stage(path, INSERTION, tmp_path)

    assert frame.select(*INSERTION_COLUMNS, "source_row").rows() == [
        (2021, "2654", 10, 9, "job_board", 3)
    ]


def test_xlsx_capitalised_header_is_accepted(tmp_path):
    capitalised = [name.capitalize() for name in INSERTION_COLUMNS]  # "Cohort_year", ...
    path = write_sheet(
        tmp_path / "insertion" / "capitalised.xlsx",
        {0: capitalised, 1: [2023, "2654", 40, 28, "network"]},
    )
    _, frame = stage(path, INSERTION, tmp_path)

    assert frame.select(*INSERTION_COLUMNS).rows() == [(2023, "2654", 40, 28, "network")]


def test_xlsx_without_recognisable_header_is_rejected(tmp_path):
    path = write_sheet(
        tmp_path / "insertion" / "no_header.xlsx",
        {0: ["Rapport annuel"], 1: ["annee", "code", "sortants"], 2: [2023, "2654", 40]},
    )
    problems = rejected(path, INSERTION, tmp_path)

    assert len(problems) == 1
    assert problems[0].file == str(path)
    assert problems[0].column is None
    assert "header" in problems[0].rule


# --- catalogue booleans -------------------------------------------------------------------


def test_catalogue_boolean_words(tmp_path):
    words = ["true", "false", "oui", "non", "1", "0", "TRUE", " Non "]
    expected = [True, False, True, False, True, False, True, False]
    rows = [catalogue_row(f"metier-{i}", word) for i, word in enumerate(words)]
    path = write_catalogue(tmp_path, rows)
    _, frame = stage(path, CATALOGUE, tmp_path)

    assert frame.schema["training_plus_experience"] == pl.Boolean
    assert frame["training_plus_experience"].to_list() == expected


def test_catalogue_without_experience_column_defaults_to_false(tmp_path):
    columns = [c for c in CATALOGUE_COLUMNS if c != "training_plus_experience"]
    path = write_csv(
        tmp_path / "metiers" / "metiers.csv",
        columns,
        [catalogue_row("monteur"), catalogue_row("mixeur")],
    )
    _, frame = stage(path, CATALOGUE, tmp_path)

    assert frame["training_plus_experience"].to_list() == [False, False]
    assert frame["training_years_min"].to_list() == [3, 3]


def test_catalogue_bad_boolean_is_rejected_with_value_and_row(tmp_path):
    rows = [
        catalogue_row("monteur", "oui"),
        catalogue_row("mixeur", "non"),
        catalogue_row("etalonneur", "peut-être"),  # record 3 -> line 4
    ]
    path = write_catalogue(tmp_path, rows)
    problems = rejected(path, CATALOGUE, tmp_path)

    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.column == "training_plus_experience"
    assert problem.sample == ["peut-être"]
    assert problem.rows == [4]
    assert problem.count == 1
    assert "true/false" in problem.rule


# --- text in numeric columns ----------------------------------------------------------------


def test_text_in_age_is_rejected_with_file_column_sample_row_and_count(tmp_path):
    rows = [
        person(2024, "p1", "2654"),
        person(2024, "p2", "2654", age="abc"),  # line 3
        person(2024, "p3", "2654"),
        person(2024, "p4", "2654", age="4O"),  # letter O, line 5
    ]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    problems = rejected(path, REGISTER, tmp_path)

    assert [p.column for p in problems] == ["age"]
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.sample == ["abc", "4O"]
    assert problem.rows == [3, 5]
    assert problem.count == 2
    assert "whole number" in problem.rule


def test_count_is_the_true_count_when_the_sample_is_capped(tmp_path):
    # Seven bad ages on lines 2..8 (records 1..7), then a good one on line 9.
    rows = [person(2024, f"p{i}", "2654", age=f"x{i}") for i in range(7)]
    rows.append(person(2024, "ok", "2654"))
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    (problem,) = rejected(path, REGISTER, tmp_path)

    assert problem.count == 7
    assert problem.sample == ["x0", "x1", "x2", "x3", "x4"]
    assert problem.rows == [2, 3, 4, 5, 6]


def test_bad_values_in_two_columns_give_two_problems(tmp_path):
    rows = [
        person(2024, "p1", "2654", age="quarante"),  # line 2
        person(2024, "p2", "2654", gross_monthly_eur="3.000,00"),  # line 3
    ]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    problems = rejected(path, REGISTER, tmp_path)

    found = {p.column: (p.sample, p.rows, p.count) for p in problems}
    assert found == {
        "age": (["quarante"], [2], 1),
        "gross_monthly_eur": (["3.000,00"], [3], 1),
    }


def test_text_in_leavers_of_xlsx_is_rejected_with_sheet_row(tmp_path):
    rows = [insertion_row(2023, "2654"), insertion_row(2022, "2654", leavers="<5")]
    # 2 title rows: header on sheet row 4, records on rows 5 and 6.
    path = write_insertion(tmp_path, rows, title_rows=2)
    problems = rejected(path, INSERTION, tmp_path)

    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == str(path)
    assert problem.column == "leavers"
    assert problem.sample == ["<5"]
    assert problem.rows == [6]
    assert problem.count == 1


def test_rejected_file_leaves_no_staging_file(tmp_path):
    path = write_register(tmp_path, 2024, [person(2024, "p1", "2654", age="abc")], fmt="csv")
    out_path = tmp_path / "staging" / "register_2024.parquet"
    with pytest.raises(DataRejected):
        stage_file(path, REGISTER, out_path)

    assert not out_path.exists()
    # Nor a half-written temporary file next to it.
    assert list(out_path.parent.glob("*")) == []


def test_a_file_created_late_by_a_failed_sink_does_not_survive(tmp_path, monkeypatch):
    """polars raises a failed sink's error before its writer thread is done, and that thread
    may still create its file by path after the error (seen under load, once in 400 runs).
    Here a fake sink does that deterministically: its thread creates the file only once the
    write has failed and been cleaned up."""
    failed = threading.Event()
    late: list[str] = []

    def create_late(path: Path) -> None:
        failed.wait(timeout=60)
        try:
            path.write_bytes(b"PAR1 half a row group")
            late.append("created")
        except FileNotFoundError:
            late.append("refused: its folder is gone")

    def failing_sink(_frame, path, *_args, **_kwargs):
        writer = threading.Thread(target=create_late, args=(Path(path),))
        writer.start()
        failing_sink.writer = writer
        raise pl.exceptions.InvalidOperationError("conversion from `str` to `i32` failed")

    monkeypatch.setattr(pl.LazyFrame, "sink_parquet", failing_sink)
    out_path = tmp_path / "staging" / "register_2024.parquet"
    with pytest.raises(pl.exceptions.InvalidOperationError):
        write_parquet_atomically(pl.LazyFrame({"age": ["abc"]}), out_path)
    failed.set()
    failing_sink.writer.join(timeout=60)
    if failing_sink.writer.is_alive():
        pytest.fail("the fake writer thread did not finish within 60 s")
    assert late == ["refused: its folder is gone"]
    assert list(out_path.parent.iterdir()) == []


# --- structure problems ---------------------------------------------------------------------


def test_missing_required_column_is_named(tmp_path):
    columns = [c for c in REGISTER_COLUMNS if c != "sex"]
    path = write_csv(tmp_path / "register" / "r.csv", columns, [person(2024, "p1", "2654")])
    problems = rejected(path, REGISTER, tmp_path)

    assert [(p.column, p.rule) for p in problems] == [("sex", "required column")]
    assert problems[0].file == str(path)
    # The sample lists the columns that were found, to spot a misspelling.
    assert set(problems[0].sample) == set(columns)


def test_each_missing_required_column_is_a_problem(tmp_path):
    columns = [c for c in REGISTER_COLUMNS if c not in {"age", "region"}]
    path = write_csv(tmp_path / "register" / "r.csv", columns, [person(2024, "p1", "2654")])
    problems = rejected(path, REGISTER, tmp_path)

    assert sorted(p.column for p in problems) == ["age", "region"]


@pytest.mark.parametrize(
    ("name", "spec"),
    [("empty.csv", REGISTER), ("empty.parquet", REGISTER), ("empty.xlsx", INSERTION)],
)
def test_empty_file_is_rejected(tmp_path, name, spec):
    path = tmp_path / name
    path.write_bytes(b"")
    problems = rejected(path, spec, tmp_path)

    assert [p.file for p in problems] == [str(path)]


def test_unknown_suffix_is_rejected(tmp_path):
    path = tmp_path / "register.json"
    path.write_text("[]", encoding="utf-8")
    (problem,) = rejected(path, REGISTER, tmp_path)

    assert ".json" in problem.rule


# --- delimited text ------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [";", "|", "\t"])
def test_separator_is_sniffed(tmp_path, separator):
    header = ["year", "person_id", "occupation_code", "region", "sex", "age", "status"]
    header += ["gross_monthly_eur", "experience_years", "weight"]
    records = [
        ["2024", "p1", "2654", "BE10", "F", "42", "employee", "2800.5", "5", "1.5"],
        ["2024", "p2", "2654.2", "BE21", "M", "35", "self_employed", "", "12", "2"],
    ]
    path = tmp_path / "register" / "register_2024.csv"
    path.parent.mkdir(parents=True)
    lines = [separator.join(line) for line in [header, *records]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    _, frame = stage(path, REGISTER, tmp_path)

    assert frame.select(*header).rows() == [
        (2024, "p1", "2654", "BE10", "F", 42, "employee", 2800.5, 5, 1.5),
        (2024, "p2", "2654.2", "BE21", "M", 35, "self_employed", None, 12, 2.0),
    ]


def test_header_names_are_trimmed_and_byte_order_mark_dropped(tmp_path):
    path = tmp_path / "register" / "bom.csv"
    path.parent.mkdir(parents=True)
    header = "\ufeffyear, person_id ,occupation_code,region,sex,age,status,"
    header += "gross_monthly_eur,experience_years"
    path.write_text(f"{header}\n2024,p1,2654,BE10,F, 42 ,employee,3000,5\n", encoding="utf-8")

    _, frame = stage(path, REGISTER, tmp_path)

    assert frame.select("year", "person_id", "age").rows() == [(2024, "p1", 42)]


def test_extra_columns_are_kept(tmp_path):
    rows = [person(2024, "p1", "2654"), person(2024, "p2", "2654")]
    rows[0]["employer_size"] = "large"
    rows[1]["employer_size"] = ""
    path = write_csv(
        tmp_path / "register" / "register_2024.csv", [*REGISTER_COLUMNS, "employer_size"], rows
    )
    _, frame = stage(path, REGISTER, tmp_path)

    # Extra columns come as text, untouched (an empty field is null).
    assert frame.schema["employer_size"] == pl.String
    assert frame["employer_size"].to_list() == ["large", None]


# --- StagedFile and file discovery -----------------------------------------------------------


def test_staged_file_records_hash_size_and_rows(tmp_path):
    rows = [person(2024, f"p{i}", "2654") for i in range(5)]
    path = write_register(tmp_path, 2024, rows, fmt="csv")
    out_path = tmp_path / "staging" / "register_2024.parquet"

    staged = stage_file(path, REGISTER, out_path)

    content = path.read_bytes()
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged.size_bytes == len(content)
    assert staged.rows == 5
    assert staged.source == "register"
    assert staged.raw_path == str(path)
    assert staged.staging_path == str(out_path)
    assert pl.read_parquet(out_path).height == 5


def test_files_finds_csv_and_parquet_register_files(tmp_path):
    folder = tmp_path / "register"
    write_register(tmp_path, 2021, [person(2021, "p1", "2654")], fmt="csv")
    write_register(tmp_path, 2019, [person(2019, "p1", "2654")], fmt="csv")
    write_register(tmp_path, 2024, [person(2024, "p1", "2654")])
    (folder / "README.txt").write_text("not data", encoding="utf-8")
    (folder / "old.csv").mkdir()  # a folder named like a file is not a file

    assert REGISTER.files(tmp_path) == [
        folder / "register_2019.csv",
        folder / "register_2021.csv",
        folder / "register_2024.parquet",
    ]


def test_files_of_a_source_without_folder_is_empty(tmp_path):
    assert INSERTION.files(tmp_path) == []


def test_tabular_source_maps_its_own_column_names(tmp_path):
    """A register exported with French headers, mapped by the registry's options.columns."""
    import dataclasses

    spec = dataclasses.replace(
        REGISTER,
        options={
            "columns": {
                "Année": "year", "Identifiant": "person_id", "Code métier": "occupation_code",
                "Région": "region", "Sexe": "sex", "Âge": "age", "Statut": "status",
                "Salaire brut": "gross_monthly_eur", "Expérience": "experience_years",
            }
        },
    )  # fmt: skip
    raw = tmp_path / "registre.csv"
    raw.write_text(
        "Année;Identifiant;Code métier;Région;Sexe;Âge;Statut;Salaire brut;Expérience\n"
        "2025;P1;2654.2;BE10;F;33;employee;3100;4\n",
        encoding="utf-8",
    )
    staged = stage_file(raw, spec, tmp_path / "out.parquet")
    frame = pl.read_parquet(staged.staging_path)
    assert frame.row(0, named=True) | {"source_row": None} == {
        "year": 2025, "person_id": "P1", "occupation_code": "2654.2", "region": "BE10",
        "sex": "F", "age": 33, "status": "employee", "gross_monthly_eur": 3100.0,
        "experience_years": 4, "weight": 1.0, "source_row": None,
    }  # fmt: skip
