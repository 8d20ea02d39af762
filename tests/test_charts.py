"""The card's charts and its accessibility, over every métier of the sample in FR, NL and EN:
the salary chart against metier_salaries (queried here), the growth period of the trend chart
against metier_figures.growth_rate_period, no withheld value anywhere (recomputed from the raw
register), titles and descriptions on every chart, colour plus pattern for withheld cells,
`lang`, a WCAG 2 contrast ratio of at least 4.5:1 for every text colour on every background
of the page's CSS, and pages under 60 KB."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import duckdb
import pytest
from disclosure import assert_values_absent
from test_disclosure import sample_register, withheld_truth

from metiers.core.config import Settings
from metiers.methodology import display
from metiers.present import charts, mart, page

LANGS = ("fr", "nl", "en")
BAND_ORDER = ["0-2", "3-9", "10+"]
PAGE_LIMIT = 60 * 1000  # bytes: "under 60 KB", taken strictly


@pytest.fixture(scope="module")
def rendered(bundled_mart: Settings) -> dict[tuple[str, str], dict[str, str]]:
    """Every card page and its two standalone charts, per (slug, lang)."""
    out = {}
    with mart.connect_published(bundled_mart.marts_dir) as connection:
        for row in mart.list_metiers(connection):
            for lang in LANGS:
                out[row["slug"], lang] = {
                    "html": page.render(connection, row["slug"], lang),
                    "salary": page.render_salary_svg(connection, row["slug"], lang),
                    "trend": page.render_trend_svg(connection, row["slug"], lang),
                }
    return out


@pytest.fixture(scope="module")
def connection(bundled_mart: Settings):
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as opened:
        yield opened


def reference_bands(connection: duckdb.DuckDBPyConnection, slug: str) -> list[tuple]:
    """metier_salaries of the métier's reference year, read straight from the mart."""
    return connection.execute(
        "SELECT s.band, s.p10, s.median, s.p90, s.suppressed FROM metier_salaries s "
        "JOIN metier_figures f ON f.slug = s.slug AND f.reference_year = s.year "
        "WHERE s.slug = ?",
        [slug],
    ).fetchall()


class SvgReader(HTMLParser):
    """The salary chart's band groups and what each holds: its attributes, its texts, and
    the fills of its bars."""

    def __init__(self) -> None:
        super().__init__()
        self.bands: list[dict] = []
        self._band: dict | None = None
        self._text: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "g" and "data-band" in values:
            self._band = {"attrs": values, "texts": [], "rects": []}
            self.bands.append(self._band)
        elif self._band is not None and tag == "rect":
            self._band["rects"].append(values)
        self._text = (values.get("class") or "") if tag == "text" else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "g":
            self._band = None
        self._text = None

    def handle_data(self, data: str) -> None:
        if self._band is not None and self._text is not None:
            self._band["texts"].append((self._text, data))


def salary_svg_of(html: str) -> str:
    found = re.search(r'<svg[^>]*class="salary-chart".*?</svg>', html, re.S)
    assert found, "no salary chart on the page"
    return found.group(0)


def read_bands(svg: str) -> list[dict]:
    reader = SvgReader()
    reader.feed(svg)
    return reader.bands


# -- the salary chart ---------------------------------------------------------------------


