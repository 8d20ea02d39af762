"""The figure registry (metiers/methodology/figures.py): what is derived from it, checked
against the built mart and against lists written out here by hand."""

from __future__ import annotations

import duckdb
import pytest

from metiers.core.config import Settings
from metiers.methodology import disclosure, figures
from metiers.validate import suites as validate

# The card's figures and their indicators, as the analysts' contract (docs/design.md) names
# them: written out here, not read from the registry.
EXPECTED_INDICATORS = {
    "headcount": ["headcount"],
    "growth_rate": ["growth_rate"],
    "insertion_rate": ["insertion_rate"],
    "average_age": ["average_age"],
    "share_women": ["share_women"],
    "share_self_employed": ["share_self_employed"],
    "share_aged_50_plus": ["share_aged_50_plus"],
    "salary_entry": ["salary_entry"],
    "salary_senior": ["salary_senior_median", "salary_senior_p90"],
    "freelance_rate": ["freelance_rate_min", "freelance_rate_max"],
}
COMPANIONS = [
    "source", "period", "source_files", "n_records", "suppressed", "flag", "override", "cv",
    "reliability",
]  # fmt: skip


def rows(settings: Settings, sql: str) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql).pl().to_dicts()


def test_registry_declares_the_contract_figures() -> None:
    declared = {
        figure.name: [item.name for item in figure.indicators] for figure in figures.FIGURES
    }
    assert {name: declared[name] for name in EXPECTED_INDICATORS} == EXPECTED_INDICATORS


def test_meta_figure_registry_is_the_registry(bundled_mart: Settings) -> None:
    table = rows(bundled_mart, "SELECT * FROM meta_figure_registry ORDER BY position")
    assert [(row["figure"], row["indicator"]) for row in table] == [
        (figure.name, item.name) for figure in figures.FIGURES for item in figure.indicators
    ]
    leads = {row["figure"]: row["indicator"] for row in table if row["lead"]}
    assert leads["salary_senior"] == "salary_senior_median"
    assert leads["freelance_rate"] == "freelance_rate_min"
    by_indicator = {row["indicator"]: row for row in table}
    assert by_indicator["salary_entry"]["disclosure_rule"] == "wage"
    assert by_indicator["insertion_rate"]["reliability_rule"] is None
    assert by_indicator["freelance_rate_max"]["disclosure_rule"] is None
    assert by_indicator["share_women"]["reliability_rule"] == "weighted"


def test_metier_figures_has_every_figure_column(bundled_mart: Settings) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        columns = [
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'metier_figures'"
            ).fetchall()
        ]
    expected = [item for items in EXPECTED_INDICATORS.values() for item in items]
    expected += [f"{name}_{suffix}" for name in EXPECTED_INDICATORS for suffix in COMPANIONS]
    assert set(expected) <= set(columns)
    assert len(columns) == len(set(columns))


def test_the_wide_table_is_the_long_one_pivoted(bundled_mart: Settings) -> None:
    """Every value of metier_figures is its indicator's row of metier_figure_lineage, and every
    figure's lineage columns are those of its first indicator (a second reading)."""
    wide = {row["slug"]: row for row in rows(bundled_mart, "SELECT * FROM metier_figures")}
    long = rows(bundled_mart, "SELECT * FROM metier_figure_lineage")
    seen = set()
    for row in long:
        figure = wide[row["slug"]]
        assert figure[row["indicator"]] == row["value"], row
        seen.add((row["slug"], row["indicator"]))
        if row["indicator"] == EXPECTED_INDICATORS[row["figure"]][0]:
            for column in ("source_id", "period", "source_files", "flag"):
                name = "source" if column == "source_id" else column
                assert figure[f"{row['figure']}_{name}"] == row[column], (row, column)
    for slug, figure in wide.items():
        for indicators in EXPECTED_INDICATORS.values():
            for indicator in indicators:
                if (slug, indicator) not in seen:
                    assert figure[indicator] is None, (slug, indicator)
    assert any(wide[slug]["salary_senior_p90"] is not None for slug in wide)


def test_meta_disclosure_rules_follow_each_figures_estimate() -> None:
    rules = {row["indicator"]: row for row in disclosure.DisclosureRules().rows()}
    assert list(rules) == [
        "headcount", "growth_rate", "insertion_rate", "average_age", "share_women",
        "share_self_employed", "share_aged_50_plus", "salary_entry", "salary_senior_median",
        "salary_senior_p90", "salary_median",
    ]  # fmt: skip
    assert "freelance_rate_min" not in rules  # editorial: no rule
    assert rules["salary_senior_p90"]["dominance_top_n"] == 2
    assert rules["share_women"]["dominance_top_n"] is None
    assert rules["insertion_rate"]["reliable_max_cv"] is None
    assert rules["salary_entry"]["reliable_min_records"] is None
    assert rules["average_age"]["reliable_min_records"] == 30


def test_the_mart_suite_gets_each_figures_rules() -> None:
    suite = validate.load_suite("metier_figures")
    rules = [(item["type"], item["kwargs"]) for item in suite["expectations"]]
    assert (
        "expect_column_values_to_be_between",
        {"column": "share_women", "min_value": 0, "max_value": 1},
    ) in rules
    assert (
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": "salary_senior_p90",
            "column_B": "salary_senior_median",
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
    ) in rules
    thresholds = {
        kwargs["column"]: kwargs["row_condition"]
        for kind, kwargs in rules
        if kwargs.get("min_value") == {"$PARAMETER": "min_records"}
    }
    # every figure under disclosure control, none of the editorial ones
    assert thresholds["salary_senior_n_records"] == "salary_senior_median.notnull()"
    assert thresholds["insertion_rate_n_records"] == "insertion_rate.notnull()"
    assert "freelance_rate_n_records" not in thresholds
    reliability = {kwargs["column"] for kind, kwargs in rules if kind.endswith("_in_set")}
    assert {f"{name}_reliability" for name in EXPECTED_INDICATORS} <= reliability
    # the JSON file keeps only the rules that are not per figure
    assert len(validate.load_suite("metier_cards")["expectations"]) == 6


def test_render_sql_refuses_an_unknown_placeholder() -> None:
    assert figures.render_sql("SELECT 1") == "SELECT 1"
    assert figures.render_sql("IN ({{ figures }})").startswith("IN ('headcount', ")
    with pytest.raises(ValueError, match="nonexistent"):
        figures.render_sql("{{ nonexistent }}")
