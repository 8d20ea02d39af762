"""The card as an HTML page: the seed page's French strings, number formats per language,
footnotes, the trend chart, a self-contained file, and every string in FR, NL and EN."""

from __future__ import annotations

import csv
import itertools
import re
import string
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import BUNDLED_RAW, SHARED_DIR
from deliverytools import SEED_SLUG, raw_headcounts, read_card
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.methodology import cards, display
from metiers.present import mart, page

runner = CliRunner()
SEED_PAGE = SHARED_DIR / "seed" / "fiche-directeur-postproduction.txt"


@pytest.fixture(scope="module")
def pages(bundled_mart: Settings) -> dict[str, str]:
    with mart.connect_published(bundled_mart.marts_dir) as connection:
        return {lang: page.render(connection, SEED_SLUG, lang) for lang in display.LANGUAGES}


def seed_box_lines() -> list[str]:
    """The six lines under '📊 Le métier en chiffres' on the real page."""
    if not SEED_PAGE.exists():
        pytest.skip(f"seed page missing: {SEED_PAGE}")
    lines = [line.strip() for line in SEED_PAGE.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("📊 Le métier en chiffres"))
    return [line for line in lines[start + 1 :] if line][:6]


def test_french_box_reads_like_the_seed_page(pages: dict[str, str]) -> None:
    reader = read_card(pages["fr"])
    shown = [
        f"{reader.figures[line]['value']} {reader.figures[line]['label']}"
        for line in cards.BOX_LINES
    ]
    assert shown == seed_box_lines()
    assert "Le métier en chiffres (Belgique 2025)" in pages["fr"]


def test_french_salary_lines_carry_the_seed_amounts(pages: dict[str, str]) -> None:
    seed = SEED_PAGE.read_text(encoding="utf-8") if SEED_PAGE.exists() else ""
    lines = read_card(pages["fr"]).lines
    assert lines["salary_entry"] == "Débutant: 2.800€ brut/mois"
    assert lines["salary_senior"] == "Expérimenté: 4.500€-5.000€ (jusqu'à 5.000€+)"
    assert lines["freelance_rate"] == "Freelance: entre 1.500€ et 2.500€/semaine"
    if seed:
        # The seed page's FAQ: "entre 1.500€ et 2.500€/semaine", "atteindre 4.500€-5.000€".
        assert "entre 1.500€ et 2.500€/semaine" in seed
        assert "4.500€-5.000€" in seed
        assert "2.800€ brut" in seed
    assert lines["regions"].startswith("Bruxelles-Capitale, Brabant wallon, Liège")


@pytest.mark.parametrize(
    ("lang", "money", "age", "gross"),
    [
        ("fr", "2.800€", "42 ans", "brut/mois"),
        ("nl", "€ 2.800", "42 jaar", "bruto/maand"),
        ("en", "€2,800", "42 years", "gross/month"),
    ],
)
def test_number_formats_per_language(
    pages: dict[str, str], lang: str, money: str, age: str, gross: str
) -> None:
    reader = read_card(pages[lang])
    assert reader.lang == lang
    assert reader.figures["average_age"]["value"] == age
    assert reader.lines["salary_entry"].endswith(f"{money} {gross}")


def test_every_box_figure_points_to_its_footnote(pages: dict[str, str]) -> None:
    for lang, html in pages.items():
        reader = read_card(html)
        for line in cards.BOX_LINES:
            match = re.search(rf'data-figure="{line}".*?href="#note-(\d+)"', html)
            assert match, (lang, line)
            note = reader.footnotes[int(match.group(1)) - 1]
            assert note.startswith(display.label(line, lang) + ": "), (lang, line, note)
        headcount_note = next(n for n in reader.footnotes if "2025 (register/" in n)
        assert headcount_note


def test_page_is_self_contained(pages: dict[str, str]) -> None:
    for html in pages.values():
        reader = read_card(html)
        assert reader.external == []
        assert all(link.startswith("#note-") for link in reader.links)
        # url() only for a pattern of the page itself (the hatching of withheld cells),
        # never for a file or an address; and every such reference is defined on the page.
        targets = re.findall(r"url\(\s*['\"]?([^)'\"]*)", html)
        assert all(target.startswith("#") for target in targets), targets
        assert all(f'id="{target[1:]}"' in html for target in targets), targets
        assert "@import" not in html


