"""Display strings of the card: the seed page's strings from the raw numbers behind them."""

from __future__ import annotations

import pytest

from metiers.methodology import display

# --- the seed page (fiche directeur de postproduction), French ------------------------------


def test_seed_headcount():
    # 196 -> two significant figures: 19.6 tens -> 20 tens = 200.
    assert display.headcount(196, "fr") == "~200"


def test_seed_growth():
    # 0.0496 -> 4.96% -> 5%, sign shown.
    assert display.growth(0.0496, "fr") == "+5%"


def test_seed_insertion_with_channel():
    # 28 of 40 leavers employed: 28 / 40 = 0.70 -> 70%.
    assert display.insertion(28 / 40, "network", "fr") == "70% (souvent via le réseau)"


def test_seed_average_age():
    # 41.6 -> 42.
    assert display.age(41.6, "fr") == "42 ans"


def test_seed_share_women():
    # 35 women of 100 -> 35%.
    assert display.percent(0.35, "fr") == "35%"


def test_seed_entry_salary():
    # 2814.37 -> nearest hundred 2800, thousands with a dot, euro sign after.
    assert display.money(2814.37, "fr") == "2.800€"


def test_seed_senior_salary_range():
    # median 4470 -> 4500, p90 5040 -> 5000.
    assert display.salary_range(4470, 5040, "fr") == "4.500€-5.000€"


def test_seed_senior_salary_max():
    assert display.salary_max(4985, "fr") == "jusqu'à 5.000€+"


def test_seed_freelance_rate():
    assert (
        display.freelance_rate(1500, 2500, "eur_per_week", "fr") == "entre 1.500€ et 2.500€/semaine"
    )


def test_seed_training():
    assert display.training(3, 5, True, "fr") == "3-5 ans d'études + expérience"


# --- rounding: half away from zero, at the boundaries -----------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (2850, "2.900€"),  # 28.5 hundreds -> 29 (banker's rounding would give 28)
        (2849.99, "2.800€"),  # 28.4999 hundreds -> 28
        (2750, "2.800€"),  # 27.5 -> 28 (banker's rounding also 28: not a discriminating case)
        (2650, "2.700€"),  # 26.5 -> 27 (banker's rounding would give 26)
        (950, "1.000€"),  # 9.5 -> 10: grouping appears
        (12345, "12.300€"),
    ],
)
def test_money_rounds_half_up_to_the_hundred(amount, expected):
    assert display.money(amount, "fr") == expected


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (0.345, "35%"),  # 0.345 * 100 is exactly 34.5 in binary floating point -> 35
        (0.344, "34%"),
        (0.125, "13%"),  # 12.5 -> 13 (banker's rounding would give 12)
        (0.0, "0%"),
        (1.0, "100%"),
    ],
)
def test_percent_rounds_half_up(fraction, expected):
    assert display.percent(fraction, "fr") == expected


# A reader who sees 57 women out of 200 (28.5%) expects "29%", as the module docstring promises
# ("half away from zero, as readers expect"). But 0.285 * 100 == 28.499999999999996 in floating
# point, and round_half_up(fraction * 100) rounds that down.
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: display.percent(57 / 200, "fr"), "29%"),  # 28.5% of women
        (lambda: display.percent(23 / 40, "fr"), "58%"),  # 57.5% employed
        (lambda: display.growth(0.145, "fr"), "+15%"),  # 14.5% growth
    ],
    ids=["share-57-of-200", "insertion-23-of-40", "growth-14.5"],
)
def test_percent_halves_from_exact_fractions_round_up(call, expected):
    assert call() == expected


@pytest.mark.parametrize(
    ("years", "expected"),
    [(41.5, "42 ans"), (42.49, "42 ans"), (42.5, "43 ans"), (42, "42 ans")],
)
def test_age_rounds_half_up(years, expected):
    assert display.age(years, "fr") == expected


# --- headcount: two significant figures ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1234, "fr", "~1.200"),  # 12.34 hundreds -> 12
        (1234, "nl", "~1.200"),
        (1234, "en", "~1,200"),
        (1250, "fr", "~1.300"),  # 12.5 hundreds -> 13 (half up)
        (7, "fr", "~7"),  # fewer than two digits: kept as is
        (12, "fr", "~12"),
        (99, "fr", "~99"),
        (196.4, "fr", "~200"),  # weighted count: 19.64 tens -> 20
        (995, "fr", "~1.000"),  # 99.5 tens -> 100 tens
        (45_678, "en", "~46,000"),  # 45.678 thousands -> 46
        (1_234_567, "en", "~1,200,000"),
    ],
)
def test_headcount_two_significant_figures(value, lang, expected):
    assert display.headcount(value, lang) == expected


