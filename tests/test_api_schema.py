"""The API against its own published OpenAPI schema (schemathesis): every response, on the
bundled sample's mart, has a documented status code and content type, the declared headers,
and a body that validates against the declared schema (`response_schema_conformance`), not
only "no 5xx".

Requests are the sample's every métier in every language, the validators and errors, and
property-based requests generated from the schema. Each operation is driven with hypothesis
directly (schemathesis's pytest fixture loader does not run under pytest 9), a bounded number
of examples each."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import schemathesis
from conftest import BUNDLED_RAW
from deliverytools import SEED_SLUG, copy_published
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from metiers.api import ApiSettings, create_app
from metiers.core.config import Settings

EXAMPLES_PER_OPERATION = 40
LANGUAGES = ("fr", "nl", "en")
# Status, content type, headers and body as the schema declares them.
CONFORMS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SLUG_OPERATIONS = {
    "GET /metiers/{slug}": "application/json",
    "GET /metiers/{slug}.html": "text/html",
    "GET /metiers/{slug}/regions": "application/json",
    "GET /metiers/{slug}/salaries": "application/json",
    "GET /metiers/{slug}/trend": "application/json",
    "GET /metiers/{slug}/trend.svg": "image/svg+xml",
    "GET /metiers/{slug}/map.svg": "image/svg+xml",
    "GET /metiers/{slug}/salaries.svg": "image/svg+xml",
}
# Pages that are not a métier's: the index of every métier.
PAGE_OPERATIONS = {"GET /": "text/html"}


def catalogue_slugs() -> list[str]:
    """Every métier of the bundled sample, read from its catalogue (not from the API)."""
    with (BUNDLED_RAW / "metiers" / "metiers.csv").open(encoding="utf-8", newline="") as file:
        return sorted(row["slug"] for row in csv.DictReader(file))


def load_schema(marts_dir: Path):
    app = create_app(ApiSettings(marts_dir=marts_dir))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def operations_of(api_schema) -> dict:
    return {result.ok().label: result.ok() for result in api_schema.get_all_operations()}


@pytest.fixture(scope="module")
def api_schema(bundled_mart: Settings):
    return load_schema(bundled_mart.marts_dir)


@pytest.fixture(scope="module")
def operations(api_schema) -> dict:
    return operations_of(api_schema)


def conforms(case, response, *, server_error_allowed: bool = False) -> None:
    """Raise (schemathesis's FailureGroup) unless the response is as the schema says."""
    checks = CONFORMS if server_error_allowed else [not_a_server_error, *CONFORMS]
    case.validate_response(response, checks=checks)


def test_schema_covers_every_endpoint(operations: dict) -> None:
    assert {"GET /health", "GET /metiers", *SLUG_OPERATIONS, *PAGE_OPERATIONS} <= set(operations)


def test_every_response_with_a_body_declares_its_schema(bundled_mart: Settings) -> None:
    """What the issue found missing: each status of each operation names its media type
    and, for JSON, a model of the body. 304 has no body."""
    paths = create_app(ApiSettings(marts_dir=bundled_mart.marts_dir)).openapi()["paths"]
    for path, methods in paths.items():
        for status, response in methods["get"]["responses"].items():
            where = f"GET {path} {status}"
            if status == "304":
                assert "content" not in response, where
                assert "ETag" in response["headers"], where
                continue
            (media_type, content), *others = response["content"].items()
            assert others == [], where
            if media_type == "application/json":
                assert content["schema"]["$ref"].startswith("#/components/schemas/"), where
            else:  # the pages and the chart only
                assert status == "200", where
                assert {**SLUG_OPERATIONS, **PAGE_OPERATIONS}[f"GET {path}"] == media_type, where


@pytest.mark.slow  # every métier of the sample, six operations, three languages
def test_every_metier_in_every_language_conforms(operations: dict) -> None:
    slugs = catalogue_slugs()
    assert len(slugs) > 50, "the sample's catalogue was read"
    checked = 0
    for label, media_type in SLUG_OPERATIONS.items():
        operation = operations[label]
        for slug in slugs:
            for lang in LANGUAGES:
                case = operation.Case(path_parameters={"slug": slug}, query={"lang": lang})
                response = case.call()
                assert response.status_code == 200, (label, slug, lang, response.text[:200])
                assert response.headers["content-type"][0].startswith(media_type)
                conforms(case, response)
                checked += 1
    assert checked == len(SLUG_OPERATIONS) * len(slugs) * len(LANGUAGES)


def test_list_search_and_health_conform(operations: dict) -> None:
    listing = operations["GET /metiers"]
    for query in (
        *({"lang": lang} for lang in LANGUAGES),
        {"q": "POSTPRODUCTION", "lang": "en"},
        {"q": "MONTEUSE", "lang": "nl"},
        {"q": "a"},  # more hits than the limit
        {"q": "zzzz-nothing"},
        {"q": " "},  # blank: the whole list
    ):
        case = listing.Case(query=query)
        response = case.call()
        assert response.status_code == 200, query
        conforms(case, response)
    health = operations["GET /health"].Case()
    response = health.call()
    assert response.status_code == 200
    conforms(health, response)


def test_not_modified_and_client_errors_conform(operations: dict) -> None:
    for label in ("GET /metiers", *SLUG_OPERATIONS):
        operation = operations[label]
        path = {"slug": SEED_SLUG} if "{slug}" in label else {}
        etag = operation.Case(path_parameters=path).call().headers["etag"][0]
        for held in (etag, f'W/{etag}, "older"', "*"):
            case = operation.Case(path_parameters=path, headers={"If-None-Match": held})
            response = case.call()
            assert response.status_code == 304, (label, held)
            conforms(case, response)
        if "{slug}" in label:
            unknown = operation.Case(path_parameters={"slug": "directeur-de-postproduction"})
            response = unknown.call()
            assert response.status_code == 404, label
            assert json.loads(response.content)["code"] == "unknown_slug"
            conforms(unknown, response)
        # Outside the schema's values: the call is made anyway, and the 422 it gets is checked.
        wrong_lang = operation.Case(path_parameters=path, query={"lang": "de"})
        response = wrong_lang.call()
        assert response.status_code == 422, label
        assert json.loads(response.content)["code"] == "invalid_request"
        conforms(wrong_lang, response)


def test_503_and_500_conform(
    bundled_mart: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nothing = operations_of(load_schema(tmp_path / "empty"))
    for label in ("GET /health", "GET /metiers", *SLUG_OPERATIONS):
        operation = nothing[label]
        case = operation.Case(path_parameters={"slug": SEED_SLUG} if "{slug}" in label else {})
        response = case.call()
        assert response.status_code == 503, label
        assert json.loads(response.content)["code"] == "not_published"
        conforms(case, response, server_error_allowed=True)

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("metiers.present.mart.card_document", broken)
    app = create_app(ApiSettings(marts_dir=copy_published(bundled_mart, tmp_path).marts_dir))
    operation = operations_of(schemathesis.openapi.from_asgi("/openapi.json", app))
    case = operation["GET /metiers/{slug}"].Case(path_parameters={"slug": SEED_SLUG})
    # schemathesis's in-process client raises the app's exception: fastapi's client can not.
    response = TestClient(app, raise_server_exceptions=False).get(f"/metiers/{SEED_SLUG}")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "internal error; the server log has the details",
        "code": "internal_error",
    }
    conforms(case, response, server_error_allowed=True)


def test_a_body_off_its_schema_is_caught(operations: dict) -> None:
    """The body check really reads the body: the card with one figure's record count as
    text, or without its publication, fails it; the real card passes."""
    case = operations["GET /metiers/{slug}"].Case(path_parameters={"slug": SEED_SLUG})
    response = case.call()
    conforms(case, response)
    document = json.loads(response.content)
    wrong_count = json.loads(response.content)
    wrong_count["figures"][0]["n_records"] = "many"
    no_publication = {key: value for key, value in document.items() if key != "publication"}
    for tampered, words in (
        (wrong_count, r'"many" is not valid(.|\n)*Figure/properties/n_records'),
        (no_publication, '"publication" is a required property'),
    ):
        altered = schemathesis.Response(
            status_code=200,
            headers=response.headers,
            content=json.dumps(tampered).encode(),
            request=response.request,
            elapsed=0.0,
            verify=True,
        )
        with pytest.raises(FailureGroup, match=words):
            case.validate_response(altered, checks=[response_schema_conformance])


@pytest.mark.slow  # generated requests on every operation
def test_generated_requests_get_responses_as_the_schema_says(operations: dict) -> None:
    """Any slug, language, search text or If-None-Match the schema allows; for the métier
    operations, half the slugs are the sample's own, so bodies of 200 are checked too."""
    slugs = catalogue_slugs()
    statuses: dict[str, set[int]] = {}
    for label, operation in operations.items():
        strategy = operation.as_strategy()
        if "{slug}" in label:
            strategy = st.one_of(
                strategy,
                st.sampled_from(slugs).flatmap(
                    lambda slug, operation=operation: operation.as_strategy(
                        path_parameters={"slug": slug}
                    )
                ),
            )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            response = case.call_and_validate(checks=[not_a_server_error, *CONFORMS])
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        call()
    # Every operation was exercised; the métier operations reached both 200 and 404.
    assert set(statuses) == set(operations)
    for label in SLUG_OPERATIONS:
        assert {200, 404} <= statuses[label], (label, statuses[label])
