"""Crosswalk files on the real mappings in ../shared, and the allocation and match models
(sql/intermediate/int_crosswalks, int_aggregate_values, int_occupation_groups) run on the
real files in an in-memory DuckDB. Expected values come from research §2, checked here
against the files read with `csv`."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import polars as pl
import pytest

from metiers.core.errors import DataRejected
from metiers.core.paths import SQL_DIR
from metiers.core.source_registry import RegistryError, parse_registry
from metiers.ingest.sources import aggregate, crosswalk, esco
from metiers.methodology import figures

EXTERNAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "external"
BLS = EXTERNAL / "bls_oews_national_M2023_dl.csv"
BLS_CROSSWALK = EXTERNAL / "isco08_soc2010_bls.csv"
COMPETENT = EXTERNAL / "BLM_mapping_esco_competent_BE.csv"
ESCO_FR = EXTERNAL / "esco_v1.2.1_occupations_fr.csv"
ESCO_NL = EXTERNAL / "esco_v1.2.0_occupations_nl.csv"
SEED_URI = "http://data.europa.eu/esco/occupation/56bff5e1-3c76-4f45-b50e-e3a59bf1053e"
BLS_OPTIONS = {"columns": {"soc2010_code": "source_code", "isco08_code": "target_code"}}
COMPETENT_OPTIONS = {
    "columns": {
        "Classification 2 ID": "source_code",
        "Classification 1 URI": "target_uri",
        "Mapping relation": "relation",
    }
}


@pytest.fixture(scope="module")
def bls_pairs() -> pl.DataFrame:
    return crosswalk.read(BLS_CROSSWALK, BLS_OPTIONS | {"target": "isco08"})


@pytest.fixture(scope="module")
def competent_pairs() -> pl.DataFrame:
    return crosswalk.read(COMPETENT, COMPETENT_OPTIONS)


@pytest.fixture(scope="module")
def esco_fr() -> pl.DataFrame:
    return esco.read_occupations(ESCO_FR)


def test_bls_crosswalk_splits_many_to_many_codes_equally(bls_pairs: pl.DataFrame) -> None:
    with BLS_CROSSWALK.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert bls_pairs.height == len(rows) == 1125
    assert bls_pairs["target_code"].n_unique() == 438
    chiefs = bls_pairs.filter(pl.col("source_code") == "11-1011").sort("target_code")
    assert chiefs["target_code"].to_list() == ["1112", "1113", "1120"]
    assert chiefs["weight"].to_list() == pytest.approx([1 / 3] * 3)
    # every SOC code's weights sum to one, and the leading zero of 0110 survives
    sums = bls_pairs.group_by("source_code").agg(pl.col("weight").sum())["weight"]
    assert sums.to_list() == pytest.approx([1.0] * sums.len())
    assert "0110" in bls_pairs["target_code"].to_list()
    assert bls_pairs.filter(pl.col("source_code") == "55-1011")["source_row"].to_list() == [2]


def test_competent_mapping_skips_its_metadata_and_keeps_each_pair_once(
    competent_pairs: pl.DataFrame,
) -> None:
    with COMPETENT.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    header = next(index for index, cells in enumerate(lines) if "Classification 2 ID" in cells)
    assert header + 1 == 17  # the header's line number
    body = [cells for cells in lines[header + 1 :] if any(cell.strip() for cell in cells)]
    pairs = {(cells[5], cells[0], cells[9] if len(cells) > 9 else "") for cells in body}
    assert len(body) == 7012 and len(pairs) == 3506
    assert competent_pairs.height == 3506
    op375 = competent_pairs.filter(pl.col("source_code") == "OP-375")
    assert op375.height == 10
    assert op375["weight"].to_list() == pytest.approx([0.1] * 10)
    assert SEED_URI in op375["target_uri"].to_list()  # the bare UUID became the concept URI
    assert competent_pairs["source_row"].min() == 18


def test_relations_filter_and_bad_weights_are_named(tmp_path: Path) -> None:
    exact = crosswalk.read(COMPETENT, COMPETENT_OPTIONS | {"relations": ["skos:exactMatch"]})
    assert set(exact["relation"].to_list()) == {"skos:exactMatch"}
    assert exact.height == 357
    path = tmp_path / "weights.csv"
    path.write_text("soc,isco,share\n27-1011,2654,1\n27-2012,2654,lots\n", encoding="utf-8")
    options = {
        "columns": {"soc": "source_code", "isco": "target_code", "share": "weight"},
        "target": "isco08",
        "weights": "column",
    }
    with pytest.raises(DataRejected) as caught:
        crosswalk.read(path, options)
    problem = caught.value.problems[0]
    assert (problem.column, problem.rows, problem.sample) == ("weight", [3], ["lots"])
    assert str(path) in problem.file


def test_a_classification_must_name_a_crosswalk_source() -> None:
    document = {
        "sources": {
            "table": {
                "adapter": "aggregate",
                "role": "aggregate",
                "patterns": ["*.csv"],
                "classification": "soc",
                "options": {"columns": {"a": "occupation_code"}},
            }
        }
    }
    with pytest.raises(RegistryError, match=r"source 'table': classification: .*got 'soc'"):
        parse_registry(document)
    document["sources"]["soc"] = {
        "adapter": "crosswalk",
        "role": "crosswalk",
        "patterns": ["*.csv"],
        "options": {"columns": {"s": "source_code", "t": "target_code"}, "target": "isco08"},
    }
    specs = parse_registry(document)
    assert (specs["table"].classification, specs["table"].max_lag_years) == ("soc", 2)


def _models(*names: str, **tables: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory database with `tables` (schema.name with '__' for '.') and the models run."""
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA staging; CREATE SCHEMA intermediate")
    for name, frame in tables.items():
        connection.register("frame", frame.to_arrow())
        connection.execute(f"CREATE TABLE {name.replace('__', '.')} AS SELECT * FROM frame")
        connection.unregister("frame")
    for name in names:
        connection.execute((SQL_DIR / "intermediate" / f"{name}.sql").read_text("utf-8"))
    return connection