# --- growth sign ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (-0.03, "-3%"),
        (-0.031, "-3%"),
        (-0.025, "-3%"),  # -2.5 -> -3: half away from zero
        (0.025, "+3%"),
        (0.0, "+0%"),  # a flat rate keeps the sign, as documented
        (-0.004, "+0%"),  # rounds to zero: no "-0%"
        (0.12, "+12%"),
    ],
)
def test_growth_sign_and_rounding(rate, expected):
    assert display.growth(rate, "fr") == expected


# --- Dutch and English formats -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "2.800€"), ("nl", "€ 2.800"), ("en", "€2,800")],
)
def test_money_per_language(lang, expected):
    assert display.money(2800, lang) == expected


@pytest.mark.parametrize(("lang", "expected"), [("nl", "42 jaar"), ("en", "42 years")])
def test_age_per_language(lang, expected):
    assert display.age(42.2, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "tussen € 1.500 en € 2.500/week"),
        ("en", "between €1,500 and €2,500/week"),
    ],
)
def test_freelance_rate_per_language(lang, expected):
    assert display.freelance_rate(1500, 2500, "eur_per_week", lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fr", "4.500€-5.000€"), ("nl", "€ 4.500-€ 5.000"), ("en", "€4,500-€5,000")],
)
def test_salary_range_per_language(lang, expected):
    # Each bound in the language's money format, joined by a hyphen.
    assert display.salary_range(4520, 4960, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("nl", "tot € 5.000+"), ("en", "up to €5,000+")],
)
def test_salary_max_per_language(lang, expected):
    assert display.salary_max(5000, lang) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "70% (vaak via het netwerk)"),
        ("en", "70% (often through networking)"),
    ],
)
def test_insertion_per_language(lang, expected):
    assert display.insertion(0.7, "network", lang) == expected


def test_insertion_without_known_channel_is_just_the_rate():
    assert display.insertion(0.7, None, "fr") == "70%"
    assert display.insertion(0.7, "carrier_pigeon", "en") == "70%"


def test_freelance_rate_single_amount_and_units():
    # Same low and high: one amount; the unit word follows the language.
    assert display.freelance_rate(400, 400, "eur_per_day", "fr") == "400€/jour"
    # Only one bound known: that amount.
    assert display.freelance_rate(None, 2000, "eur_per_week", "nl") == "€ 2.000/week"
    assert display.freelance_rate(1500, None, "eur_per_week", "en") == "€1,500/week"
    # Unknown unit: no suffix.
    assert display.freelance_rate(1500, 2500, None, "en") == "between €1,500 and €2,500"


def test_freelance_rate_bounds_rounding_to_the_same_amount_show_one_amount():
    assert display.freelance_rate(1480, 1520, "eur_per_week", "fr") == "1.500€/semaine"


@pytest.mark.parametrize(
    ("low", "high", "unit", "expected"),
    [
        # realisateur-realisatrice in data/raw/facts/facts.csv: 450-900 EUR a day.
        (450, 900, "eur_per_day", "entre 450€ et 900€/jour"),
        (45, 60, "eur_per_hour", "entre 45€ et 60€/heure"),
    ],
)
def test_freelance_day_and_hour_rates_are_not_rounded_to_the_hundred(low, high, unit, expected):
    assert display.freelance_rate(low, high, unit, "fr") == expected


def test_salary_range_collapses_when_both_round_alike():
    # 4460 -> 4500 and 4540 -> 4500: one amount.
    assert display.salary_range(4460, 4540, "fr") == "4.500€"


# --- training ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((3, 5, True, "nl"), "3-5 jaar studie + ervaring"),
        ((3, 5, True, "en"), "3-5 years of study + experience"),
        ((3, 5, False, "fr"), "3-5 ans d'études"),
        ((3, 3, False, "fr"), "3 ans d'études"),  # min == max: one number
        ((3, 3, True, "en"), "3 years of study + experience"),
        ((None, 4, False, "fr"), "4 ans d'études"),  # one bound known
        ((2, None, False, "nl"), "2 jaar studie"),
        ((None, None, True, "fr"), "expérience"),  # only experience
        ((None, None, False, "fr"), ""),  # nothing known
        ((0, 3, False, "en"), "0-3 years of study"),  # 0 is a value, not "unknown"
    ],
)
def test_training(args, expected):
    assert display.training(*args) == expected


