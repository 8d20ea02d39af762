"""Reliability flags, rounding and vintage on the bundled sample, against values worked out
here from the raw files."""

from __future__ import annotations

import json
import math
import re

import duckdb
import polars as pl
import pytest
from conftest import BUNDLED_RAW, SHARED_DIR
from disclosure import sample_register
from typer.testing import CliRunner

from metiers.cli import app

SEED_SLUG = "directeur-directrice-de-postproduction"
RELIABLE_MIN_RECORDS, RELIABLE_MAX_CV = 30, 0.20  # the defaults of sources.toml


def rows(settings, sql: str, params: list | None = None) -> list[dict]:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.sql(sql, params=params).pl().to_dicts()


def expected_reliability(records: pl.DataFrame) -> dict:
    """CVs of a métier's figures in Y under Poisson sampling (weight = 1 / probability)."""
    weights = records["weight"].to_numpy()
    total = weights.sum()
    factor = weights * (weights - 1)

    def ratio_se(values) -> tuple[float, float]:
        estimate = (weights * values).sum() / total
        return math.sqrt((factor * (values - estimate) ** 2).sum()) / total, estimate

    women_se, women = ratio_se((records["sex"] == "F").cast(pl.Float64).to_numpy())
    self_se, self_share = ratio_se((records["status"] == "self_employed").to_numpy() * 1.0)
    age_se, mean_age = ratio_se(records["age"].cast(pl.Float64).to_numpy())

    def share_cv(se: float, share: float) -> float:
        return 0.0 if se == 0 else se / min(share, 1 - share)

    cvs = {
        "headcount": math.sqrt(factor.sum()) / total,
        "share_women": share_cv(women_se, women),
        "share_self_employed": share_cv(self_se, self_share),
        "average_age": age_se / mean_age,
    }
    weighted = bool((weights != 1).any())
    flags = {
        name: "low"
        if (weighted and len(records) < RELIABLE_MIN_RECORDS) or cv > RELIABLE_MAX_CV
        else "reliable"
        for name, cv in cvs.items()
    }
    return {"cv": cvs, "reliability": flags}


def test_sample_reliability_matches_a_second_computation(bundled_mart) -> None:
    register = sample_register()
    year = register["year"].max()
    figures = {
        row["slug"]: row
        for row in rows(bundled_mart, "SELECT * FROM metier_figures WHERE headcount IS NOT NULL")
    }
    weighted_seen = 0
    for slug, records in register.filter(pl.col("year") == year).group_by("slug"):
        slug = slug[0]
        if slug not in figures:
            continue
        expected = expected_reliability(records)
        weighted_seen += expected["cv"]["headcount"] > 0
        for name, cv in expected["cv"].items():
            assert figures[slug][f"{name}_cv"] == pytest.approx(cv, abs=1e-12), (slug, name)
            assert figures[slug][f"{name}_reliability"] == expected["reliability"][name]
    assert weighted_seen >= 3, "the sample has weighted métiers"


def test_low_reliability_is_shown_in_every_language(bundled_mart) -> None:
    """Wherever a figure is flagged low, its card line carries the word, and only then."""
    words = {"fr": "peu fiable", "nl": "weinig betrouwbaar", "en": "low reliability"}
    figures = {row["slug"]: row for row in rows(bundled_mart, "SELECT * FROM metier_figures")}
    lines = {"headcount": "headcount", "share_women": "share_women", "average_age": "average_age"}
    checked = 0
    for card in rows(bundled_mart, "SELECT * FROM metier_cards"):
        for figure, line in lines.items():
            if card[line] is None:
                continue
            flagged = figures[card["slug"]][f"{figure}_reliability"] == "low"
            assert card[line].endswith(f"({words[card['lang']]})") == flagged
            checked += flagged
    # Eurostat's u travels to the context line, in words, and as a reliability column
    for context in rows(bundled_mart, "SELECT * FROM metier_context"):
        assert (context["reliability"] == "low") == ("u" in (context["flag"] or ""))
    unreliable = rows(
        bundled_mart,
        "SELECT cards.lang, cards.context FROM metier_cards AS cards JOIN metier_context "
        "USING (slug) WHERE metier_context.reliability = 'low'",
    )
    assert unreliable
    assert all(words[row["lang"]] in row["context"] for row in unreliable)


