"""The OpenAPI schema documents every endpoint and its error shapes; the docs page is served."""

import re

import pytest
from django.core.management import call_command
from django.urls import get_resolver


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_validates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def api_routes(patterns, prefix: str = "/") -> set[str]:
    routes = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if hasattr(pattern, "url_patterns"):
            routes |= api_routes(pattern.url_patterns, route)
        elif route.startswith("/api/v1/"):
            routes.add(re.sub(r"<(?:\w+):(\w+)>", r"{\1}", route))
    return routes


def test_every_api_route_is_in_the_schema(schema):
    # The schema, its docs page and the browsable API's sign-in pages are not API operations.
    undocumented = {"/api/v1/schema/", "/api/v1/docs/", "/api/v1/auth/login/", "/api/v1/auth/logout/"}
    routes = api_routes(get_resolver().url_patterns)
    assert "/api/v1/complaints/{complaint_id}/follow-up/" in routes
    assert routes - undocumented <= set(schema["paths"])


def test_each_step_documents_its_errors_and_the_idempotency_key(schema):
    for step in ["apologize", "respond", "follow-up", "close", "reopen", "assign"]:
        operation = schema["paths"][f"/api/v1/complaints/{{complaint_id}}/{step}/"]["post"]
        assert {"200", "400", "403", "404", "409", "422"} <= set(operation["responses"]), step
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]], step
    transition_error = schema["components"]["schemas"]["InvalidTransitionError"]
    assert {"code", "detail", "status", "allowed"} <= set(transition_error["properties"])


def test_create_documents_id_conflict_and_both_success_codes(schema):
    responses = schema["paths"]["/api/v1/complaints/"]["post"]["responses"]
    assert {"200", "201", "400", "409", "422"} <= set(responses)


def test_interactive_docs_are_served_without_a_cdn(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page
