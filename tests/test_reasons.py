"""Suppression reasons as codes: disclosure writes a code and its parameters, the wording
lives in one table (display.REASONS), the mart's English text is rendered from it in SQL
and the card's words in Python."""

from __future__ import annotations

import json

import duckdb
import polars as pl
import pytest
from disclosure import sample_register

from metiers.core.config import Settings
from metiers.methodology import display
from metiers.methodology.disclosure import DisclosureRules, regional_cells


def rows(settings: Settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql).pl().to_dicts()


@pytest.mark.parametrize(
    ("code", "params", "lang", "expected"),
    [
        ("primary", {"min_records": 10}, "fr", "moins de 10 observations"),
        ("primary", {"min_records": 25}, "nl", "minder dan 25 waarnemingen"),
        ("primary", '{"min_records": 10}', "en", "fewer than 10 records"),
        ("too_few_wages", {"min_records": 10}, "nl", "minder dan 10 waargenomen lonen"),
        (
            "dominance",
            {"top_n": 2, "share_percent": 50},
            "fr",
            "les 2 salaires les plus élevés font plus de 50% du total",
        ),
        ("secondary", {}, "en", "withheld to protect another cell"),
        ("short_history", {"min_years": 3}, "nl", "reeks korter dan 3 jaar"),
        ("no_data", {"source": "insertion"}, "nl", "geen gegevens (inschakeling)"),
        ("no_data", {"source": "facts"}, "en", "no editorial source data"),
        (
            "excluded_source",
            {"source": "register"},
            "fr",
            "source écartée (registre) : données rejetées à la validation",
        ),
        ("not_available", None, "nl", "niet beschikbaar bij de uitgever"),
    ],
)
def test_the_card_words_a_code_with_its_parameters(code, params, lang, expected) -> None:
    assert display.reason_text(code, params, lang) == expected


def test_no_code_unknown_code_and_missing_parameter() -> None:
    assert display.reason_text(None, None, "fr") is None
    assert display.reason_text("withheld_by_the_publisher", {}, "nl") == "withheld_by_the_publisher"
    assert display.reason_text("primary", {}, "en") == "fewer than {min_records} records"
    with pytest.raises(ValueError, match="de"):
        display.reason_text("primary", {"min_records": 10}, "de")


def test_every_wording_names_the_same_parameters_in_every_language() -> None:
    for code, words in display.REASONS.items():
        names = set(display.reason_parameters(code))
        for key, text in words.items():
            probe = text.format(**{name: "X" for name in names})
            assert "{" not in probe, (code, key)


def test_meta_suppression_reasons_is_the_wording_table(bundled_mart: Settings) -> None:
    table = {
        row["code"]: row for row in rows(bundled_mart, "SELECT * FROM meta_suppression_reasons")
    }
    assert set(table) == set(display.REASONS)
    assert table["dominance"]["parameters"] == ["top_n", "share_percent"]
    assert table["primary"]["mart_cell"] == "primary: fewer than {min_records} records"
    assert table["secondary"]["mart_cell"] == table["secondary"]["mart"]


# The mart's English sentences, as analysts and earlier releases read them: written out here.
MART_TEXT = {
    ("primary", '{"min_records":10}', False): "fewer than 10 records",
    ("primary", '{"min_records":10}', True): "primary: fewer than 10 records",
    ("secondary", "{}", True): "secondary: protects another withheld cell",
    ("too_few_wages", '{"min_records":10}', True): "fewer than 10 employee wages",
}


def test_the_marts_text_is_rendered_from_the_code(bundled_mart: Settings) -> None:
    """Every withheld value of the sample: its English text is its code's mart wording with
    its parameters, and the sentences the mart always gave are unchanged."""
    queries = {
        False: [
            "SELECT suppressed, suppression_code AS code, suppression_params AS params "
            "FROM metier_figure_lineage",
            "SELECT suppressed, suppression_code AS code, suppression_params AS params "
            "FROM metier_trend",
            *(
                f"SELECT {name}_suppressed AS suppressed, {name}_suppression_code AS code, "
                f"{name}_suppression_params AS params FROM metier_figures"
                for name in ("headcount", "share_women", "share_aged_50_plus", "salary_senior")
            ),
        ],
        True: [
            "SELECT suppressed, suppression_code AS code, suppression_params AS params "
            "FROM metier_regions",
            "SELECT salary_suppressed AS suppressed, salary_suppression_code AS code, "
            "salary_suppression_params AS params FROM metier_regions",
            "SELECT suppressed, suppression_code AS code, suppression_params AS params "
            "FROM metier_salaries",
        ],
    }
    seen = set()
    for cell, sqls in queries.items():
        for sql in sqls:
            for row in rows(bundled_mart, sql):
                if row["code"] is None:
                    assert row["suppressed"] is None and row["params"] is None
                    continue
                words = display.REASONS[row["code"]]
                template = words.get("mart_cell", words["mart"]) if cell else words["mart"]
                assert row["suppressed"] == template.format(**json.loads(row["params"])), row
                key = (row["code"], row["params"], cell)
                if key in MART_TEXT:
                    assert row["suppressed"] == MART_TEXT[key]
                    seen.add(key)
    assert seen == set(MART_TEXT)


