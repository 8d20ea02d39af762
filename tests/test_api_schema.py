"""Property-based requests generated from the API's own OpenAPI schema (schemathesis): any
slug, language, search text or header the schema allows gets an answer, never a 5xx.

Each operation is driven with hypothesis directly (schemathesis's pytest fixture loader
does not run under pytest 9), a bounded number of examples each."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from metiers.api import ApiSettings, create_app
from metiers.config import Settings

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def api_schema(bundled_mart: Settings):
    app = create_app(ApiSettings(marts_dir=bundled_mart.marts_dir))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_schema_covers_every_endpoint(api_schema) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert {"GET /health", "GET /metiers", "GET /metiers/{slug}", "GET /metiers/{slug}.html",
            "GET /metiers/{slug}/regions", "GET /metiers/{slug}/salaries",
            "GET /metiers/{slug}/trend", "GET /metiers/{slug}/trend.svg"} <= labels  # fmt: skip


@pytest.mark.slow  # generated requests on every operation
def test_no_server_error(api_schema) -> None:
    statuses: dict[str, set[int]] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            response = case.call_and_validate(checks=[not_a_server_error])
            statuses.setdefault(case.operation.label, set()).add(response.status_code)
            assert response.status_code < 500

        call()
    # Every operation was exercised, and the generated slugs did reach the 404 path.
    assert len(statuses) >= 8
    assert 404 in statuses["GET /metiers/{slug}"]
