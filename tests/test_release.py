"""Candidate, review, release (issue 16): readers see only released versions; a candidate
with a flagged change waits for a decision; releases write notes in FR/NL/EN and revision
markers; an embargo releases at its time and not before; a rejection leaves readers as they
were; a rollback is a release with a reason.

The data: two métiers, 20 editors and 12 bakers a year 2022-2025, all alike (age 40, men,
employees in Brussels). The second version has 30 editors and 8 bakers in 2025. By hand:
editors' headcount moves 20 -> 30 (+50%) for the same period 2025, a revision, and their
growth moves from 0 to (30/20)^(1/3) - 1 (away from zero); 8 bakers fall under the
threshold of 10 records, so their six register figures of 2025 are newly withheld. Nothing
else moves (everyone is 40, a man, an employee)."""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from fastapi.testclient import TestClient
from rawdata import editors_and_bakers
from typer.testing import CliRunner

from metiers.api import ApiSettings, create_app
from metiers.cli import app
from metiers.core.config import Settings
from metiers.core.errors import UsageError
from metiers.publish import release as releases
from metiers.publish.publication import history_path
from metiers.publish.runs import read_runs
from metiers.refresh.pipeline import run_refresh

pytestmark = pytest.mark.slow  # refreshes of their own

runner = CliRunner()
BRUSSELS = ZoneInfo("Europe/Brussels")
BAKER_FIGURES = {
    "headcount",
    "growth_rate",
    "average_age",
    "share_women",
    "share_self_employed",
    "share_aged_50_plus",
}
FLAGGED = {("monteur", "headcount"), ("monteur", "growth_rate")} | {
    ("boulanger", figure) for figure in BAKER_FIGURES
}
MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
REVISED_WORDS = {"fr": "révisé le", "nl": "herzien op", "en": "revised on"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def released_version(settings: Settings) -> str:
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        return connection.execute("SELECT version FROM meta_publication").fetchone()[0]


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def long_date(day, lang: str) -> str:
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


@pytest.fixture
def waiting(tmp_path: Path) -> tuple[Settings, str, str]:
    """Version 1 released, version 2 (the flagged changes above) waiting as the candidate."""
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    editors_and_bakers(settings.raw_dir, 20, 12)
    first = run_refresh(settings)
    assert first.status == "published"  # the first release of an empty history: no approval
    editors_and_bakers(settings.raw_dir, 30, 8)
    second = run_refresh(settings)
    assert (second.status, second.needs_decision) == ("candidate", True)
    assert second.flagged_changes == len(FLAGGED)
    return settings, first.version, second.version


def test_first_release_is_automatic_and_logged(tmp_path: Path) -> None:
    settings = Settings(raw_dir=tmp_path / "raw", marts_dir=tmp_path / "marts")
    editors_and_bakers(settings.raw_dir, 20, 12)
    publication = run_refresh(settings)
    assert publication.status == "published"
    assert released_version(settings) == publication.version
    [decision] = releases.read_decisions(settings)
    assert (decision["action"], decision["decided_by"], decision["channel"]) == (
        "released_automatically", "policy", "policy"
    )  # fmt: skip
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        rows = connection.execute("SELECT action, version FROM meta_releases").fetchall()
    assert rows == [("released_automatically", publication.version)]
    assert not settings.candidate_path.exists()


def test_a_candidate_with_flagged_changes_is_invisible_to_readers(
    waiting: tuple[Settings, str, str], tmp_path: Path
) -> None:
    settings, first, second = waiting
    marts = str(settings.marts_dir)
    assert released_version(settings) == first
    # The released file's bytes are those it was released with (its history copy, made then).
    assert sha256(settings.published_path) == sha256(history_path(settings, first))
    # The CLI, the API and the exports read the released version...
    assert "~20 Professionnels actifs" in cli("figures", "monteur", "--marts-dir", marts)
    api = TestClient(create_app(ApiSettings(marts_dir=settings.marts_dir)))
    answer = api.get("/metiers/monteur")
    assert answer.headers["etag"] == f'"{first}"'
    headcount = next(f for f in answer.json()["figures"] if f["indicator"] == "headcount")
    assert headcount["display"] == "~20"
    assert "x-metiers-preview" not in answer.headers
    cli("export", "--format", "json", "--out", str(tmp_path / "export"), "--marts-dir", marts)
    assert first in (tmp_path / "export" / "index.json").read_text()
    assert '"~20"' in (tmp_path / "export" / "metiers" / "monteur.json").read_text()
    # ...the candidate only on its own paths.
    assert "~30 Professionnels actifs" in cli(
        "figures", "monteur", "--candidate", "--marts-dir", marts
    )
    preview = TestClient(create_app(ApiSettings(marts_dir=settings.marts_dir, preview=True)))
    answer = preview.get("/metiers/monteur")
    assert answer.headers["etag"] == f'"{second}"'
    assert answer.headers["x-metiers-preview"] == "candidate"
    cli("export", "--format", "json", "--candidate", "--out", str(tmp_path / "candidate"),
        "--marts-dir", marts)  # fmt: skip
    assert second in (tmp_path / "candidate" / "index.json").read_text()
    flagged = json.loads(
        cli("changes", "--candidate", "--flagged", "--format", "json", "--marts-dir", marts)
    )
    assert {(row["slug"], row["indicator"]) for row in flagged} == FLAGGED
    status = json.loads(cli("status", "--format", "json", "--marts-dir", marts, "--raw-dir",
                            str(settings.raw_dir)))  # fmt: skip
    assert (status["publication"]["version"], status["candidate"]["version"]) == (first, second)
    assert (status["candidate"]["status"], status["candidate"]["flagged_changes"]) == (
        "waiting", len(FLAGGED)
    )  # fmt: skip
    # The same inputs again: nothing rebuilt, the candidate still waits.
    before = sha256(settings.published_path)
    again = run_refresh(settings)
    assert (again.status, again.version, again.needs_decision) == ("unchanged", second, True)
    assert sha256(settings.published_path) == before


def test_review_lists_the_flagged_changes_in_three_languages(
    waiting: tuple[Settings, str, str], tmp_path: Path
) -> None:
    settings, first, second = waiting
    marts = str(settings.marts_dir)
    page = tmp_path / "review.html"
    review = json.loads(
        cli("review", "--format", "json", "--html", str(page), "--marts-dir", marts)
    )
    assert (review["candidate"], review["released_version"]) == (second, first)
    rows = {(row["slug"], row["indicator"]): row for row in review["changes"]}
    assert set(rows) == FLAGGED
    editors = rows[("monteur", "headcount")]
    assert [(editors[f"old_display_{code}"], editors[f"new_display_{code}"])
            for code in ("fr", "nl", "en")] == [("~20", "~30")] * 3  # fmt: skip
    assert (editors["cause"], editors["reason"]) == ("source_revision", "changed by more than 20%")
    bakers = rows[("boulanger", "average_age")]
    assert (bakers["old_display_fr"], bakers["old_display_nl"], bakers["old_display_en"]) == (
        "40 ans", "40 jaar", "40 years"
    )  # fmt: skip
    assert bakers["new_display_fr"] is None and bakers["reason"] == "newly withheld"
    document = page.read_text(encoding="utf-8")
    assert document.count("<iframe") == 4  # two métiers, released and candidate side by side
    assert "srcdoc=" in document and second in document and first in document
    text = cli("review", "--marts-dir", marts)
    assert "monteur" in text and "fr: ~20 -> ~30" in text and "nl: ~20 -> ~30" in text


def test_release_shows_the_candidate_with_notes_and_revision_markers(
    waiting: tuple[Settings, str, str],
) -> None:
    settings, first, second = waiting
    marts = str(settings.marts_dir)
    # A decision about another version never releases this one.
    with pytest.raises(UsageError, match="not 20"):
        releases.release(settings, decided_by="editor", version="20000101T000000Z-00000000")
    assert released_version(settings) == first
    out = cli("release", "--by", "editor", "--reason", "checked against VDAB", "--version",
              second, "--marts-dir", marts)  # fmt: skip
    assert second in out
    assert released_version(settings) == second
    assert not settings.candidate_path.exists()
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        decisions = connection.execute(
            "SELECT action, version, decided_by, reason, channel, previous_version "
            "FROM meta_releases ORDER BY decided_at"
        ).fetchall()
        notes = connection.execute(
            "SELECT lang, slug, indicator, cause, text FROM meta_release_notes "
            "ORDER BY lang, line_number"
        ).fetchall()
        revised = connection.execute(
            "SELECT slug, indicator, period, previous_value, value FROM metier_revisions "
            "ORDER BY slug, indicator"
        ).fetchall()
    assert decisions[-1] == ("approved", second, "editor", "checked against VDAB", "cli", first)
    # The run log says it too, beside the refreshes: the one that left the candidate waiting,
    # then the decision.
    runs = read_runs(settings)
    assert [(run["mode"], run["status"]) for run in runs[-2:]] == [
        ("incremental", "candidate"),
        ("release", "approved"),
    ]
    assert runs[-2]["decision"]["action"] == "waiting"
    assert (runs[-1]["decision"]["by"], runs[-1]["decision"]["reason"]) == (
        "editor", "checked against VDAB"
    )  # fmt: skip
    assert "by editor: checked against VDAB" in cli("runs", "--marts-dir", marts)
    assert cli("status", "--format", "json", "--marts-dir", marts, "--raw-dir",
               str(settings.raw_dir)).count('"mode": "release"') == 0  # fmt: skip
    assert decisions[0][0] == "released_automatically"
    # The notes list exactly the flagged changes, in each language.
    for lang in ("fr", "nl", "en"):
        lines = [row for row in notes if row[0] == lang]
        assert {(row[1], row[2]) for row in lines if row[1]} == FLAGGED
        assert sum(1 for row in lines if row[1]) == len(FLAGGED)
        assert any("checked against VDAB" in row[4] for row in lines if not row[1])
    printed = cli("notes", "--lang", "nl", "--marts-dir", marts).splitlines()
    assert printed == [row[4] for row in notes if row[0] == "nl"]
    assert any("Monteur" in line and "~20 → ~30" in line for line in printed)
    assert any("Bakker" in line and "niet gepubliceerd" in line for line in printed)
    # Revised: the editors' figures of 2025 and 2022-2025, released before with other values.
    growth = (30 / 20) ** (1 / 3) - 1
    assert [row[:3] for row in revised] == [
        ("monteur", "growth_rate", "2022-2025"),
        ("monteur", "headcount", "2025"),
    ]
    assert revised[1][3:] == (20.0, 30.0)
    assert revised[0][3] == 0.0 and revised[0][4] == pytest.approx(growth)
    today = datetime.now(BRUSSELS).date()
    for lang in ("fr", "nl", "en"):
        marker = f"{REVISED_WORDS[lang]} {long_date(today, lang)}"
        text = cli("figures", "monteur", "--lang", lang, "--marts-dir", marts)
        assert f"~30 ({marker})" in text
        document = json.loads(
            cli("figures", "monteur", "--lang", lang, "--format", "json", "--marts-dir", marts)
        )
        entry = next(f for f in document["figures"] if f["indicator"] == "headcount")
        assert marker in entry["display"]
        age = next(f for f in document["figures"] if f["indicator"] == "average_age")
        assert REVISED_WORDS[lang] not in (age["display"] or "")  # not revised
        api = TestClient(create_app(ApiSettings(marts_dir=settings.marts_dir)))
        assert marker in api.get(f"/metiers/monteur?lang={lang}").text
        assert marker in api.get(f"/metiers/monteur.html?lang={lang}").text
        # A withheld figure has no marker: nothing is shown to be revised.
        assert REVISED_WORDS[lang] not in cli(
            "figures", "boulanger", "--lang", lang, "--marts-dir", marts
        )
    # A rebuild of the same inputs changes nothing: released at once, the markers stay.
    rebuilt = run_refresh(settings, full=True)
    assert rebuilt.status == "published"
    assert f"~30 ({REVISED_WORDS['fr']} {long_date(today, 'fr')})" in cli(
        "figures", "monteur", "--marts-dir", marts
    )
    # The next reference period ends the marker.
    editors_and_bakers(settings.raw_dir, 30, 8, last_year=2026)
    newer = run_refresh(settings)
    assert newer.status == "candidate"  # the period of every figure changed: flagged
    releases.release(settings, decided_by="editor", version=newer.version)
    text = cli("figures", "monteur", "--marts-dir", marts)
    assert "~30 Professionnels actifs" in text and REVISED_WORDS["fr"] not in text


def test_a_rejected_candidate_is_kept_and_never_released(
    waiting: tuple[Settings, str, str],
) -> None:
    settings, _first, second = waiting
    marts = str(settings.marts_dir)
    before = sha256(settings.published_path)
    refused = runner.invoke(app, ["reject", "--marts-dir", marts])
    assert refused.exit_code == 2 and "reason" in refused.output
    out = cli("reject", "--reason", "bakers cannot fall by a third", "--by", "editor",
              "--marts-dir", marts)  # fmt: skip
    assert second in out
    assert sha256(settings.published_path) == before
    kept = releases.rejected_path(settings, second)
    assert kept.is_file() and not settings.candidate_path.exists()
    with duckdb.connect(str(kept), read_only=True) as connection:
        assert connection.execute("SELECT version FROM meta_publication").fetchone()[0] == second
    last = releases.read_decisions(settings)[-1]
    assert (last["action"], last["version"], last["reason"], last["decided_by"]) == (
        "rejected", second, "bakers cannot fall by a third", "editor"
    )  # fmt: skip
    # Nothing to release now; the same inputs make no new candidate.
    assert runner.invoke(app, ["release", "--marts-dir", marts]).exit_code == 2
    assert runner.invoke(app, ["review", "--marts-dir", marts]).exit_code == 2
    again = run_refresh(settings)
    assert (again.status, again.version, again.needs_decision) == ("unchanged", second, False)
    assert sha256(settings.published_path) == before
    assert "rejected" in cli("releases", "--marts-dir", marts)


def test_an_embargoed_release_becomes_visible_at_its_time_and_not_before(
    waiting: tuple[Settings, str, str],
) -> None:
    settings, first, second = waiting
    start = datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    at = datetime(2027, 1, 15, 9, 0, tzinfo=BRUSSELS)  # 08:00 UTC
    before = sha256(settings.published_path)
    scheduled = releases.release(settings, decided_by="editor", at=at, now=start)
    assert (scheduled.status, scheduled.release_at) == ("scheduled", at.astimezone(UTC))
    assert sha256(settings.published_path) == before
    for moment in (start, at - timedelta(seconds=1)):
        assert releases.release_due(settings, now=moment) is None
        assert sha256(settings.published_path) == before
        assert released_version(settings) == first
    done = releases.release_due(settings, now=at)
    assert done is not None and done.version == second
    assert released_version(settings) == second
    assert releases.release_due(settings, now=at + timedelta(hours=1)) is None
    actions = [(row["action"], row["release_at"]) for row in releases.read_decisions(settings)]
    assert actions[-2:] == [
        ("scheduled", "2027-01-15T08:00:00+00:00"),
        ("approved", "2027-01-15T08:00:00+00:00"),
    ]
    # A time that is not one is a usage error.
    bad = runner.invoke(
        app, ["release", "--at", "tomorrow", "--marts-dir", str(settings.marts_dir)]
    )
    assert bad.exit_code == 2


def test_policy_always_and_never(tmp_path: Path) -> None:
    always = tmp_path / "always.toml"
    never = tmp_path / "never.toml"
    text = Settings().sources_file.read_text(encoding="utf-8")
    always.write_text(text.replace('approval = "flagged"', 'approval = "always"'), "utf-8")
    never.write_text(text.replace('approval = "flagged"', 'approval = "never"'), "utf-8")
    raw = tmp_path / "raw"
    editors_and_bakers(raw, 20, 12)
    strict = Settings(raw_dir=raw, marts_dir=tmp_path / "strict", sources_file=always)
    assert run_refresh(strict).status == "published"  # the first release never waits
    rebuilt = run_refresh(strict, full=True)  # no change at all, and still it waits
    assert (rebuilt.status, rebuilt.flagged_changes) == ("candidate", 0)
    loose = Settings(raw_dir=raw, marts_dir=tmp_path / "loose", sources_file=never)
    run_refresh(loose)
    editors_and_bakers(raw, 30, 8)
    changed = run_refresh(loose)
    assert (changed.status, changed.flagged_changes) == ("published", len(FLAGGED))
    assert released_version(loose) == changed.version


def test_a_newer_candidate_supersedes_the_waiting_one(waiting: tuple[Settings, str, str]) -> None:
    settings, first, second = waiting
    editors_and_bakers(settings.raw_dir, 40, 8)  # 20 -> 40 editors now: another flagged candidate
    third = run_refresh(settings)
    assert third.status == "candidate" and third.version != second
    candidate = releases.read_candidate(settings)
    assert (candidate.version, candidate.status) == (third.version, "waiting")
    last = releases.read_decisions(settings)[-1]
    assert (last["action"], last["version"]) == ("superseded", second)
    assert released_version(settings) == first
    with pytest.raises(UsageError, match="not " + second):
        releases.release(settings, decided_by="editor", version=second)


@pytest.mark.parametrize(
    "state",
    [
        '{"version": "x", "status": "relea',  # torn
        '{"version": 7, "status": "scheduled", "release_at": "soon"}',  # wrong types
        "[1, 2]",
        '{"version": "20000101T000000Z-0", "status": "scheduled", "build_key": "", '
        '"base_version": null, "flagged_changes": 0, "created_at": "2000-01-01T00:00:00+00:00", '
        '"run_id": "r", "release_at": "2000-01-01T00:00:00+00:00"}',  # about another version
    ],
)
def test_a_damaged_or_foreign_state_never_releases_by_itself(
    waiting: tuple[Settings, str, str], state: str
) -> None:
    """The state beside the candidate file says nothing usable about it: the candidate waits
    for a decision, and no embargo, however due, releases it."""
    settings, first, second = waiting
    (settings.candidate_path.parent / "candidate.json").write_text(state, encoding="utf-8")
    candidate = releases.read_candidate(settings)
    assert candidate is not None and (candidate.version, candidate.status) == (second, "waiting")
    assert releases.release_due(settings, now=datetime(2999, 1, 1, tzinfo=UTC)) is None
    assert released_version(settings) == first


def test_damaged_release_log_lines_are_skipped(waiting: tuple[Settings, str, str]) -> None:
    settings, first, second = waiting
    with releases.releases_log_path(settings).open("a", encoding="utf-8") as log:
        log.write('{"action": "approved", "version": "x", "flagged_changes": "many"}\n')
        log.write('not json\n[]\n{"action": \n')
    releases.release(settings, decided_by="editor", version=second)
    with duckdb.connect(str(settings.published_path), read_only=True) as connection:
        rows = connection.execute("SELECT action, version FROM meta_releases").fetchall()
    assert rows == [("released_automatically", first), ("approved", second)]


def test_a_rollback_is_a_release_with_its_reason_and_notes(
    waiting: tuple[Settings, str, str],
) -> None:
    settings, first, second = waiting
    marts = str(settings.marts_dir)
    releases.release(settings, decided_by="editor", version=second)
    refused = runner.invoke(app, ["rollback", first, "--marts-dir", marts])
    assert refused.exit_code == 2 and "reason" in refused.output
    cli("rollback", first, "--reason", "a source error", "--by", "ops", "--marts-dir", marts)
    assert released_version(settings) == first
    last = releases.read_decisions(settings)[-1]
    assert (last["action"], last["version"], last["reason"], last["decided_by"]) == (
        "rolled_back", first, "a source error", "ops"
    )  # fmt: skip
    notes = cli("notes", "--lang", "en", "--marts-dir", marts)
    assert "Back to an earlier version" in notes and "a source error" in notes
    # The figures moving back are the flagged changes again, announced as a rollback.
    assert "Editor — Active professionals: ~30 → ~20 (rollback to the earlier version" in notes


def test_withheld_values_stay_out_of_candidates_and_review_pages(
    bundled_mart: Settings, tmp_path: Path
) -> None:
    """The sample's withheld cells (recomputed from the raw files) appear neither in the
    candidate's card JSON, nor in the preview API's pages and charts, nor in the review page."""
    from disclosure import assert_values_absent, sample_register
    from test_disclosure import withheld_truth

    settings = Settings(marts_dir=tmp_path / "marts")
    settings.candidate_path.parent.mkdir(parents=True)
    shutil.copy2(bundled_mart.published_path, settings.published_path)
    shutil.copy2(bundled_mart.published_path, settings.candidate_path)
    with duckdb.connect(str(settings.candidate_path)) as connection:
        connection.execute("UPDATE meta_publication SET version = '29990101T000000Z-cand0001'")
        # A flagged change for every métier: the review page then holds every card.
        connection.execute("UPDATE metier_figure_lineage SET value = value * 2 "
                           "WHERE indicator = 'headcount' AND value IS NOT NULL")  # fmt: skip
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        withheld = withheld_truth(sample_register(), connection)
    page = tmp_path / "review.html"
    cli("review", "--html", str(page), "--marts-dir", str(settings.marts_dir))
    review = page.read_text(encoding="utf-8")
    preview = TestClient(create_app(ApiSettings(marts_dir=settings.marts_dir, preview=True)))
    for slug in sorted(withheld)[:6]:
        values = withheld[slug]
        document = cli(
            "figures",
            slug,
            "--candidate",
            "--format",
            "json",
            "--marts-dir",
            str(settings.marts_dir),
        )
        assert_values_absent(document, values, f"candidate figures of {slug}")
        for route in ("", ".html", "/map.svg", "/salaries.svg", "/trend.svg", "/regions"):
            answer = preview.get(f"/metiers/{slug}{route}")
            assert answer.status_code == 200, route
            assert_values_absent(answer.text, values, f"preview {route} of {slug}")
        start = review.index(f'id="review-{slug}"')
        end = review.find('<section class="metier"', start + 1)
        # The cards are in iframes' srcdoc, escaped: read them as the browser does.
        section = html.unescape(review[start : end if end > 0 else None])
        assert_values_absent(section, values, f"review {slug}")