@pytest.mark.parametrize(("lang", "expected"), [("en", "1 year of study"), ("fr", "1 an d'études")])
def test_training_one_year_is_singular(lang, expected):
    assert display.training(1, 1, False, lang) == expected


# --- suppression reasons ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("fewer than 10 records", "fr", "moins de 10 observations"),
        ("fewer than 10 records", "nl", "minder dan 10 waarnemingen"),
        ("fewer than 10 records", "en", "fewer than 10 records"),
        ("fewer than 25 records", "fr", "moins de 25 observations"),
        ("history shorter than 3 years", "fr", "historique de moins de 3 ans"),
        ("history shorter than 3 years", "nl", "reeks korter dan 3 jaar"),
        ("no insertion data for this métier", "fr", "pas de données (insertion)"),
        ("no insertion data for this métier", "nl", "geen gegevens (inschakeling)"),
        ("no register data for this métier", "fr", "pas de données (registre)"),
        ("no facts data for this métier", "en", "no editorial source data"),
        ("primary: fewer than 10 records", "fr", "moins de 10 observations"),
        ("secondary: protects another withheld cell", "en", "withheld to protect another cell"),
        ("fewer than 10 employee wages", "nl", "minder dan 10 waargenomen lonen"),
    ],
)
def test_reason_translations(text, lang, expected):
    assert display.reason(text, lang) == expected


def test_reason_empty_and_unknown():
    assert display.reason(None, "fr") is None
    assert display.reason("", "fr") is None
    # Unknown text is shown as it came rather than lost.
    assert display.reason("withheld by the publisher", "nl") == "withheld by the publisher"
    # Patterns match the whole text only.
    assert display.reason("fewer than 10 records in 2024", "fr") == "fewer than 10 records in 2024"


# --- labels and regions -----------------------------------------------------------------


def test_labels_and_regions():
    assert display.label("box_title", "fr", year=2025) == "Le métier en chiffres (Belgique 2025)"
    assert display.label("box_title", "en", year=2025) == "The occupation in figures (Belgium 2025)"
    assert display.region_name("BE21", "nl") == "Antwerpen"
    assert display.region_name("BE10", "fr") == "Bruxelles-Capitale"
    assert display.region_name("ZZ99", "fr") == "ZZ99"


def test_every_label_exists_in_every_language():
    keys = set(display.LABELS["fr"])
    assert keys == set(display.LABELS["nl"]) == set(display.LABELS["en"])


# --- unknown language -------------------------------------------------------------------

CALLS_CHECKING_LANGUAGE = {
    "money": lambda lang: display.money(2800, lang),
    "headcount": lambda lang: display.headcount(196, lang),
    "percent": lambda lang: display.percent(0.35, lang),
    "growth": lambda lang: display.growth(0.05, lang),
    "insertion": lambda lang: display.insertion(0.7, "network", lang),
    "salary_range": lambda lang: display.salary_range(4500, 5000, lang),
    "freelance_rate": lambda lang: display.freelance_rate(1500, 2500, "eur_per_week", lang),
    "training": lambda lang: display.training(3, 5, True, lang),
    "label": lambda lang: display.label("salary", lang),
}
CALLS_NOT_CHECKING_LANGUAGE = {
    "age": lambda lang: display.age(42, lang),
    "salary_max": lambda lang: display.salary_max(5000, lang),
    "reason": lambda lang: display.reason("fewer than 10 records", lang),
}


@pytest.mark.parametrize("name", sorted(CALLS_CHECKING_LANGUAGE))
def test_unknown_language_raises_value_error(name):
    with pytest.raises(ValueError, match="de"):
        CALLS_CHECKING_LANGUAGE[name]("de")


@pytest.mark.parametrize("name", sorted(CALLS_NOT_CHECKING_LANGUAGE))
def test_unknown_language_raises_value_error_everywhere(name):
    with pytest.raises(ValueError, match="de"):
        CALLS_NOT_CHECKING_LANGUAGE[name]("de")