def test_salary_chart_draws_metier_salaries_of_the_reference_year(
    rendered: dict, connection: duckdb.DuckDBPyConnection
) -> None:
    """Every band of the reference year, in the order of experience, with its p10, median
    and p90 to the cent; bars proportional to the median (same euros per pixel in every
    band); withheld bands hatched, without a value, and with the rule in words."""
    checked_published = checked_withheld = 0
    codes = {
        (slug, band): (code, params)
        for slug, band, code, params in connection.execute(
            "SELECT s.slug, s.band, s.suppression_code, s.suppression_params "
            "FROM metier_salaries s JOIN metier_figures f "
            "ON f.slug = s.slug AND f.reference_year = s.year"
        ).fetchall()
    }
    for (slug, lang), outputs in rendered.items():
        expected = {band: rest for band, *rest in reference_bands(connection, slug)}
        if not expected:  # no employee in the reference year: no chart on the card
            assert 'class="salary-chart"' not in outputs["html"]
            assert display.label("not_published", lang) in outputs["salary"]
            continue
        for svg in (salary_svg_of(outputs["html"]), outputs["salary"]):
            bands = read_bands(svg)
            assert [band["attrs"]["data-band"] for band in bands] == [
                name for name in BAND_ORDER if name in expected
            ], slug
            scales = []
            for band in bands:
                attrs = band["attrs"]
                p10, median, p90, suppressed = expected[attrs["data-band"]]
                if suppressed is None:
                    assert "withheld" not in attrs["class"]
                    for name, value in (("p10", p10), ("median", median), ("p90", p90)):
                        assert abs(float(attrs[f"data-{name}"]) - value) <= 0.005 + 1e-9, (
                            slug,
                            name,
                        )
                    bar = next(rect for rect in band["rects"] if rect.get("class") == "bar")
                    scales.append(float(bar["width"]) / median)
                    text = "".join(data for cls, data in band["texts"] if cls == "band-values")
                    assert display.money(median, lang) in text
                    assert display.money(p90, lang) in text
                    checked_published += 1
                else:
                    assert attrs["class"] == "band withheld"
                    assert not {"data-p10", "data-median", "data-p90"} & set(attrs)
                    hatch = [rect for rect in band["rects"] if rect.get("class") == "withheld-bar"]
                    assert hatch and hatch[0]["fill"] == "url(#salary-withheld-hatch)"
                    words = "".join(data for cls, data in band["texts"] if cls == "band-values")
                    code, params = codes[slug, attrs["data-band"]]
                    reason = display.reason_text(code, params, lang)
                    assert words == f"{display.label('not_published', lang)}: {reason}"
                    checked_withheld += 1
            if scales:
                assert max(scales) - min(scales) < 0.01 * max(scales), (slug, scales)
    assert checked_published > 100 and checked_withheld > 10


def test_salary_chart_shows_no_amount_but_the_published_ones(
    rendered: dict, connection: duckdb.DuckDBPyConnection
) -> None:
    """The euro amounts written in the chart are exactly the published bands' p10, median
    and p90 and the axis' round amounts: nothing of a withheld band can slip in."""
    money = re.compile(r"€\s?\d{1,3}(?:[.,]\d{3})*|\d{1,3}(?:[.,]\d{3})*€")
    for (slug, lang), outputs in rendered.items():
        svg = outputs["salary"]
        bands = reference_bands(connection, slug)
        allowed = {
            display.money(value, lang)
            for _, p10, median, p90, suppressed in bands
            if suppressed is None
            for value in (p10, median, p90)
        }
        ticks = set(re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg))
        for tick in ticks:
            amount = int(re.sub(r"\D", "", tick))
            assert amount % 500 == 0 or amount < 500, tick
        shown = set(money.findall(unescape(svg)))
        assert shown <= allowed | ticks, (slug, lang, shown - allowed - ticks)


def test_withheld_values_appear_nowhere_on_the_card_or_its_charts(
    rendered: dict, connection: duckdb.DuckDBPyConnection
) -> None:
    """Each withheld wage band and regional cell of the sample, recomputed from the raw
    register (tests/test_disclosure.py): absent from the page and both SVGs in every
    language, written as the mart would (any precision) or to the cent as a chart would."""
    withheld = withheld_truth(sample_register(), connection)
    assert sum(len(values) for values in withheld.values()) > 50
    for (slug, lang), outputs in rendered.items():
        values = withheld.get(slug, [])
        for name, text in outputs.items():
            assert_values_absent(text, values, f"{name} of {slug} ({lang})")
            cents = [f"{value:.2f}" for value in values if value > 100]  # wages, not shares
            assert not [cent for cent in cents if re.search(rf"(?<![\d.]){cent}(?!\d)", text)]