def test_trend_chart_follows_the_register(pages: dict[str, str]) -> None:
    expected = raw_headcounts("2654.2")
    points = re.findall(
        r'data-year="(\d+)" data-headcount="([\d.]+)" cx="([\d.]+)" cy="([\d.]+)"', pages["fr"]
    )
    assert {int(year): float(count) for year, count, _, _ in points} == expected
    # Later years to the right; more people, higher on the chart (smaller y).
    by_year = sorted((int(year), float(count), float(x), float(y)) for year, count, x, y in points)
    assert all(a[2] < b[2] for a, b in itertools.pairwise(by_year))
    for a, b in itertools.pairwise(by_year):
        assert (a[1] < b[1]) == (a[3] > b[3])


def test_trend_chart_leaves_a_gap_for_withheld_years() -> None:
    rows = [
        {"year": 2021, "headcount": 40.0},
        {"year": 2022, "headcount": 50.0},
        {"year": 2023, "headcount": None},
        {"year": 2024, "headcount": 60.0},
        {"year": 2025, "headcount": 70.0},
    ]
    svg = page.trend_svg(rows, "en")
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4
    assert ">2023</text>" in svg


def test_withheld_box_figure_says_why() -> None:
    figures = {"slug": "x", "share_women_suppressed": "fewer than 10 records"}
    card = {"title": "X", "box_title": "Box", "headcount": "~50"}
    html = page.card_html(figures, card, [], {"version": "v1"}, "nl")
    reader = read_card(html)
    assert (
        reader.figures["share_women"]["value"]
        == "— (niet gepubliceerd: minder dan 10 waarnemingen)"
    )


