"""Figures that moved between publications: recorded at publication, listed for review."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rawdata import editors_and_bakers
from typer.testing import CliRunner

from metiers.cli import app
from metiers.core.config import Settings
from metiers.present.export import csv_safe
from metiers.publish.release import release
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # refreshes of their own

runner = CliRunner()


@pytest.fixture(scope="module")
def two_publications(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[str]]:
    root = tmp_path_factory.mktemp("changes")
    settings = Settings(raw_dir=root / "raw", marts_dir=root / "marts")
    versions = []
    # first: 20 editors and 12 bakers in 2025; then 30 editors (+50%) and 8 bakers (< 10)
    for editors, bakers in ((20, 12), (30, 8)):
        editors_and_bakers(settings.raw_dir, editors, bakers)
        publication = run_refresh(settings)
        if publication.status == "candidate":  # flagged changes: approved here
            release(settings, decided_by="test", version=publication.version)
        versions.append(publication.version)
    return settings, versions


def changes(settings: Settings, *options: str) -> list[dict]:
    result = runner.invoke(
        app, ["changes", "--format", "json", "--marts-dir", str(settings.marts_dir), *options]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_changes_against_the_previous_publication(two_publications) -> None:
    settings, versions = two_publications
    rows = {(row["slug"], row["indicator"]): row for row in changes(settings)}
    editors = rows[("monteur", "headcount")]
    assert (editors["old_value"], editors["new_value"]) == (20.0, 30.0)
    assert editors["relative_change"] == pytest.approx(0.5)
    assert (editors["old_display"], editors["new_display"]) == ("~20", "~30")
    assert editors["flagged"] and editors["reason"] == "changed by more than 20%"
    assert editors["previous_version"] == versions[0]
    # bakers fall under the threshold of 10 records: the figure is withheld now
    bakers = rows[("boulanger", "headcount")]
    assert (bakers["old_value"], bakers["new_value"]) == (12.0, None)
    assert bakers["reason"] == "newly withheld"
    # editors' age did not move (everyone is 40): not listed
    assert ("monteur", "average_age") not in rows
    # growth of editors: 0 before, (30 / 20) ** (1 / 3) - 1 now: no relative change exists,
    # and a move away from zero is flagged
    growth = rows[("monteur", "growth_rate")]
    assert growth["old_value"] == pytest.approx(0.0)
    assert growth["new_value"] == pytest.approx(1.5 ** (1 / 3) - 1)
    assert growth["relative_change"] is None
    assert growth["reason"] == "changed from zero"


def test_flagged_only_and_since_a_version(two_publications) -> None:
    settings, versions = two_publications
    flagged = changes(settings, "--flagged")
    assert flagged and all(row["flagged"] for row in flagged)
    since = changes(settings, "--since", versions[0])
    assert {(r["slug"], r["indicator"]) for r in since} == {
        (r["slug"], r["indicator"]) for r in changes(settings)
    }


def test_csv_for_spreadsheets_cannot_run_formulas(two_publications) -> None:
    settings, _versions = two_publications
    result = runner.invoke(
        app, ["changes", "--format", "csv", "--marts-dir", str(settings.marts_dir)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    growth = next(r for r in rows if (r["slug"], r["indicator"]) == ("monteur", "growth_rate"))
    # '+14%' would be read as a formula by a spreadsheet: it is written as text
    assert growth["new_display"] == "'+14%"
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("Monteur") == "Monteur"


def test_withheld_figures_leak_nowhere_in_the_change_list(two_publications) -> None:
    """The 8 bakers of 2025 are under the threshold: their headcount (8), share of women
    (0, all men) and age (40) are withheld now, so the new side of every baker row of the
    change list (json and csv) is empty, and the new headcount is nowhere in it."""
    from disclosure import assert_values_absent

    settings, _versions = two_publications
    bakers = [row for row in changes(settings) if row["slug"] == "boulanger"]
    assert bakers
    assert all(row["new_value"] is None and row["new_display"] is None for row in bakers)
    new_side = [(row["new_value"], row["new_display"], row["relative_change"]) for row in bakers]
    assert_values_absent(new_side, [8.0], "the new side of the bakers' changes")
    result = runner.invoke(
        app, ["changes", "--format", "csv", "--marts-dir", str(settings.marts_dir)]
    )
    # Every cell but the version labels (their digest is hex: "...Z-8a00" is no number 8).
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    baker_cells = [
        [value for name, value in row.items() if "version" not in (name or "")]
        for row in rows
        if row.get("slug") == "boulanger"
    ]
    assert baker_cells
    assert_values_absent(baker_cells, [8.0], "the bakers' csv change lines")