def test_salary_chart_of_rows_orders_bands_and_hides_withheld_values() -> None:
    """Bands by experience, not alphabetically ('10+' after '3-9'); a withheld row brings
    no number even when its row (wrongly) holds one: the chart reads the reason only."""
    rows = [
        {"band": "10+", "year": 2025, "p10": 3000.0, "median": 4000.0, "p90": 5000.0},
        {"band": "0-2", "year": 2025, "p10": 2000.0, "median": 2500.0, "p90": 3000.0},
        {"band": "3-9", "year": 2025, "p10": None, "median": None, "p90": None,
         "suppression_code": "primary", "suppression_params": '{"min_records": 10}'},
        {"band": "0-2", "year": 2024, "p10": 1.0, "median": 1234.56, "p90": 2.0},
    ]  # fmt: skip
    chart = charts.salary_chart(rows, 2025, "en")
    assert [band["band"] for band in chart["bands"]] == ["0-2", "3-9", "10+"]
    assert chart["bands"][1]["withheld"] and chart["bands"][1]["text"] == (
        "not published: fewer than 10 records"
    )
    # 4000 on an axis to 5000: 4/5 of the plot's width; 2500: half of it.
    plot = charts.SALARY_WIDTH - charts.SALARY_LEFT - charts.SALARY_RIGHT
    assert chart["bands"][2]["width"] == pytest.approx(plot * 4 / 5, abs=0.1)
    assert chart["bands"][0]["width"] == pytest.approx(plot / 2, abs=0.1)
    svg = page.salary_svg(chart)
    assert "1234" not in svg and "2024" not in svg
    assert charts.salary_chart(rows, 2023, "en") is None


def test_salary_chart_escapes_what_the_mart_gives() -> None:
    """A band name or a withheld reason holding markup is written as text."""
    rows = [
        {"band": "<script>alert(1)</script>", "year": 2025, "p10": 1.0, "median": 2.0,
         "p90": 3.0},
        {"band": "3-9", "year": 2025, "p10": None, "median": None, "p90": None,
         "suppressed": "<b onmouseover=x>primary</b>: fewer than 10 records"},
    ]  # fmt: skip
    svg = page.salary_svg(charts.salary_chart(rows, 2025, "fr"))
    assert "<script>" not in svg and "<b " not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert [band["attrs"]["data-band"] for band in read_bands(svg)] == [
        "3-9",
        "<script>alert(1)</script>",
    ]


# -- the trend chart's growth period ------------------------------------------------------


def test_trend_chart_marks_the_growth_period_of_metier_figures(
    rendered: dict, connection: duckdb.DuckDBPyConnection
) -> None:
    """The shaded band spans the years of metier_figures.growth_rate_period (read here),
    from the x of its first year's label to its last one's, and names the period and the
    card's growth string."""
    periods = dict(
        connection.execute("SELECT slug, growth_rate_period FROM metier_figures").fetchall()
    )
    growth = dict(
        connection.execute("SELECT slug, growth FROM metier_cards WHERE lang = 'en'").fetchall()
    )
    marked = 0
    for (slug, lang), outputs in rendered.items():
        for svg in (outputs["trend"], outputs["html"]):
            mark = re.search(
                r'<g class="growth-period" data-first="(\d+)" data-last="(\d+)">\s*'
                r'<rect x="([\d.]+)"[^>]*width="([\d.]+)".*?'
                r'<text class="growth-label"[^>]*>([^<]+)</text>',
                svg,
                re.S,
            )
            if periods[slug] is None:
                assert mark is None
                continue
            first, last = (int(year) for year in periods[slug].split("-"))
            assert mark, (slug, lang)
            assert (int(mark.group(1)), int(mark.group(2))) == (first, last)
            label_x = {
                int(year): float(x)
                for x, year in re.findall(
                    r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">(\d{4})<', svg
                )
            }
            assert float(mark.group(3)) == label_x[first]
            assert float(mark.group(3)) + float(mark.group(4)) == pytest.approx(
                label_x[last], abs=0.11
            )
            text = unescape(mark.group(5))
            assert periods[slug] in text and display.label("growth", lang) in text
            if lang == "en" and growth[slug]:
                assert text.endswith(growth[slug])
            marked += 1
    assert marked >= len(rendered)


def test_growth_period_is_clipped_to_the_chart_and_skipped_when_unknown() -> None:
    rows = [{"year": year, "headcount": 10.0 + year - 2019} for year in range(2019, 2026)]
    svg = page.trend_svg(rows, "fr", {"period": "2017-2021", "shown": "+3%"})
    assert 'data-first="2019" data-last="2021"' in svg
    assert "Croissance annuelle 2017-2021: +3%" in svg
    assert "growth-period" not in page.trend_svg(rows, "fr", {"period": "2010-2012", "shown": None})
    assert "growth-period" not in page.trend_svg(rows, "fr", None)
    withheld = page.trend_svg(rows, "en", {"period": "2020-2025", "shown": None})
    assert "Annual growth 2020-2025: not published" in withheld


