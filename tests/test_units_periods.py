"""Period labels and unit conversions (metiers/methodology/periods.py, units.py): expected
values are worked out by hand in the comments."""

from __future__ import annotations

import pytest

from metiers.methodology import periods, units
from metiers.methodology.periods import parse_period


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2024", "year", 2024, 2024),
        (2023, "year", 2023, 2023),
        (2023.0, "year", 2023, 2023),
        (" 2024 ", "year", 2024, 2024),
        ("2017-2019", "range", 2017, 2019),  # DARES three-year averages
        ("2017/2019", "range", 2017, 2019),
        ("2017–2019", "range", 2017, 2019),  # en dash
        ("2024-Q1", "quarter", 2024, 2024),
        ("2024Q1", "quarter", 2024, 2024),
        ("2024 Q4", "quarter", 2024, 2024),
        ("2024-03", "month", 2024, 2024),
        ("2024M03", "month", 2024, 2024),
    ],
)
def test_period_labels(label: object, kind: str, start: int, end: int) -> None:
    period = parse_period(label)
    assert period is not None
    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(
    "label", ["", "NA", "2019-2017", "2024-Q5", "2024-13", "24", "2023.5", "Ensemble", True]
)
def test_labels_that_are_no_period(label: object) -> None:
    assert parse_period(label) is None


def test_latest_period_compares_numbers_not_text() -> None:
    # as text "2024-Q1" > "2024" and "Q1" > "2025"; as periods 2025 is the latest, and a whole
    # year beats its own quarter
    labels = ["2024-Q1", "2024", "2023-2025", "2025", "2025-Q2", "2025-03"]
    ordered = sorted((parse_period(label) for label in labels), key=lambda p: p.sort_key)
    assert [period.label for period in ordered] == [
        "2024-Q1",
        "2024",
        "2025-03",
        "2025-Q2",
        "2023-2025",
        "2025",
    ]


def test_parse_periods_splits_good_and_bad() -> None:
    found, bad = periods.parse_periods(["2017-2019", None, "x", "2016-2018", "x"])
    assert sorted(found) == ["2016-2018", "2017-2019"]
    assert bad == ["x", "x"]


@pytest.mark.parametrize(
    ("unit", "published", "expected", "target"),
    [
        ("percent", 35.5, 0.355, "share"),
        ("thousand_persons", 1.2, 1200.0, "persons"),
        ("thousand_persons", 196.9, 196900.0, "persons"),  # exactly, after rounding
        ("eur_gross_per_year", 42000.0, 3500.0, "eur_gross_per_month"),  # 42000 / 12
        # 800 x 52 / 12 = 41600 / 12
        ("eur_gross_per_week", 800.0, 3466.666666667, "eur_gross_per_month"),
        # 20 x 38 x 52 / 12 = 39520 / 12
        ("eur_gross_per_hour", 20.0, 3293.333333333, "eur_gross_per_month"),
        ("eur_gross_per_month", 2500.0, 2500.0, "eur_gross_per_month"),
        ("eur_per_month", 2500.0, 2500.0, "eur_gross_per_month"),  # the figure registry's name
        ("fraction", 0.3, 0.3, "share"),
        ("persons", 12.0, 12.0, "persons"),
        ("years", 41.5, 41.5, "years"),
    ],
)
def test_conversions(unit: str, published: float, expected: float, target: str) -> None:
    conversion = units.conversion(unit)
    assert conversion.unit == target
    assert conversion.apply(published) == expected


def test_hourly_wage_uses_the_declared_hours() -> None:
    # 20 x 40 x 52 / 12 = 41600 / 12 = 3466.666...
    assert units.conversion("eur_gross_per_hour", 40.0).apply(20.0) == 3466.666666667


def test_conversion_is_said() -> None:
    assert units.conversion("percent").text == "percent→share ÷100"
    assert units.conversion("persons").text is None
    assert units.conversion("eur_gross_per_year").currency == "EUR"


@pytest.mark.parametrize(
    ("unit", "currency"),
    [("usd_gross_per_year", "USD"), ("usd_gross_per_hour", "USD"), ("eur_net_per_month", "EUR")],
)
def test_foreign_or_net_money_is_never_converted(unit: str, currency: str) -> None:
    conversion = units.conversion(unit)
    assert conversion.unit == unit and conversion.currency == currency
    assert conversion.apply(106500.0) == 106500.0
    assert not conversion.converted


def test_unknown_unit_names_the_known_ones() -> None:
    with pytest.raises(units.UnknownUnit, match=r"'percnt'.*thousand_persons"):
        units.conversion("percnt")


def test_default_unit_is_the_figures_own() -> None:
    assert units.default_unit("headcount") == "persons"
    assert units.default_unit("share_women") == "share"
    assert units.default_unit("salary_senior_median") == "eur_gross_per_month"
    assert units.default_unit("not_a_figure") is None


def test_eurostat_unit_codes() -> None:
    assert units.eurostat_unit("THS_PER") == "thousand_persons"
    assert units.eurostat_unit("PC") == "percent"
    assert units.eurostat_unit("NR") is None


def test_a_card_vintage_names_each_source_by_its_latest_period() -> None:
    """A quarter is not later than its own year, a range ends in its last year, and a later
    quarter beats an earlier year (the old rule compared the text after the last '-', so
    "2024-Q1" counted as "Q1", later than any year)."""
    from metiers.methodology.cards import vintage

    figures = {"reference_year": 2025, "headcount_source": "a", "headcount_period": "2024"}
    rows = [
        {"source_id": "a", "period": "2024-Q1"},  # same end year: the year wins
        {"source_id": "b", "period": "2021-2023"},
        {"source_id": "b", "period": "2022"},
        {"source_id": "c", "period": "2023"},
        {"source_id": "c", "period": "2024-Q2"},
        {"source_id": "d", "period": "not a period"},
    ]
    assert vintage(figures, rows)["editions"] == {"a": "2024", "b": "2023", "c": "2024-Q2"}
