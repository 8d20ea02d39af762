"""The HTML card in a real browser: headless Chromium renders it from a file (no network),
the test reads the rendered DOM (the six figures, the language, the footnotes) and keeps a
screenshot in the test's temporary folder.

In CI (CI=true) a missing Chromium fails the test: `.ci/run` installs Debian's package."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from deliverytools import SEED_SLUG, read_card
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.methodology import cards, display

runner = CliRunner()
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """Where a screenshot is kept for review: the folder METIERS_SCREENSHOTS names (created),
    or the test's temporary folder."""
    folder = os.environ.get("METIERS_SCREENSHOTS")
    if not folder:
        return tmp_path / name
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) / name


def chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    message = "chromium is not installed (Debian package 'chromium'; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("lang", "expected_age", "expected_money"),
    [("fr", "42 ans", "2.800€"), ("nl", "42 jaar", "€ 2.800"), ("en", "42 years", "€2,800")],
)
def test_card_renders_in_headless_chromium(
    bundled_mart: Settings, tmp_path: Path, lang: str, expected_age: str, expected_money: str
) -> None:
    card = tmp_path / f"card-{lang}.html"
    result = runner.invoke(
        app,
        ["card", SEED_SLUG, "--lang", lang, "--out", str(card),
         "--marts-dir", str(bundled_mart.marts_dir)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    dump = run_chromium(tmp_path / "profile-dom", "--dump-dom", card.as_uri())
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = read_card(dump.stdout)
    assert dom.lang == lang
    assert list(dom.figures) == list(cards.BOX_LINES)
    for line in cards.BOX_LINES:
        assert dom.figures[line]["value"].strip(), line
        assert dom.figures[line]["label"] == display.label(line, lang)
    assert dom.figures["average_age"]["value"] == expected_age
    assert dom.figures["headcount"]["value"] == "~200"
    assert dom.figures["share_women"]["value"] == "35%"
    assert expected_money in dom.lines["salary_entry"]
    # One footnote per sourced figure, naming the figure and its period.
    assert len(dom.footnotes) >= len(cards.BOX_LINES)
    headcount_note = next(
        note for note in dom.footnotes if note.startswith(display.label("headcount", lang))
    )
    assert "2025" in headcount_note

    screenshot = screenshot_path(tmp_path, f"card-{lang}.png")
    shot = run_chromium(
        tmp_path / "profile-shot",
        f"--screenshot={screenshot}",
        "--window-size=900,1400",
        "--hide-scrollbars",
        card.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000  # a drawn page, not a blank one
