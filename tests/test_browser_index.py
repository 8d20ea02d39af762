"""The index of every métier in a real browser: headless Chromium renders the static site's
index from a file (no network, no JavaScript needed), the test reads the rendered DOM (the
language, one row per métier of the mart, the sort the page says it has) and keeps a
screenshot in the test's temporary folder for review."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_browser import run_chromium, screenshot_path
from test_site import read_page
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def site(bundled_mart: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-site") / "site"
    result = runner.invoke(
        app, ["site", "--out", str(out), "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_index_renders_in_headless_chromium(
    bundled_mart: Settings, site: Path, tmp_path: Path, lang: str
) -> None:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        metiers = connection.sql("SELECT count(*) FROM metier_figures").fetchall()[0][0]
        withheld = connection.sql(
            "SELECT count(*) FROM metier_figures WHERE headcount IS NULL OR growth_rate IS NULL "
            "OR salary_entry IS NULL OR salary_senior_median IS NULL"
        ).fetchall()[0][0]
    page = site / lang / "sort-headcount-desc.html"

    dump = run_chromium(tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = read_page(dump.stdout)
    assert dom.lang == lang
    assert len(dom.rows) == metiers
    assert sum(1 for row in dom.rows if row["withheld"]) == withheld
    assert '<th scope="col" data-column="headcount" aria-sort="descending">' in dump.stdout
    assert dump.stdout.count('<svg class="spark"') > metiers // 2

    screenshot = screenshot_path(tmp_path, f"index-{lang}.png")
    shot = run_chromium(
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=1200,1600",
        "--hide-scrollbars",
        page.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000  # a drawn page, not a blank one
