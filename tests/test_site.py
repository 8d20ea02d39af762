"""The index of every métier (`GET /` of `metiers serve`) and the static site (`metiers site`).

Expected values are computed here from the mart with plain SQL, or from the raw catalogue
with Python's own accent folding, never with metiers.present.index's code: the order of
every sort, the cells (withheld ones as withheld), the métiers a search finds. The static
site is written twice and compared file by file (sha256), and every link of every page is
followed to a written file."""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import duckdb
import pytest
from conftest import BUNDLED_RAW
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from metiers.api import ApiSettings, create_app
from metiers.cli import app
from metiers.core.config import Settings
from metiers.methodology import display
from metiers.present import site as static_site

runner = CliRunner()
LANGUAGES = ("fr", "nl", "en")
# Sort column of the index -> (metier_figures value column, how the cell writes it).
VALUE_COLUMNS = {
    "headcount": ("headcount", display.headcount),
    "growth": ("growth_rate", display.growth),
    "salary_entry": ("salary_entry", display.money),
    "salary_senior": ("salary_senior_median", display.money),
}


class PageReader(HTMLParser):
    """The parts of a written page the tests look at: language, links, ids, index rows
    (slug, and each cell's text and whether it is marked withheld), version stamps."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.rows: list[dict] = []
        self.versions: list[str] = []
        self.text = ""
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        for name in ("href", "src", "action"):
            if values.get(name) is not None:
                self.links.append(values[name] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if values.get("data-version"):
            self.versions.append(values["data-version"] or "")
        if tag == "tr" and values.get("data-slug"):
            self.rows.append({"slug": values["data-slug"], "cells": {}, "withheld": set()})
        if tag in ("td", "th") and self.rows and values.get("data-column"):
            self._cell = values["data-column"]
            self.rows[-1]["cells"][self._cell] = ""
            if values.get("data-withheld") == "true":
                self.rows[-1]["withheld"].add(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._cell and self.rows:
            self.rows[-1]["cells"][self._cell] += data


def read_page(html: str) -> PageReader:
    reader = PageReader()
    reader.feed(html)
    return reader


def fold(text: str) -> str:
    """Accents and case dropped, by Unicode decomposition (the test's own way)."""
    return "".join(
        char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn"
    ).lower()


@pytest.fixture(scope="module")
def client(bundled_mart: Settings) -> TestClient:
    return TestClient(create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)))


@pytest.fixture(scope="module")
def figures(bundled_mart: Settings) -> list[dict]:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        return (
            connection.sql(
                "SELECT slug, title_fr, title_nl, title_en, headcount, growth_rate, "
                "salary_entry, salary_senior_median FROM metier_figures"
            )
            .pl()
            .to_dicts()
        )


@pytest.fixture(scope="module")
def publication(bundled_mart: Settings) -> dict:
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        version, year, published = connection.sql(
            "SELECT version, reference_year, published_at FROM meta_publication"
        ).fetchall()[0]
    return {"version": version, "reference_year": year, "date": published.date().isoformat()}


def expected_order(bundled_mart: Settings, lang: str, column: str, order: str) -> list[str]:
    """Slugs in the order the index should list them, by SQL: withheld values last in either
    order, ties by title without accents or case, then slug."""
    direction = "DESC" if order == "desc" else "ASC"
    title = f"strip_accents(lower(title_{lang}))"
    if column == "title":
        ordering = f"{title} {direction}, slug {direction}"
    else:
        value = VALUE_COLUMNS[column][0]
        ordering = f"{value} {direction} NULLS LAST, {title}, slug"
    with duckdb.connect(str(bundled_mart.published_path), read_only=True) as connection:
        return [
            row[0]
            for row in connection.sql(
                f"SELECT slug FROM metier_figures ORDER BY {ordering}"
            ).fetchall()
        ]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("column", ["title", *VALUE_COLUMNS])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_index_sorts_by_every_column(
    client: TestClient, bundled_mart: Settings, lang: str, column: str, order: str
) -> None:
    response = client.get("/", params={"lang": lang, "sort": column, "order": order})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = read_page(response.text)
    assert page.lang == lang
    assert [row["slug"] for row in page.rows] == expected_order(bundled_mart, lang, column, order)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_index_cells_are_the_marts_values_and_withheld_ones_say_so(
    client: TestClient, figures: list[dict], lang: str
) -> None:
    page = read_page(client.get("/", params={"lang": lang}).text)
    rows = {row["slug"]: row for row in page.rows}
    assert set(rows) == {figure["slug"] for figure in figures}
    withheld_seen = 0
    for figure in figures:
        row = rows[figure["slug"]]
        assert row["cells"]["title"] == figure[f"title_{lang}"]
        for column, (value_column, written) in VALUE_COLUMNS.items():
            value = figure[value_column]
            if value is None:
                withheld_seen += 1
                assert column in row["withheld"], (figure["slug"], column)
                assert row["cells"][column] == display.label("not_published", lang)
            else:
                assert column not in row["withheld"]
                assert row["cells"][column] == written(value, lang), (figure["slug"], column)
    assert withheld_seen > 0, "the sample has withheld values to show as withheld"