def test_regional_cells_write_the_dominance_code() -> None:
    """One cell whose two top wages make up the total: code dominance with its rule's
    parameters, and the sentence the mart always gave."""
    register = sample_register().head(0)
    records = [
        {"slug": "x", "region": "BE10", "year": 2025, "sex": "F", "status": "employee",
         "age": 40, "gross_monthly_eur": wage, "experience_years": 5, "weight": 1.0}
        for wage in [1.0] * 10 + [100_000.0, 100_000.0]
    ]  # fmt: skip
    schema = {name: register.schema[name] for name in records[0] if name in register.schema}
    cells = regional_cells(pl.DataFrame(records).cast(schema), DisclosureRules())
    (cell,) = cells.to_dicts()
    assert cell["salary_suppression_code"] == "dominance"
    assert json.loads(cell["salary_suppression_params"]) == {"top_n": 2, "share_percent": 50}
    assert cell["salary_suppressed"] == "dominance: top 2 wages over 50% of the total"
    assert cell["suppression_code"] is None


def test_the_json_card_gives_the_code_and_its_words(bundled_mart: Settings) -> None:
    from metiers.present import mart

    small = rows(
        bundled_mart,
        "SELECT slug FROM metier_figures WHERE headcount_suppression_code = 'primary' LIMIT 1",
    )
    assert small, "the sample has a métier under the threshold"
    with mart.connect_published(bundled_mart.marts_dir) as connection:
        document = mart.card_document(connection, small[0]["slug"], "nl")
    entry = next(e for e in document["figures"] if e["indicator"] == "headcount")
    assert entry["suppression_code"] == "primary"
    assert entry["suppression_params"] == {"min_records": 10}
    assert entry["suppressed"] == "fewer than 10 records"
    assert entry["suppressed_reason"] == "minder dan 10 waarnemingen"


def test_a_file_published_before_the_codes_still_gets_its_words(bundled_mart, tmp_path) -> None:
    """A version from history or a rollback has the English text and no codes: the card and
    the API's cell lists still say why, in every language."""
    import shutil

    from metiers.methodology.cards import withheld_reason
    from metiers.present import mart

    row = {"headcount_suppressed": "fewer than 10 records"}
    assert withheld_reason(row, "headcount_", "fr") == "moins de 10 observations"
    cell = {"suppressed": "primary: fewer than 10 records", "suppression_code": None}
    assert withheld_reason(cell, "", "nl") == "minder dan 10 waarnemingen"

    older = tmp_path / "marts"
    older.mkdir()
    shutil.copy(bundled_mart.published_path, older / "metiers.duckdb")
    (older / "metiers.duckdb").chmod(0o644)
    with duckdb.connect(str(older / "metiers.duckdb")) as connection:
        for table, prefixes in (
            ("metier_regions", ("", "salary_")),
            ("metier_salaries", ("",)),
            ("metier_trend", ("",)),
        ):
            for prefix in prefixes:
                for part in ("code", "params"):
                    connection.execute(
                        f"ALTER TABLE {table} DROP COLUMN {prefix}suppression_{part}"
                    )
        slug = connection.execute(
            "SELECT slug FROM metier_regions WHERE suppressed LIKE 'primary%' LIMIT 1"
        ).fetchall()[0][0]
    with mart.connect_published(older) as connection:
        cells = mart.regions(connection, slug, "fr")
        trend = mart.trend(connection, slug, "nl")
        mart.salaries(connection, slug, "en")
    withheld = [cell for cell in cells if cell["suppressed"] == "primary: fewer than 10 records"]
    assert withheld
    assert all(cell["suppressed_reason"] == "moins de 10 observations" for cell in withheld)
    assert all(cell["suppression_code"] is None for cell in cells)
    for year in trend:
        if year["suppressed"]:
            assert year["suppressed_reason"] == "minder dan 10 waarnemingen"