def test_seed_card_is_reliable_and_rounded_as_the_page(bundled_mart) -> None:
    """Every rounding rule on the seed page: ~200, +5%, 42 ans, 35%, 2.800€, 4.500€-5.000€;
    none carries a reliability warning (a census métier with steady wages)."""
    card = rows(
        bundled_mart, "SELECT * FROM metier_cards WHERE slug = ? AND lang = 'fr'", [SEED_SLUG]
    )[0]
    page = SHARED_DIR / "seed" / "fiche-directeur-postproduction.txt"
    shown = [card[line] for line in ("headcount", "growth", "average_age", "share_women")]
    shown += [card["salary_entry"], card["salary_senior"], card["salary_senior_max"]]
    assert shown == ["~200", "+5%", "42 ans", "35%", "2.800€", "4.500€-5.000€", "jusqu'à 5.000€+"]
    if page.exists():
        page_text = page.read_text(encoding="utf-8")
        assert all(string in page_text for string in shown)


def test_card_strings_follow_one_rule_per_indicator(bundled_mart) -> None:
    """Every French card string of the sample has its indicator's form."""
    forms = {
        "headcount": r"~\d{1,2}(\.0+)?(\d|\.\d{3})*",  # two significant figures
        "growth": r"[+-]\d+%",
        "share_women": r"\d+%",
        "share_self_employed": r"\d+%",
        "average_age": r"\d+ ans",
        "salary_entry": r"\d{1,3}(\.\d00)€|\d00€",  # nearest hundred
    }
    for card in rows(bundled_mart, "SELECT * FROM metier_cards WHERE lang = 'fr'"):
        for line, form in forms.items():
            value = card[line]
            if value is None:
                continue
            value = value.removesuffix(" (peu fiable)")
            assert re.fullmatch(form, value), (card["slug"], line, value)
            if line == "headcount":
                digits = value[1:].replace(".", "").rstrip("0")
                assert len(digits) <= 2, value


def test_vintage_of_the_seed_card(bundled_mart) -> None:
    """Reference year (latest register file), growth period (Y-5..Y), insertion cohort and
    each cited source's edition, on the card and in the JSON."""
    years = sorted(
        int(re.search(r"(\d{4})", path.name).group(1))
        for path in (BUNDLED_RAW / "register").iterdir()
    )
    reference = years[-1]
    figures = rows(bundled_mart, "SELECT * FROM metier_figures WHERE slug = ?", [SEED_SLUG])[0]
    cohort = figures["insertion_rate_period"]
    card = rows(
        bundled_mart, "SELECT vintage FROM metier_cards WHERE slug = ? AND lang = 'fr'",
        [SEED_SLUG],
    )[0]["vintage"]  # fmt: skip
    assert card.startswith(
        f"Belgique {reference} · croissance {reference - 5}-{reference} · "
        f"insertion : cohorte {cohort} · éditions: "
    )
    assert f"registre de l'emploi {reference}" in card
    assert f"suivi des sortants de formation {cohort}" in card
    result = CliRunner().invoke(
        app,
        ["figures", SEED_SLUG, "--format", "json", "--lang", "en",
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    vintage = json.loads(result.output)["vintage"]
    assert vintage["reference_year"] == reference
    assert vintage["growth_period"] == f"{reference - 5}-{reference}"
    assert vintage["editions"]["register"] == str(reference)
    assert vintage["display"].startswith(f"Belgium {reference} · growth ")
    text = (
        CliRunner()
        .invoke(app, ["figures", SEED_SLUG, "--marts-dir", str(bundled_mart.marts_dir)])
        .output
    )
    assert f"Millésime: {card}" in text
