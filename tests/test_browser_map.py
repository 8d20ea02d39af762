"""The card's map of Belgium in a real browser: headless Chromium renders the card page from
a file (no network) in FR, NL and EN; the test reads the rendered DOM (11 province shapes,
the hatched ones equal to `metier_regions`' withheld cells, each province's name in the
page's language, the legend and the attribution) and keeps a screenshot of the page in the
test's temporary folder. Helpers are tests/test_browser.py's."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from deliverytools import SEED_SLUG
from test_browser import run_chromium, screenshot_path
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings

runner = CliRunner()
ATTRIBUTION = "© EuroGeographics for the administrative boundaries"
# By hand, not from metiers.methodology.display: Antwerp and Liège in each language.
NAMES = {
    "fr": {"BE21": "Anvers", "BE33": "Liège", "BE10": "Bruxelles-Capitale"},
    "nl": {"BE21": "Antwerpen", "BE33": "Luik", "BE10": "Brussels Hoofdstedelijk Gewest"},
    "en": {"BE21": "Antwerp", "BE33": "Liège", "BE10": "Brussels-Capital"},
}
HATCH_LEGEND = {
    "fr": "Hachuré : non publié",
    "nl": "Gearceerd: niet gepubliceerd",
    "en": "Hatched: not published",
}


class MapReader(HTMLParser):
    """The map as the browser's DOM holds it: each province path's attributes and tooltip,
    and every text of the map's SVG."""

    def __init__(self) -> None:
        super().__init__()
        self.provinces: dict[str, dict[str, str]] = {}
        self.texts: list[str] = []
        self.maps = 0
        self._in_map = False
        self._province: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "svg" and "belgium-map" in values.get("class", ""):
            self._in_map = True
            self.maps += 1
        if self._in_map and tag == "path" and "data-region" in values:
            self._province = values["data-region"]
            self.provinces[self._province] = values | {"title": ""}

    def handle_endtag(self, tag: str) -> None:
        if tag == "path":
            self._province = None
        if tag == "svg":
            self._in_map = False

    def handle_data(self, data: str) -> None:
        if self._province:
            self.provinces[self._province]["title"] += data
        elif self._in_map and data.strip():
            self.texts.append(data.strip())


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_card_map_renders_in_headless_chromium(
    bundled_mart: Settings, tmp_path: Path, lang: str
) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        withheld = {
            row[0]
            for row in connection.execute(
                "SELECT region FROM metier_regions WHERE slug = ? AND suppressed IS NOT NULL "
                "AND year = (SELECT reference_year FROM meta_publication)",
                [SEED_SLUG],
            ).fetchall()
        }
    assert withheld, "the seed métier has withheld regions in the sample"
    card = tmp_path / f"card-{lang}.html"
    result = runner.invoke(
        app,
        ["card", SEED_SLUG, "--lang", lang, "--out", str(card),
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    dump = run_chromium(tmp_path / "profile-dom", "--dump-dom", card.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    reader = MapReader()
    reader.feed(dump.stdout)
    assert reader.maps == 1
    assert len(reader.provinces) == 11
    assert all(province["d"].startswith("M") for province in reader.provinces.values())
    hatched = {
        code for code, province in reader.provinces.items() if province["fill"] == "url(#map-hatch)"
    }
    assert hatched == withheld
    assert {
        code for code, province in reader.provinces.items()
        if province["data-shade"] == "withheld"
    } == withheld  # fmt: skip
    for code, name in NAMES[lang].items():
        assert reader.provinces[code]["title"].startswith(f"{name}: "), code
    for code in withheld:
        assert "data-headcount" not in reader.provinces[code]
    assert HATCH_LEGEND[lang] in reader.texts
    assert ATTRIBUTION in reader.texts

    screenshot = screenshot_path(tmp_path, f"card-map-{lang}.png")
    shot = run_chromium(
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=900,1400",
        "--hide-scrollbars",
        card.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000