# -- accessibility and weight -------------------------------------------------------------


class Charts(HTMLParser):
    """Every <svg> of a page with its attributes, and the <title>/<desc> it directly holds."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict] = []
        self.ids: dict[str, str] = {}
        self._open: list[dict] = []
        self._capture: tuple[dict, str] | None = None
        self._id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg":
            svg = {"attrs": values, "title": "", "desc": "", "depth": 0}
            self.svgs.append(svg)
            self._open.append(svg)
            return
        if self._open:
            svg = self._open[-1]
            svg["depth"] += 1
            if tag in ("title", "desc") and svg["depth"] == 1:
                self._capture = (svg, tag)
                self._id = values.get("id")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._open:
            self._open.pop()
        elif self._open:
            self._open[-1]["depth"] -= 1
        if tag in ("title", "desc"):
            self._capture = None
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            svg, tag = self._capture
            svg[tag] += data
            if self._id:
                self.ids[self._id] = self.ids.get(self._id, "") + data


def test_every_chart_has_a_title_a_description_and_role_img(
    rendered: dict, connection: duckdb.DuckDBPyConnection
) -> None:
    """Charts are images with a name and a description (`role="img"`, `<title>`, `<desc>`,
    named by aria-labelledby); icons are decorative and hidden from screen readers."""
    without_bands = {slug for slug, _ in rendered if not reference_bands(connection, slug)}
    for (slug, lang), outputs in rendered.items():
        for name, text in outputs.items():
            reader = Charts()
            reader.feed(text)
            charts_seen = 0
            for svg in reader.svgs:
                attrs = svg["attrs"]
                if "icon" in (attrs.get("class") or "").split():
                    assert attrs.get("aria-hidden") == "true", (slug, name)
                    continue
                charts_seen += 1
                assert attrs.get("role") == "img", (slug, lang, name, attrs)
                assert svg["title"].strip() and svg["desc"].strip(), (slug, lang, name)
                named = attrs["aria-labelledby"].split()
                assert [reader.ids[ref] for ref in named] == [svg["title"], svg["desc"]]
            # the page: the trend chart, and the salary chart when the year has wage bands
            assert charts_seen >= 1, (slug, lang, name)
            if name == "html" and slug not in without_bands:
                assert 'class="salary-chart"' in text and charts_seen >= 2, (slug, lang)
        assert len(without_bands) < 5


def test_every_page_and_chart_names_its_language_and_pages_weigh_under_60_kb(
    rendered: dict,
) -> None:
    sizes = {}
    for (slug, lang), outputs in rendered.items():
        html = outputs["html"]
        assert re.search(r"<html lang=\"([a-z]+)\">", html).group(1) == lang
        for chart in (outputs["salary"], outputs["trend"]):  # the SVG files served alone
            assert re.search(r'<svg [^>]*xml:lang="([a-z]+)"', chart).group(1) == lang
        sizes[slug, lang] = len(html.encode("utf-8"))
    assert len(sizes) == 3 * len({slug for slug, _ in sizes}) >= 150
    heavy = {key: size for key, size in sizes.items() if size >= PAGE_LIMIT}
    assert heavy == {}


def test_withheld_cells_carry_a_pattern_and_words_not_colour_alone(rendered: dict) -> None:
    """Box figures, salary lines and regional lines that are withheld start with the hatched
    icon; withheld salary bands and trend years are drawn with a hatch pattern."""
    seen = {"box": 0, "region": 0, "band": 0, "year": 0}
    hatch_icon = '<svg class="icon" data-icon="withheld" aria-hidden="true"'
    for (slug, lang), outputs in rendered.items():
        html = outputs["html"]
        withheld_word = display.label("not_published", lang)
        for value in re.findall(
            r'<li class="figure withheld"[^>]*><span class="value">(.*?)</span> <span', html
        ):
            assert value.startswith(hatch_icon) and withheld_word in value, (slug, value)
            seen["box"] += 1
        for value in re.findall(r'<li data-line="region-withheld">(.*?)</li>', html):
            assert value.startswith(hatch_icon), (slug, value)
            seen["region"] += 1
        for value in re.findall(r'<span class="value">(— \(.*?|<svg.*?)</span>', html):
            if withheld_word in value:
                assert value.startswith(hatch_icon), (slug, value)
        for band in read_bands(outputs["salary"]):
            if "withheld" in band["attrs"]["class"]:
                seen["band"] += 1
        years = re.findall(r'<rect class="withheld" data-year="(\d+)"[^>]*fill="([^"]+)"', html)
        for _, fill in years:
            assert fill == "url(#trend-withheld-hatch)"
            assert 'id="trend-withheld-hatch"' in html
        seen["year"] += len(years)
        withheld_years = re.findall(
            r'<text x="[\d.]+" y="[\d.]+" text-anchor="middle">(\d{4})</text>', html
        )
        published_years = re.findall(r'<circle class="point" data-year="(\d+)"', html)
        assert sorted(year for year, _ in years) == sorted(
            set(withheld_years) - set(published_years)
        )
    assert all(count > 0 for count in seen.values()), seen


# -- contrast -----------------------------------------------------------------------------

HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2: 0.2126 R + 0.7152 G + 0.0722 B of the linearised sRGB channels."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance over the darker's."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_ratio_matches_known_values() -> None:
    """Reference pairs (WebAIM's checker): black on white 21:1, #777 on white 4.48:1 (just
    fails AA), #767676 on white 4.54:1 (the lightest grey that passes)."""
    assert contrast_ratio("#000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#fff") == pytest.approx(4.48, abs=0.005)
    assert contrast_ratio("#fff", "#767676") == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio("#0b4f9c", "#0b4f9c") == 1.0