def _registry(classification: str) -> dict[str, pl.DataFrame]:
    return {
        "meta_figure_registry": pl.DataFrame(figures.registry_rows()),
        "meta_source_registry": pl.DataFrame(
            {"source_id": ["table"], "classification": [classification], "max_lag_years": [2]}
        ),
    }


def _staged_aggregates(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.lit("table").alias("source_id"),
        "occupation_code",
        pl.lit(2023, pl.Int32).alias("year"),
        pl.lit(2023, pl.Int32).alias("period_end"),
        pl.lit("2023").alias("period"),
        pl.lit("year").alias("period_kind"),
        pl.lit(None, pl.String).alias("region"),
        # a Belgian table in persons, as staging says it (the units part)
        pl.lit("BE").alias("geo"),
        pl.lit("persons").alias("unit"),
        pl.lit(None, pl.String).alias("currency"),
        pl.lit("headcount").alias("indicator"),
        pl.col("headcount").alias("value"),
        pl.col("headcount_flag").alias("flag"),
        pl.lit("table.parquet").alias("staging_file"),
    )


def test_bls_headcounts_allocate_to_isco_and_sum_back(bls_pairs: pl.DataFrame) -> None:
    options = dict(aggregate.BLS_OEWS_OPTIONS)
    options["defaults"] = {}  # the year is set below; the country is not this test's matter
    table = aggregate.read(BLS, options)
    crosswalks = bls_pairs.select(pl.lit("bls").alias("crosswalk_id"), pl.all())
    connection = _models(
        "int_crosswalks",
        "int_aggregate_values",
        staging__stg_aggregates=_staged_aggregates(table),
        staging__stg_crosswalks=crosswalks.with_columns(pl.lit("x").alias("staging_file")),
        intermediate__int_esco_occupations=pl.DataFrame(
            schema={"concept_uri": pl.String, "code": pl.String, "modified_date": pl.Datetime}
        ),
        **_registry("bls"),
    )
    values = dict(
        connection.sql("SELECT code, value FROM intermediate.int_aggregate_values").fetchall()
    )
    # by hand from the files: the detailed OEWS rows whose SOC code the crosswalk maps
    with BLS.open(encoding="utf-8") as handle:
        oews = {
            row["OCC_CODE"]: float(row["TOT_EMP"].replace(",", ""))
            for row in csv.DictReader(handle)
            if row["O_GROUP"] == "detailed" and row["TOT_EMP"] not in ("**", "*", "")
        }
    mapped = set(bls_pairs["source_code"].to_list())
    expected_total = sum(value for code, value in oews.items() if code in mapped)
    assert expected_total == 122_689_840
    assert sum(values.values()) == pytest.approx(expected_total, abs=1e-6)
    assert len(values) == 401
    assert values["2654"] == pytest.approx(51_200 + 154_470 + 29_240) == 234_910
    assert values["1113"] == pytest.approx(211_230 / 3 + 32_460 / 2) == 86_640
    assert values["1111"] == pytest.approx(16_230)
    sources = connection.sql(
        "SELECT allocated_from FROM intermediate.int_aggregate_values WHERE code = '2654'"
    ).fetchall()[0][0]
    assert sources == "27-1011,27-2012,27-4032"


