"""Bad values that parse: numbers too large for the figures they feed, or beyond a float
(`1e309` reads as infinity), and Parquet columns that are not flat (struct, list, map).

Same corpus machinery as tests/test_bad_inputs.py: each fault is one broken file in a copy
of a valid raw folder, refreshed through the CLI. A fault in the register (required) stops
the refresh with exit 1 and leaves the published file byte for byte as it was; a fault in the
facts (optional) leaves that source out, said so, with the register's figures unchanged.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_bad_inputs import (  # noqa: F401 - the corpus's fixtures
    EXCLUDED,
    FACTS,
    FED_FIGURES,
    REGISTER_FIGURES,
    Baseline,
    Fault,
    baseline,
    check_report,
    corpus_run,
    facts_edit,
    parquet_edit,
    problem_line,
    query,
    reg,
    register_edit,
    sha256,
)

from metiers.core.errors import DataRejected
from metiers.core.source_registry import parse_registry
from metiers.ingest.sources import stage_file

RANGE = ("range", "expect_column_values_to_be_between")
FINITE = ("finite number",)
FLAT = ("flat column (no struct/list/map)",)


def person_id_as_struct(frame: pl.DataFrame) -> pl.DataFrame:
    """person_id wrapped in a struct: cast to text it would read '{"M0"}', still unique and
    not null, so nothing downstream would notice."""
    return frame.with_columns(pl.struct(pl.col("person_id").alias("id")).alias("person_id"))


def with_tags_list(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.concat_list(pl.col("region"), pl.col("sex")).alias("tags"))


def with_map_column(raw: Path) -> None:
    """An extra column of Parquet's MAP type (written with pyarrow: polars has no writer)."""
    path = raw / reg(2025)
    table = pq.read_table(path)
    extra = pa.array([[("note", 1)]] * table.num_rows, type=pa.map_(pa.string(), pa.int64()))
    pq.write_table(table.append_column("extra", extra), path)


VALUE_FAULTS = [
    # facts (optional, CSV): a freelance rate of 1e300 € per week is a typing slip
    Fault("facts_rate_1e300", "facts", FACTS, facts_edit(value_max="1e300"),
          0, RANGE, "value_max", "1e+300", 2),
    # 1e309 is beyond a float: it would be staged as infinity
    Fault("facts_rate_1e309", "facts", FACTS, facts_edit(value_max="1e309"),
          0, FINITE, "value_max", "1e309", 2),
    Fault("facts_value_minus_1e309", "facts", FACTS, facts_edit(value="-1e309"),
          0, FINITE, "value", "-1e309", 2),
    # the register (required): CSV text beyond a float, Parquet columns that are not flat
    Fault("register_wage_1e309", "register", reg(2024),
          register_edit(2024, "M3", gross_monthly_eur="1e309"),
          1, FINITE, "gross_monthly_eur", "1e309", 5),
    Fault("register_struct_column", "register", reg(2025),
          parquet_edit(reg(2025), person_id_as_struct), 1, FLAT, "person_id"),
    Fault("register_list_column", "register", reg(2025),
          parquet_edit(reg(2025), with_tags_list), 1, FLAT, "tags"),
    Fault("register_map_column", "register", reg(2025), with_map_column, 1, FLAT, "extra"),
]  # fmt: skip


@pytest.mark.parametrize("fault", [fault.param() for fault in VALUE_FAULTS])
def test_bad_value(fault: Fault, corpus_run, baseline: Baseline) -> None:  # noqa: F811
    run = corpus_run(fault)
    assert run.exit_code == fault.exit_code, run.output
    assert "internal error" not in run.output
    report_path, report = check_report(run, fault)
    assert problem_line(run.output, fault), run.output
    if fault.exit_code == 1:
        assert str(report_path) in run.output
        assert run.after == run.before  # nothing published
        assert not list((run.root / "marts").glob(".build-*"))
        return
    assert f"optional source '{fault.source}' was left out" in run.output
    publication = query(run.published, "SELECT run_id, excluded_sources FROM meta_publication")
    assert publication == [{"run_id": report["run_id"], "excluded_sources": [fault.source]}]
    (row,) = query(run.published, "SELECT * FROM meta_sources WHERE path = ?", [fault.file])
    assert row["status"] == "rejected"
    assert row["sha256"] == sha256(run.raw / fault.file)
    for figure in query(run.published, "SELECT * FROM metier_figures"):
        for suppressed, values in FED_FIGURES[fault.source].items():
            assert figure[f"{suppressed}_suppressed"] == EXCLUDED.format(source=fault.source)
            assert all(figure[value] is None for value in values)
        previous = baseline.figures[figure["slug"]]
        assert {key: figure[key] for key in REGISTER_FIGURES} == {
            key: previous[key] for key in REGISTER_FIGURES
        }
    # the card strings of the left-out figure are empty, never 'inf' or a 300-digit amount
    cards = query(run.published, "SELECT freelance_rate FROM metier_cards")
    assert all(card["freelance_rate"] is None for card in cards)


def test_nested_problem_names_the_type_found(corpus_run) -> None:  # noqa: F811
    fault = next(fault for fault in VALUE_FAULTS if fault.id == "register_struct_column")
    _path, report = check_report(corpus_run(fault), fault)
    (problem,) = [p for p in report["problems"] if p["column"] == "person_id"]
    assert "Struct" in problem["rule"]


def test_a_rate_of_ten_million_is_still_a_figure(corpus_run) -> None:  # noqa: F811
    """The bound is ten million either way: a value at it passes (a day rate no one charges,
    but the suite's job is to stop typing slips like 1e300, not to judge)."""
    fault = Fault("facts_rate_at_bound", "facts", FACTS, facts_edit(value_max="10000000"), 0, ())
    run = corpus_run(fault)
    assert run.exit_code == 0, run.output
    (monteur,) = query(run.published, "SELECT * FROM metier_figures WHERE slug = 'monteur'")
    assert monteur["freelance_rate_max"] == 10_000_000
    (card,) = query(
        run.published,
        "SELECT freelance_rate FROM metier_cards WHERE slug = 'monteur' AND lang = 'fr'",
    )
    # 1.500 and 10.000.000 €, per week (rounded to the hundred)
    assert card["freelance_rate"] == "entre 1.500€ et 10.000.000€/semaine"


# -- declared lists still pass: the registry's list_text type ------------------------------

LISTS_REGISTRY = """
[sources.labels]
role = "facts"
patterns = ["*.parquet"]
[sources.labels.columns]
slug = "text"
labels = "list_text"
"""


def labels_spec():
    import tomllib

    return parse_registry(tomllib.loads(LISTS_REGISTRY))["labels"]


def test_declared_list_column_is_staged_as_a_list(tmp_path: Path) -> None:
    raw = tmp_path / "labels.parquet"
    pl.DataFrame({"slug": ["monteur"], "labels": [["monteuse", "editor"]]}).write_parquet(raw)
    staged = stage_file(raw, labels_spec(), tmp_path / "staged.parquet")
    frame = pl.read_parquet(staged.staging_path)
    assert frame["labels"].to_list() == [["monteuse", "editor"]]


def test_declared_list_of_structs_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "labels.parquet"
    pl.DataFrame({"slug": ["monteur"], "labels": [[{"fr": "monteuse"}]]}).write_parquet(raw)
    with pytest.raises(DataRejected) as rejected:
        stage_file(raw, labels_spec(), tmp_path / "staged.parquet")
    (problem,) = rejected.value.problems
    assert (problem.file, problem.column) == (str(raw), "labels")
    assert problem.rule.startswith(FLAT[0])
    assert not (tmp_path / "staged.parquet").exists()