def catalogue_titles() -> dict[str, list[str]]:
    with (BUNDLED_RAW / "metiers" / "metiers.csv").open(encoding="utf-8", newline="") as file:
        return {
            row["slug"]: [row["title_fr"], row["title_nl"], row["title_en"]]
            for row in csv.DictReader(file)
        }


@pytest.mark.parametrize(
    ("query", "must_find"),
    [
        ("electricien", "electricien-electricienne"),
        ("ÉLECTRICIENNE", "electricien-electricienne"),
        ("securite", "analyste-en-cybersecurite"),
        ("ingenieure", "ingenieur-ingenieure-du-son"),
        ("marechale", "marechal-ferrant-marechale-ferrante"),
        ("Médecin", "medecin-generaliste"),
    ],
)
def test_index_search_ignores_accents_and_case(
    client: TestClient, query: str, must_find: str
) -> None:
    """The métiers found are those whose title in any language holds the query once accents
    and case are dropped (the sample ships no ESCO labels), whatever the page's language."""
    titles = catalogue_titles()
    expected = {
        slug for slug, names in titles.items() if any(fold(query) in fold(n) for n in names)
    }
    assert must_find in expected
    for lang in LANGUAGES:
        response = client.get("/", params={"lang": lang, "q": query})
        page = read_page(response.text)
        assert {row["slug"] for row in page.rows} == expected, lang
        # The form keeps the query, escaped, and the sort links keep it too.
        assert f'value="{query}"' in response.text


def test_index_search_with_no_match_says_so_and_escapes_the_query(client: TestClient) -> None:
    query = '<b>"zzz'
    response = client.get("/", params={"lang": "en", "q": query})
    page = read_page(response.text)
    assert page.rows == []
    assert display.label("no_results", "en", query=query) in page.text
    assert "<b>" not in response.text


def test_index_rejects_an_unknown_sort(client: TestClient) -> None:
    assert client.get("/", params={"sort": "password"}).status_code == 422
    assert client.get("/", params={"order": "sideways"}).status_code == 422


def test_served_card_links_back_to_the_index(client: TestClient) -> None:
    slug = "electricien-electricienne"
    page = read_page(client.get(f"/metiers/{slug}.html", params={"lang": "nl"}).text)
    assert "/?lang=nl" in page.links