def test_competent_codes_join_esco_on_the_uri_not_the_code(
    competent_pairs: pl.DataFrame, esco_fr: pl.DataFrame
) -> None:
    staged = pl.DataFrame(
        {"occupation_code": ["OP-375"], "headcount": [1000.0], "headcount_flag": [None]},
        schema_overrides={"headcount_flag": pl.String},
    )
    connection = _models(
        "int_crosswalks",
        "int_aggregate_values",
        staging__stg_aggregates=_staged_aggregates(staged),
        staging__stg_crosswalks=competent_pairs.select(
            pl.lit("competent").alias("crosswalk_id"), pl.all(), pl.lit("x").alias("staging_file")
        ),
        intermediate__int_esco_occupations=esco_fr,
        **_registry("competent"),
    )
    values = dict(
        connection.sql("SELECT code, value FROM intermediate.int_aggregate_values").fetchall()
    )
    assert len(values) == 10
    assert sum(values.values()) == pytest.approx(1000.0)
    assert list(values.values()) == pytest.approx([100.0] * 10)
    # the seed's concept is 2654.1 in the mapping (ESCO 1.0.3) and 2654.2 in ESCO 1.2.1
    seed = esco_fr.filter(pl.col("concept_uri") == SEED_URI)["code"].item()
    assert seed == "2654.2" and seed in values
    with COMPETENT.open(encoding="utf-8") as handle:
        old_codes = {
            cells[1] for cells in csv.reader(handle) if len(cells) > 5 and cells[5] == "OP-375"
        }
    assert "2654.1" in old_codes  # a join on the mapping's codes would have been wrong
    assert sorted(values) == sorted(
        esco_fr.filter(pl.col("concept_uri").is_in(competent_pairs.filter(
            pl.col("source_code") == "OP-375")["target_uri"].to_list()))["code"].to_list()
    )  # fmt: skip


def test_isco_group_comes_from_esco_when_loaded_else_from_the_prefix(
    esco_fr: pl.DataFrame,
) -> None:
    metiers = pl.DataFrame({"slug": ["a", "b", "c"], "esco_code": ["2421.8", "2654.2", "7411"]})
    esco_nl = esco.read_occupations(ESCO_NL)
    both = pl.concat([esco_fr, esco_nl], how="diagonal_relaxed")
    for occupations, expected in ((both, "2164"), (esco_fr.clear(), "2421")):
        connection = _models(
            "int_occupation_groups",
            staging__stg_metiers=metiers,
            intermediate__int_esco_occupations=occupations,
        )
        groups = {
            row[0]: row[1:]
            for row in connection.sql(
                "SELECT esco_code, isco4, isco3, isco2, isco1 "
                "FROM intermediate.int_occupation_groups"
            ).fetchall()
        }
        assert groups["2421.8"] == (expected, expected[:3], expected[:2], expected[:1])
        assert groups["2654.2"] == ("2654", "265", "26", "2")
        assert groups["7411"] == ("7411", "741", "74", "7")
