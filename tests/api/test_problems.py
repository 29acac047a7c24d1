"""The /v1 app: health, the OpenAPI document, and RFC 9457 problem documents for errors."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from portal.api import problems
from portal.api.app import create_api
from portal.domain.errors import (
    Conflict,
    Frozen,
    Invalid,
    NotFound,
    PermissionDenied,
    ReadOnly,
    Throttled,
)
from portal.domain.paging import InvalidCursor
from tests.api_app import shared_api


@pytest.fixture
def client() -> TestClient:
    return TestClient(shared_api())


def test_health(client: TestClient) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_is_served_under_v1(client: TestClient) -> None:
    document = client.get("/v1/openapi.json").json()
    assert document["info"]["title"] == "Portal API"
    assert "/v1/health" in document["paths"]


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


@pytest.fixture
def mounted() -> TestClient:
    """The API as Portal runs it: Reflex mounts its own app at "" behind the API's routes
    (rx.App(api_transformer=...)), and that app answers a plain-text 404 for what it lacks."""
    api = create_api()

    async def reflex(scope, receive, send):
        await PlainTextResponse("404: Page not found", status_code=404)(scope, receive, send)

    api.mount("", reflex)
    return TestClient(api)


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/v1/workspaces/x/y/z", "/v1"])
def test_an_unknown_v1_path_is_a_problem_behind_the_reflex_mount(mounted, path) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = mounted.request(method, path)
        assert response.status_code == 404, (method, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/not-found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/v1/workspaces", "GET, POST, OPTIONS"),
        ("PUT", "/v1/workspaces", "GET, POST, OPTIONS"),
        ("DELETE", "/v1/workspaces/3f1c6c5e-0000-4000-8000-000000000000", "GET, PATCH, OPTIONS"),
        ("GET", "/v1/workspaces/3f1c6c5e-0000-4000-8000-000000000000/freeze", "POST, OPTIONS"),
        ("POST", "/v1/health", "GET, OPTIONS"),
        ("BREW", "/v1/processes/1", "GET, OPTIONS"),
    ],
)
def test_a_wrong_method_is_a_405_problem_with_allow(mounted, method, path, allow) -> None:
    response = mounted.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == allow
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith("/method-not-allowed")
    assert body["status"] == 405


def test_options_answers_the_methods_a_path_takes(mounted) -> None:
    response = mounted.options("/v1/workspaces")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize("query", ["limt=3", "stauts=active", "=0", "limit=3&x="])
def test_an_unknown_query_parameter_is_a_422_naming_it(client: TestClient, query: str) -> None:
    """A misspelt filter is refused, not ignored (unknown body fields are refused too)."""
    response = client.get(f"/v1/workspaces?{query}")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/invalid")
    assert [e["message"] for e in body["errors"]] == ["Unknown query parameter"]
    assert client.get("/v1/health?verbose=1").status_code == 422
    assert client.get("/v1/health").status_code == 200


@pytest.mark.parametrize("query", ["limit=3&limit=4", "status=active&status=frozen"])
def test_a_query_parameter_given_twice_is_a_422_naming_it(client: TestClient, query: str) -> None:
    """Which of two values counts would be a guess: the client is asked for one."""
    response = client.get(f"/v1/workspaces?{query}")
    assert response.status_code == 422, response.text
    assert [e["message"] for e in response.json()["errors"]] == ["Give this query parameter once"]


def test_other_paths_still_reach_the_mounted_app(mounted) -> None:
    response = mounted.get("/workspaces")
    assert response.status_code == 404
    assert response.text == "404: Page not found"


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (Conflict("Type the name, Production.", field="confirm_name"), 409, "conflict"),
        (NotFound("Workspace not found."), 404, "not-found"),
        (PermissionDenied("You need administer."), 403, "permission-denied"),
        (Frozen("The workspace is frozen."), 409, "workspace-frozen"),
        (ReadOnly("The workspace is being offboarded."), 409, "workspace-read-only"),
        (Invalid("Enter a name.", field="name"), 422, "invalid"),
        (InvalidCursor(), 404, "invalid-cursor"),
        (Throttled(90), 429, "throttled"),
    ],
)
def test_domain_errors_map_to_problem_documents(error, status, slug) -> None:
    api = FastAPI()
    problems.install(api)

    @api.get("/boom")
    def boom():
        raise error

    response = TestClient(api).get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(slug)
    assert body["status"] == status
    assert body["detail"] == error.message
    if isinstance(error, Invalid):
        assert body["field"] == error.field
    if isinstance(error, Throttled):
        assert response.headers["retry-after"] == "90"


def test_an_unexpected_error_is_a_500_problem_without_details() -> None:
    api = FastAPI()
    problems.install(api)

    @api.get("/crash")
    def crash():
        raise RuntimeError("database password is hunter2")

    response = TestClient(api, raise_server_exceptions=False).get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "hunter2" not in response.text