def page_colours(html: str) -> tuple[set[str], set[str]]:
    """The text colours and the background colours a page declares: CSS `color`, the `fill`
    of CSS rules for SVG text and the `fill` attribute of <text> elements; CSS `background`
    and `background-color`, plus the white canvas."""
    css = "".join(re.findall(r"<style>(.*?)</style>", html, re.S))
    text_colours, backgrounds = set(), {"#ffffff"}
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        for prop, value in re.findall(r"([a-z-]+)\s*:\s*([^;]+)", body):
            colours = {f"#{''.join(c * 2 for c in h[1:])}" if len(h) == 4 else h.lower()
                       for h in HEX.findall(value)}  # fmt: skip
            if prop == "color" or (prop == "fill" and re.search(r"\btext\b", selector)):
                text_colours |= colours
            elif prop in ("background", "background-color"):
                backgrounds |= colours
    for fill in re.findall(r'<text\b[^>]*\bfill="(#[0-9a-fA-F]{3,6})"', html):
        text_colours.add(f"#{''.join(c * 2 for c in fill[1:])}" if len(fill) == 4 else fill)
    return {c.lower() for c in text_colours}, {c.lower() for c in backgrounds}


def test_every_text_colour_contrasts_with_every_background(rendered: dict) -> None:
    """WCAG 2 AA for normal text: at least 4.5:1 for every text colour of the page against
    every background it declares (stricter than the pairs a browser paints)."""
    failures = set()
    pairs = set()
    for (_slug, _lang), outputs in rendered.items():
        for text in (outputs["html"], outputs["salary"], outputs["trend"]):
            colours, backgrounds = page_colours(text)
            for colour in colours:
                for background in backgrounds:
                    pairs.add((colour, background))
                    ratio = contrast_ratio(colour, background)
                    if ratio < 4.5:
                        failures.add((colour, background, round(ratio, 2)))
    assert len(pairs) >= 8
    assert failures == set()


def test_the_contrast_check_catches_a_light_grey() -> None:
    """The old grey of withheld figures (#8a94a3, about 3:1 on white) is caught."""
    html = "<style>.x { color: #8a94a3; } .box { background: #f3f6fb; }</style>"
    colours, backgrounds = page_colours(html)
    assert colours == {"#8a94a3"} and backgrounds == {"#ffffff", "#f3f6fb"}
    assert contrast_ratio("#8a94a3", "#ffffff") < 4.5
