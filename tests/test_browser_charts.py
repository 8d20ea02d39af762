"""The card's charts in a real browser (headless Chromium, helpers of tests/test_browser.py):
the DOM Chromium builds holds the salary chart of metier_salaries (queried here), with its
title, description and role, and no withheld value; the text colours Chromium computes for
every piece of text, against the background it paints behind it, reach 4.5:1; a screenshot
of each page is kept in the test's temporary folder for review."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import duckdb
import pytest
from deliverytools import SEED_SLUG
from test_browser import run_chromium, runner, screenshot_path
from test_charts import contrast_ratio, read_bands, reference_bands, salary_svg_of

from metiers.cli import app
from metiers.core.config import Settings
from metiers.methodology import display

# A card with withheld bands, one with every band published, one with withheld years.
CASES = [
    (SEED_SLUG, "fr"),
    ("actuaire", "nl"),
    ("marechal-ferrant-marechale-ferrante", "en"),
]

# Appended to a copy of the page (the card itself has no script): for every element that
# holds text, the colour Chromium computes for it (`fill` for SVG text) and the first
# opaque background colour of it or its ancestors, written into the DOM as JSON.
COLOUR_PROBE = """<script>
const pairs = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const element = node.parentElement;
  if (!node.textContent.trim() || !element || element.closest('title, desc, script')) continue;
  const style = getComputedStyle(element);
  const colour = element instanceof SVGElement ? style.fill : style.color;
  let back = element, background = 'rgb(255, 255, 255)';
  while (back) {
    const value = getComputedStyle(back).backgroundColor;
    if (value && value !== 'transparent' && value !== 'rgba(0, 0, 0, 0)') {
      background = value;
      break;
    }
    back = back.parentElement;
  }
  pairs.push({text: node.textContent.trim().slice(0, 40), colour, background});
}
const out = document.createElement('pre');
out.id = 'colour-pairs';
out.textContent = JSON.stringify(pairs);
document.body.appendChild(out);
</script>"""


def hex_of(css_colour: str) -> str:
    """'rgb(29, 36, 48)' -> '#1d2430' (Chromium's computed form)."""
    channels = [int(part) for part in re.findall(r"\d+", css_colour)[:3]]
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def write_card(marts_dir: Path, slug: str, lang: str, out: Path) -> str:
    result = runner.invoke(
        app, ["card", slug, "--lang", lang, "--out", str(out), "--marts-dir", str(marts_dir)]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize(("slug", "lang"), CASES)
def test_salary_chart_in_chromium_matches_metier_salaries(
    bundled_mart: Settings, tmp_path: Path, slug: str, lang: str
) -> None:
    card = tmp_path / f"{slug}-{lang}.html"
    write_card(bundled_mart.marts_dir, slug, lang, card)
    dump = run_chromium(tmp_path / "profile-dom", "--dump-dom", card.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = dump.stdout
    assert re.search(r'<html lang="([a-z]+)"', dom).group(1) == lang

    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        expected = {band: rest for band, *rest in reference_bands(connection, slug)}
        year = connection.execute(
            "SELECT reference_year FROM metier_figures WHERE slug = ?", [slug]
        ).fetchone()[0]
    svg = salary_svg_of(dom)
    assert 'role="img"' in svg.split(">")[0]
    title = re.search(r"<title[^>]*>(.*?)</title>", svg).group(1)
    assert unescape(title) == display.label("salary_chart", lang, year=year)
    description = unescape(re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1))
    bands = read_bands(svg)
    assert [band["attrs"]["data-band"] for band in bands] == sorted(
        expected, key=lambda band: int(band.split("-")[0].rstrip("+"))
    )
    for band in bands:
        attrs = band["attrs"]
        p10, median, p90, suppressed = expected[attrs["data-band"]]
        words = "".join(text for cls, text in band["texts"] if cls == "band-values")
        if suppressed is None:
            assert abs(float(attrs["data-median"]) - median) <= 0.005 + 1e-9
            assert abs(float(attrs["data-p10"]) - p10) <= 0.005 + 1e-9
            assert abs(float(attrs["data-p90"]) - p90) <= 0.005 + 1e-9
            assert display.money(median, lang) in words
            assert display.money(median, lang) in description
        else:
            assert "data-median" not in attrs
            assert words.startswith(display.label("not_published", lang))
            assert re.search(r"\d{3}", words.replace("10", "")) is None, words

    screenshot = screenshot_path(tmp_path, f"charts-{slug}-{lang}.png")
    shot = run_chromium(
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=900,1800",
        "--hide-scrollbars",
        card.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000


def test_text_contrast_as_chromium_paints_it(bundled_mart: Settings, tmp_path: Path) -> None:
    """Every piece of text of the pages above, with the colour and background Chromium
    computes (not the ones the CSS was meant to give): 4.5:1 or more (WCAG 2 AA)."""
    failures = []
    texts = 0
    for slug, lang in CASES:
        html = write_card(bundled_mart.marts_dir, slug, lang, tmp_path / f"{slug}.html")
        probe = tmp_path / f"{slug}-{lang}-probe.html"
        probe.write_text(html.replace("</body>", COLOUR_PROBE + "</body>"), encoding="utf-8")
        dump = run_chromium(tmp_path / f"profile-{slug}", "--dump-dom", probe.as_uri())
        assert dump.returncode == 0, dump.stderr[-2000:]
        found = re.search(r'<pre id="colour-pairs">(.*?)</pre>', dump.stdout, re.S)
        assert found, "the probe wrote nothing"
        pairs = json.loads(unescape(found.group(1)))
        texts += len(pairs)
        for pair in pairs:
            ratio = contrast_ratio(hex_of(pair["colour"]), hex_of(pair["background"]))
            if ratio < 4.5:
                failures.append((slug, pair["text"], pair["colour"], pair["background"], ratio))
    assert texts > 100
    assert failures == []