TRANSLATION_TABLES = {
    "display.REGION_NAMES": display.REGION_NAMES,
    "display.CHANNELS": display.CHANNELS,
    "display.RATE_UNITS": display.RATE_UNITS,
    "display.REASONS": display.REASONS,
    "display.FLAG_TEXTS": display.FLAG_TEXTS,
    "display.EUROSTAT_FLAGS": display.EUROSTAT_FLAGS,
    "display.COUNTRY_NAMES": display.COUNTRY_NAMES,
    "display.SOURCE_WORDS": display.SOURCE_WORDS,
    "cards.SOURCE_NAMES": cards.SOURCE_NAMES,
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_label_exists_in_every_language_with_the_same_placeholders() -> None:
    missing = []
    for key, french in display.LABELS["fr"].items():
        for lang in display.LANGUAGES:
            text = display.LABELS[lang].get(key)
            if not text:
                missing.append(f"LABELS[{lang}][{key}]")
            elif placeholders(text) != placeholders(french):
                missing.append(f"LABELS[{lang}][{key}] placeholders {placeholders(text)}")
    for lang in display.LANGUAGES:
        extra = set(display.LABELS[lang]) - set(display.LABELS["fr"])
        missing += [f"LABELS[{lang}][{key}] has no French" for key in extra]
    assert missing == []


@pytest.mark.parametrize("table", sorted(TRANSLATION_TABLES))
def test_every_display_string_exists_in_every_language(table: str) -> None:
    missing = [
        f"{table}[{key}][{lang}]"
        for key, texts in TRANSLATION_TABLES[table].items()
        for lang in display.LANGUAGES
        if not texts.get(lang)
    ]
    assert missing == []


def test_every_card_is_complete_in_every_language(bundled_mart: Settings) -> None:
    """Titles come from the catalogue; no card shows a blank, 'None' or an unfilled label."""
    with (BUNDLED_RAW / "metiers" / "metiers.csv").open(encoding="utf-8") as handle:
        catalogue = {row["slug"]: row for row in csv.DictReader(handle)}
    problems = []
    with mart.connect_published(bundled_mart.marts_dir) as connection:
        slugs = [row["slug"] for row in mart.list_metiers(connection)]
        assert set(slugs) == set(catalogue)
        for slug in slugs:
            for lang in display.LANGUAGES:
                html = page.render(connection, slug, lang)
                reader = read_card(html)
                title = unescape(re.search(r"<h1>(.*?)</h1>", html).group(1))
                if not title or title != catalogue[slug][f"title_{lang}"]:
                    problems.append(f"{slug} {lang}: title {title!r}")
                for line, parts in reader.figures.items():
                    if not parts["value"].strip() or not parts["label"].strip():
                        problems.append(f"{slug} {lang}: {line} blank")
                text = re.sub(r"<[^>]+>", " ", html.split("</style>")[-1])
                for marker in ("None", "{", "nan"):
                    if re.search(rf"(?<![\w]){re.escape(marker)}(?![\w])", text):
                        problems.append(f"{slug} {lang}: '{marker}' on the page")
    assert problems == []


def test_card_command_writes_page_and_svg(bundled_mart: Settings, tmp_path: Path) -> None:
    out, svg = tmp_path / "card.html", tmp_path / "trend.svg"
    result = runner.invoke(
        app,
        ["card", SEED_SLUG, "--lang", "nl", "--out", str(out), "--svg", str(svg),
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_card(out.read_text(encoding="utf-8")).lang == "nl"
    chart = svg.read_text(encoding="utf-8")
    assert chart.startswith("<?xml") and chart.count("<circle") == len(raw_headcounts("2654.2"))
    missing = runner.invoke(
        app, ["card", "directeur-postprod", "--out", str(out), "--marts-dir",
              str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert missing.exit_code == 2
    assert SEED_SLUG in missing.output


def test_page_states_its_vintage_and_withheld_regions(pages: dict[str, str]) -> None:
    """Reference year, growth span and insertion cohort, as the raw files give them: the
    register's last year is 2025, the growth span starts five years earlier, the insertion
    workbook's last cohort is 2024. Regions with fewer than 10 records in 2025 are listed
    with the reason."""
    years = sorted(int(path.stem.split("_")[1]) for path in (BUNDLED_RAW / "register").iterdir())
    expected = {
        "fr": (f"Belgique {years[-1]}", f"croissance {years[-1] - 5}-{years[-1]}", "cohorte 2024"),
        "nl": (f"België {years[-1]}", f"groei {years[-1] - 5}-{years[-1]}", "cohorte 2024"),
        "en": (f"Belgium {years[-1]}", f"growth {years[-1] - 5}-{years[-1]}", "2024 cohort"),
    }
    for lang, parts in expected.items():
        vintage = re.search(r'<p class="vintage" data-line="vintage">(.*?)</p>', pages[lang])
        assert vintage, lang
        assert vintage.group(1).startswith('<svg class="icon" data-icon="vintage"')
        text = unescape(re.sub(r"<svg.*?</svg>\s*", "", vintage.group(1)))
        assert text.startswith(f"{display.label('vintage', lang)}: ")
        for part in parts:
            assert part in text, (lang, part, text)
    withheld = re.findall(r'<li data-line="region-withheld">(.*?)</li>', pages["fr"])
    assert withheld and "moins de 10 observations" in unescape(withheld[0])


# -- text from the mart is text, never markup -------------------------------------------------

# Each breaks out of a different context: an element, a double- or single-quoted attribute,
# the inline SVG, an entity.
HOSTILE = "<script>alert(1)</script>\"onmouseover=alert(2) x=\"' onfocus='alert(3)</svg>&amp;"
HEADCOUNT_NOTE = f"{display.label('headcount', 'fr')}: "


class Markup(HTMLParser):
    """Every element and attribute name a browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)


def test_hostile_text_from_the_mart_is_escaped_wherever_it_is_written() -> None:
    """Every string of the card's row, the slug, a suppression reason and the version carry
    markup; each is written, as html.escape escapes it, exactly where the page shows it (and
    nowhere raw), so the page keeps its own elements and attributes and nothing else."""
    lines = ("headcount", "growth", "insertion", "average_age", "training")
    value = {name: f"{HOSTILE}[{name}]" for name in (
        "title", "box_title", *lines, "salary_entry", "salary_senior", "salary_senior_max",
        "freelance_rate", "share_self_employed", "regions", "withheld_1", "withheld_2",
        "context_1", "context_2", "vintage", "note_1", "note_2", "slug", "reason", "version",
    )}  # fmt: skip
    card = {name: value[name] for name in ("title", "box_title", *lines, "vintage")} | {
        "salary_entry": value["salary_entry"],
        "salary_senior": value["salary_senior"],
        "salary_senior_max": value["salary_senior_max"],
        "freelance_rate": value["freelance_rate"],
        "share_self_employed": value["share_self_employed"],
        "regions": value["regions"],
        "regions_withheld": f"{value['withheld_1']}\n{value['withheld_2']}",
        "context": f"{value['context_1']}\n{value['context_2']}",
        # The second note starts with the headcount label: the box links to it.
        "footnotes": f"{value['note_1']}\n{HEADCOUNT_NOTE}{value['note_2']}",
    }
    figures = {"slug": value["slug"], "share_women_suppressed": value["reason"]}
    trend = [{"year": 2024, "headcount": 40.0}, {"year": 2025, "headcount": 50.0}]
    html = page.card_html(figures, card, trend, {"version": value["version"]}, "fr")
    # Jinja writes the quotes as &#34; and &#39;, html.escape as &quot; and &#x27;: the same
    # characters, spelled two ways.
    canonical = html.replace("&#34;", "&quot;").replace("&#39;", "&#x27;")

    # Where each value is shown: the title in <title> and <h1>, the box title in <title> and
    # its heading, the version in two data-version attributes and the publication line.
    places = dict.fromkeys(value, 1) | {"title": 2, "box_title": 2, "version": 3}
    for name, text in value.items():
        assert canonical.count(escape(text)) == places[name], name
    assert canonical.count(escape(HOSTILE)) == sum(places.values())
    for raw in ("<script>", "</script>", '"onmouseover=', "' onfocus='"):
        assert raw not in html, raw

    markup = Markup()
    markup.feed(html)
    assert "script" not in markup.tags
    # the chart's own, and the section icons the template draws (icons.svg.j2)
    icons = len(re.findall(r'<svg class="icon" data-icon="[a-z]+" aria-hidden="true"', html))
    assert icons >= 4
    assert markup.tags.count("svg") == 1 + icons and html.count("</svg>") == 1 + icons
    assert not {name for name in markup.attributes if name.startswith("on")}
    reader = read_card(html)
    assert unescape(re.search(r"<h1>(.*?)</h1>", html).group(1)) == value["title"]
    assert reader.figures["headcount"]["value"] == value["headcount"]
    assert re.search(r'data-figure="headcount".*?href="#note-2"', html)
    assert reader.figures["share_women"]["value"] == f"— (non publié: {value['reason']})"
    assert reader.footnotes == [value["note_1"], HEADCOUNT_NOTE + value["note_2"]]


def test_templates_escape_and_refuse_undefined_names() -> None:
    """The page's environment escapes every value and fails on a name it was not given,
    rather than writing an empty string where a figure should be."""
    import jinja2

    assert page.TEMPLATES.autoescape is True
    assert page.TEMPLATES.undefined is jinja2.StrictUndefined
    with pytest.raises(jinja2.UndefinedError):
        page.TEMPLATES.get_template("card.html.j2").render()


def test_trend_chart_has_round_ticks_up_to_the_largest_value() -> None:
    """The y axis reads 0, 20, 40, 60, 80 for headcounts up to 70 (steps of 1, 2 or 5 times
    a power of ten, at most five), not just 0 and the maximum; a point of 40 sits exactly at
    the height of the 40 tick."""
    assert page.nice_ticks(200) == [0, 50, 100, 150, 200]
    assert page.nice_ticks(1234) == [0, 500, 1000, 1500]
    assert page.nice_ticks(0.5) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    rows = [{"year": 2021, "headcount": 40.0}, {"year": 2022, "headcount": 70.0}]
    svg = page.trend_svg(rows, "en")
    labels = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg)
    assert labels == ["0", "20", "40", "60", "80"]
    tick_40 = re.search(r'<line class="axis" x1="[\d.]+" y1="([\d.]+)"[^>]*/>\s*<text class="tick"'
                        r'[^>]*>40<', svg)  # fmt: skip
    point_40 = re.search(r'data-headcount="40" cx="[\d.]+" cy="([\d.]+)"', svg)
    assert tick_40 and point_40 and tick_40.group(1) == point_40.group(1)


def test_section_icons_are_inline_svg_not_emoji(pages: dict[str, str]) -> None:
    """Emoji render as empty boxes without a colour-emoji font (the test browser has none):
    every section heading carries an inline SVG icon hidden from screen readers, and the page
    holds no pictographic character at all."""
    pictographs = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")
    for lang, html in pages.items():
        assert not pictographs.search(html), (lang, pictographs.findall(html)[:5])
        headings = [
            heading
            for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", html)
            if heading != display.label("sources", lang)  # footnotes: no icon, as before
        ]
        assert len(headings) >= 4, lang
        for heading in headings:
            assert heading.startswith('<svg class="icon"'), (lang, heading[:60])
            assert 'aria-hidden="true"' in heading.split("</svg>")[0]