def sha256_of_folder(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def write_site(bundled_mart: Settings, out: Path, *languages: str) -> None:
    options = [word for lang in languages for word in ("--lang", lang)]
    result = runner.invoke(
        app, ["site", "--out", str(out), *options, "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def written_site(bundled_mart: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(bundled_mart, out)
    return out


def test_site_is_byte_identical_across_runs(
    bundled_mart: Settings, written_site: Path, tmp_path: Path
) -> None:
    first = sha256_of_folder(written_site)
    again = tmp_path / "again"
    write_site(bundled_mart, again)
    assert sha256_of_folder(again) == first
    # Writing over a previous site replaces it with the same bytes.
    write_site(bundled_mart, again)
    assert sha256_of_folder(again) == first
    # The manifest lists every other file with its sha256.
    manifest = json.loads((written_site / static_site.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["generator"] == "metiers site"
    assert {**manifest["files"], static_site.MANIFEST: first[static_site.MANIFEST]} == first


def test_site_holds_every_card_in_every_language(written_site: Path, figures: list[dict]) -> None:
    for lang in LANGUAGES:
        for figure in figures:
            card = written_site / lang / "metiers" / f"{figure['slug']}.html"
            assert read_page(card.read_text(encoding="utf-8")).lang == lang
            assert (written_site / lang / "metiers" / figure["slug"] / "trend.svg").is_file()
        index = read_page((written_site / lang / "index.html").read_text(encoding="utf-8"))
        assert len(index.rows) == len(figures)


def test_every_link_of_every_page_resolves(written_site: Path) -> None:
    pages = sorted(written_site.rglob("*.html"))
    assert len(pages) > 3 * 60
    checked = 0
    for page_path in pages:
        page = read_page(page_path.read_text(encoding="utf-8"))
        for link in page.links:
            parts = urlsplit(link)
            where = f"{page_path.relative_to(written_site)}: {link}"
            assert not parts.scheme and not parts.netloc, f"not relative: {where}"
            assert not parts.path.startswith("/"), f"not relative: {where}"
            target = page_path
            if parts.path:
                target = page_path.parent / PurePosixPath(parts.path)
                assert target.resolve().is_relative_to(written_site.resolve()), where
                assert target.is_file(), f"no such file: {where}"
            if parts.fragment:
                ids = read_page(target.read_text(encoding="utf-8")).ids
                assert parts.fragment in ids, f"no such anchor: {where}"
            checked += 1
    assert checked > len(pages)


def test_every_page_names_its_version_and_vintage(written_site: Path, publication: dict) -> None:
    for page_path in sorted(written_site.rglob("*.html")):
        html = page_path.read_text(encoding="utf-8")
        page = read_page(html)
        where = page_path.relative_to(written_site).as_posix()
        folder_lang = where.split("/")[0] if "/" in where else "fr"
        assert page.lang == folder_lang, where
        assert publication["version"] in page.versions, where
        stamp = display.label(
            "publication", folder_lang, version=publication["version"], date=publication["date"]
        )
        assert stamp in page.text, where
        assert str(publication["reference_year"]) in page.text, where


def test_site_in_one_language_links_no_other(bundled_mart: Settings, tmp_path: Path) -> None:
    out = tmp_path / "nl-only"
    write_site(bundled_mart, out, "nl")
    assert sorted(path.name for path in out.iterdir()) == [".metiers-site.json", "index.html", "nl"]
    assert read_page((out / "index.html").read_text(encoding="utf-8")).lang == "nl"


def test_site_refuses_a_folder_it_did_not_write(bundled_mart: Settings, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(
        app, ["site", "--out", str(mine), "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 2, result.output
    assert "notes.txt" in result.output
    assert sorted(path.name for path in mine.iterdir()) == ["notes.txt"]
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mine"]  # nothing left beside


def test_site_refuses_a_site_holding_a_users_file(bundled_mart: Settings, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site(bundled_mart, out, "en")
    before = sha256_of_folder(out)
    (out / "en" / "extra.html").write_text("mine", encoding="utf-8")
    result = runner.invoke(
        app, ["site", "--out", str(out), "--marts-dir", str(bundled_mart.marts_dir)]
    )
    assert result.exit_code == 2, result.output
    assert "en/extra.html" in result.output
    after = sha256_of_folder(out)
    assert after.pop("en/extra.html") == hashlib.sha256(b"mine").hexdigest()
    assert after == before


def test_site_writes_into_an_empty_folder(bundled_mart: Settings, tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    write_site(bundled_mart, out, "fr")
    assert (out / static_site.MANIFEST).is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty"]


def test_a_run_that_fails_halfway_leaves_no_site_and_the_old_one_whole(
    bundled_mart: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write_site(bundled_mart, out, "en")
    before = sha256_of_folder(out)

    def broken(*args: object) -> bytes:
        raise RuntimeError("disk full while writing the manifest")

    monkeypatch.setattr(static_site, "manifest_bytes", broken)
    for target in (out, tmp_path / "new"):
        with pytest.raises(RuntimeError):
            static_site.write_site(bundled_mart.marts_dir, target, ["en"])
    assert sha256_of_folder(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]


def test_index_responses_conform_to_the_schema(bundled_mart: Settings) -> None:
    from test_api_schema import conforms, load_schema, operations_of

    operation = operations_of(load_schema(bundled_mart.marts_dir))["GET /"]
    for query, status in (
        *(({"lang": lang}, 200) for lang in LANGUAGES),
        ({"q": "électricien", "sort": "growth", "order": "desc"}, 200),
        ({"q": "zzzz-nothing"}, 200),
        ({"sort": "nope"}, 422),
        ({"lang": "de"}, 422),
    ):
        case = operation.Case(query=query)
        response = case.call()
        assert response.status_code == status, query
        conforms(case, response)


def test_index_escapes_titles_and_links_every_card() -> None:
    """The page as a pure function of rows: markup in a title is text, and each row links to
    its card once."""
    from metiers.present import index

    rows = [
        {
            "slug": "x",
            "title": '<script>alert("x")</script>',
            "trend": [(2024, 10.0), (2025, None)],
            **{column.value: None for column in index.NUMERIC_COLUMNS},
            **{f"{column.value}_suppressed": None for column in index.NUMERIC_COLUMNS},
        }
    ]
    html = index.index_html(
        rows, {"version": "v1", "reference_year": 2025}, "en", index.ServerLinks()
    )
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    page = read_page(html)
    assert page.links.count("/metiers/x.html?lang=en") == 1
    assert page.rows[0]["withheld"] == {"headcount", "growth", "salary_entry", "salary_senior"}
