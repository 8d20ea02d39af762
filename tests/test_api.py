"""The HTTP API in-process (fastapi's TestClient): endpoints, languages, validators and 304,
unknown slugs, CORS, the OpenAPI schema, and the switch to a new published version."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from deliverytools import SEED_SLUG, copy_published, publish_variant, raw_headcounts
from fastapi.testclient import TestClient

from metiers.api import ApiSettings, create_app
from metiers.core.config import Settings
from metiers.present import mart


@pytest.fixture(scope="module")
def marts(bundled_mart: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return copy_published(bundled_mart, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def client(marts: Settings) -> TestClient:
    return TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))


def published_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT version FROM meta_publication").fetchall()[0][0]


def test_health_names_the_version(client: TestClient, marts: Settings) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["version"] == published_version(marts.published_path)


def test_list_in_each_language_uses_catalogue_titles(client: TestClient) -> None:
    titles = {}
    for lang in ("fr", "nl", "en"):
        response = client.get("/metiers", params={"lang": lang})
        assert response.status_code == 200
        rows = {row["slug"]: row for row in response.json()["metiers"]}
        titles[lang] = rows[SEED_SLUG]["title"]
    # data/raw/metiers/metiers.csv, the seed métier's row.
    assert titles == {
        "fr": "Directeur / Directrice de postproduction",
        "nl": "Postproductiemanager",
        "en": "Post-production manager",
    }


def test_search_ignores_case_and_accents(client: TestClient) -> None:
    response = client.get("/metiers", params={"q": "POSTPRODUCTION", "lang": "en"})
    assert response.status_code == 200
    slugs = [row["slug"] for row in response.json()["metiers"]]
    assert SEED_SLUG in slugs
    seed = next(row for row in response.json()["metiers"] if row["slug"] == SEED_SLUG)
    assert seed["title"] == "Post-production manager"
    assert client.get("/metiers", params={"q": "zzzz-nothing"}).json()["count"] == 0


def test_card_carries_values_display_source_period_and_publication(
    client: TestClient, marts: Settings
) -> None:
    response = client.get(f"/metiers/{SEED_SLUG}", params={"lang": "fr"})
    assert response.status_code == 200
    document = response.json()
    figures = {entry["indicator"]: entry for entry in document["figures"]}
    # The seed page's box (shared/seed/fiche-directeur-postproduction.txt).
    assert figures["headcount"]["display"] == "~200"
    assert figures["growth_rate"]["display"] == "+5%"
    assert figures["insertion_rate"]["display"] == "70% (souvent via le réseau)"
    assert figures["average_age"]["display"] == "42 ans"
    assert figures["share_women"]["display"] == "35%"
    assert figures["salary_entry"]["display"] == "2.800€"
    headcount = figures["headcount"]
    assert headcount["unit"] == "persons"
    assert headcount["period"] == "2025"
    assert headcount["source"] == "register"
    # sources.toml: the register's citations.fr; the sample's facts cite the sample itself
    assert headcount["citation"] == "registre de l'emploi"
    assert figures["freelance_rate"]["citation"] == "données d'exemple (synthétiques)"
    assert document["publication"]["version"] == published_version(marts.published_path)
    assert document["publication"]["published_at"]


def test_card_in_dutch_and_english_formats_numbers(client: TestClient) -> None:
    displays = {}
    for lang in ("nl", "en"):
        document = client.get(f"/metiers/{SEED_SLUG}", params={"lang": lang}).json()
        displays[lang] = {entry["indicator"]: entry["display"] for entry in document["figures"]}
    assert displays["nl"]["salary_entry"] == "€ 2.800"
    assert displays["en"]["salary_entry"] == "€2,800"
    assert displays["nl"]["average_age"] == "42 jaar"
    assert displays["en"]["average_age"] == "42 years"


def test_withheld_figure_has_a_reason_in_the_language(client: TestClient) -> None:
    rows = client.get(f"/metiers/{SEED_SLUG}/regions", params={"lang": "nl"}).json()["regions"]
    withheld = [row for row in rows if row["headcount"] is None]
    assert withheld, "the sample withholds some regional cells of the seed métier"
    assert withheld[0]["suppressed_reason"] == "minder dan 10 waarnemingen"


def test_regions_name_each_region_in_the_language(client: TestClient) -> None:
    rows = client.get(f"/metiers/{SEED_SLUG}/regions", params={"lang": "nl"}).json()["regions"]
    brussels = next(row for row in rows if row["region"] == "BE10" and row["year"] == 2025)
    assert brussels["region_name"] == "Brussels Hoofdstedelijk Gewest"
    assert brussels["headcount"] == 80  # data/raw/README.md: "regions 2025 | BE10 80, ..."


def test_trend_matches_the_raw_register(client: TestClient) -> None:
    rows = client.get(f"/metiers/{SEED_SLUG}/trend").json()["trend"]
    expected = raw_headcounts("2654.2")
    assert {row["year"]: row["headcount"] for row in rows} == expected


def test_salaries_are_bands_per_year(client: TestClient, marts: Settings) -> None:
    rows = client.get(f"/metiers/{SEED_SLUG}/salaries").json()["salaries"]
    assert {row["band"] for row in rows} == {"0-2", "3-9", "10+"}
    for row in rows:
        if row["median"] is not None:
            assert row["p10"] <= row["p25"] <= row["median"] <= row["p75"] <= row["p90"]
        else:
            assert row["suppressed"]


def test_etag_is_the_version_and_the_only_validator(client: TestClient, marts: Settings) -> None:
    response = client.get(f"/metiers/{SEED_SLUG}")
    version = published_version(marts.published_path)
    assert response.headers["etag"] == f'"{version}"'
    again = client.get(f"/metiers/{SEED_SLUG}", headers={"If-None-Match": f'"{version}"'})
    assert again.status_code == 304
    assert again.content == b""
    stale = client.get(f"/metiers/{SEED_SLUG}", headers={"If-None-Match": '"some-older"'})
    assert stale.status_code == 200
    # No Last-Modified: a rollback would make it go backwards (tests/test_hostile_outputs.py).
    assert "last-modified" not in response.headers
    since = client.get(
        f"/metiers/{SEED_SLUG}", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    assert since.status_code == 200


def test_unknown_slug_is_404_with_the_closest(client: TestClient) -> None:
    for path in (
        "/metiers/directeur-de-postproduction",
        "/metiers/directeur-de-postproduction/trend",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert SEED_SLUG in response.json()["detail"]["closest"]
    assert client.get("/metiers/directeur-de-postproduction.html").status_code == 404


def test_unknown_language_is_rejected(client: TestClient) -> None:
    assert client.get(f"/metiers/{SEED_SLUG}", params={"lang": "de"}).status_code == 422


def test_html_card_and_svg(client: TestClient) -> None:
    response = client.get(f"/metiers/{SEED_SLUG}.html", params={"lang": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text
    assert "€2,800 gross/month" in response.text
    chart = client.get(f"/metiers/{SEED_SLUG}/trend.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.text.count("<circle") == len(raw_headcounts("2654.2"))
    salaries = client.get(f"/metiers/{SEED_SLUG}/salaries.svg", params={"lang": "nl"})
    assert salaries.status_code == 200
    assert salaries.headers["content-type"].startswith("image/svg+xml")
    assert salaries.text.startswith("<?xml") and 'role="img"' in salaries.text
    assert 'data-band="3-9"' in salaries.text and "niet gepubliceerd" in salaries.text
    assert client.get("/metiers/directeur-postprod/salaries.svg").status_code == 404


def test_openapi_schema_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/health",
        "/metiers",
        "/metiers/{slug}",
        "/metiers/{slug}.html",
        "/metiers/{slug}/regions",
        "/metiers/{slug}/salaries",
        "/metiers/{slug}/trend",
        "/metiers/{slug}/map.svg",
        "/metiers/{slug}/salaries.svg",
    ):
        assert "get" in paths[path]


def test_cors_only_for_configured_origins(marts: Settings) -> None:
    allowed = "https://www.example.be"
    client = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir, cors_origins=(allowed,))))
    response = client.get("/metiers", headers={"Origin": allowed})
    assert response.headers["access-control-allow-origin"] == allowed
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    other = client.get("/metiers", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    plain = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))
    assert (
        "access-control-allow-origin"
        not in plain.get("/metiers", headers={"Origin": allowed}).headers
    )


def test_no_published_mart_is_503(tmp_path: Path) -> None:
    client = TestClient(create_app(ApiSettings(marts_dir=tmp_path / "empty")))
    response = client.get("/health")
    assert response.status_code == 503
    assert "metiers refresh" in response.json()["detail"]


def test_new_version_is_served_without_restart(bundled_mart: Settings, tmp_path: Path) -> None:
    marts = copy_published(bundled_mart, tmp_path)
    client = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))
    before = client.get(f"/metiers/{SEED_SLUG}")
    old_etag = before.headers["etag"]
    publish_variant(marts, "29990101T000000Z-test0001", "~999")
    after = client.get(f"/metiers/{SEED_SLUG}", headers={"If-None-Match": old_etag})
    assert after.status_code == 200  # the old validator no longer matches
    assert after.headers["etag"] == '"29990101T000000Z-test0001"'
    headcount = next(e for e in after.json()["figures"] if e["indicator"] == "headcount")
    assert headcount["display"] == "~999"


def as_sent(document: object) -> object:
    """A mart document as JSON gives it back (dates as text, tuples as lists)."""
    return json.loads(json.dumps(document, default=str))


def test_bodies_are_the_mart_documents_unchanged(client: TestClient, marts: Settings) -> None:
    """The response models describe what the mart builds: no key dropped, added or
    reordered, no value changed. Every sixth métier of the sample and the seed, in every
    language (tests/test_api_schema.py checks every métier against the schema)."""
    version = published_version(marts.published_path)
    with duckdb.connect(str(marts.published_path), read_only=True) as connection:
        slugs = [row["slug"] for row in mart.list_metiers(connection)]
        assert len(slugs) > 50
        for lang in ("fr", "nl", "en"):
            listing = client.get("/metiers", params={"lang": lang}).json()
            assert listing == {
                "version": version,
                "lang": lang,
                "q": None,
                "count": len(slugs),
                "metiers": as_sent(mart.list_metiers(connection, lang)),
            }
            for slug in sorted({*slugs[::6], SEED_SLUG}):
                card = client.get(f"/metiers/{slug}", params={"lang": lang})
                expected = as_sent(mart.card_document(connection, slug, lang))
                assert card.json() == expected, (slug, lang)
                assert list(card.json()) == list(expected)
                for name in ("regions", "salaries", "trend"):
                    rows = getattr(mart, name)(connection, slug, lang)
                    table = client.get(f"/metiers/{slug}/{name}", params={"lang": lang}).json()
                    assert table == {"slug": slug, "lang": lang, "version": version,
                                     name: as_sent(rows)}, (slug, lang, name)  # fmt: skip


def test_a_body_is_built_once_per_version_and_language(
    bundled_mart: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-version body cache (docs/performance.md, "HTTP API load"): the card's queries
    run once per (version, slug, language), whatever the number of requests."""
    built: list[tuple[str, str]] = []
    card_document = mart.card_document

    def counted(connection, slug: str, lang: str) -> dict:
        built.append((slug, lang))
        return card_document(connection, slug, lang)

    monkeypatch.setattr("metiers.present.mart.card_document", counted)
    marts = copy_published(bundled_mart, tmp_path)
    client = TestClient(create_app(ApiSettings(marts_dir=marts.marts_dir)))
    for _ in range(3):
        assert client.get(f"/metiers/{SEED_SLUG}").status_code == 200
        assert client.head(f"/metiers/{SEED_SLUG}", params={"lang": "en"}).status_code == 200
    assert built == [(SEED_SLUG, "fr"), (SEED_SLUG, "en")]
    publish_variant(marts, "29990101T000000Z-test0001", "~999")
    assert client.get(f"/metiers/{SEED_SLUG}").json()["publication"]["version"] == (
        "29990101T000000Z-test0001"
    )
    assert built[2:] == [(SEED_SLUG, "fr")]


def test_an_invalid_parameter_is_422_with_a_code(client: TestClient) -> None:
    for path in ("/metiers", f"/metiers/{SEED_SLUG}", f"/metiers/{SEED_SLUG}.html"):
        response = client.get(path, params={"lang": "de"})
        assert response.status_code == 422, path
        body = response.json()
        assert body["code"] == "invalid_request"
        # FastAPI's own report, as before: which parameter, and the value sent.
        [issue] = body["detail"]
        assert issue["loc"] == ["query", "lang"]
        assert issue["input"] == "de"
    too_long = client.get("/metiers", params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["loc"] == ["query", "q"]
